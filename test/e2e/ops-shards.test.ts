/**
 * Shards end to end: three `assign --shard K/3` processes run at once, `merge` joins their files, and
 * the result is byte for byte the file one unsharded run writes.
 *
 * The simulator rotates among an area code's active ANIs, so which ANI a row gets depends on the order
 * requests arrive in. To compare bytes, every phone here is in an area code with exactly one active
 * ANI in the simulator's inventory (or in none, or is invalid): each row's answer then depends on the
 * row alone, never on the order, and the single run and the shards must agree on every byte.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NRM_STATUS } from '../../src/api/schemas.js';
import { startSimulator, type RunningSimulator } from '../../src/simulator/index.js';
import { runCli, simEnv, tempDir } from './harness.js';

const ROWS = 2_000;
let sim: RunningSimulator;
let singles: string[];

beforeAll(async () => {
  sim = await startSimulator({ port: 0, seed: 21, inventorySize: 60 });
  const active = new Map<string, number>();
  for (const ani of sim.inventory()) if (ani.status === NRM_STATUS.active) active.set(ani.areaCode, (active.get(ani.areaCode) ?? 0) + 1);
  singles = [...active].filter(([, n]) => n === 1).map(([areaCode]) => areaCode).sort();
});
afterAll(async () => {
  await sim.close();
});

/** A spreadsheet-style export (BOM, CRLF, quoted commas, quotes and line breaks) whose answers do not depend on order. */
function writeLeads(path: string, rows: number, salt = ''): void {
  const lines = ['\uFEFFid,Full Name,Phone Number,Zip Code,Notes'];
  for (let i = 0; i < rows; i++) {
    const ac = singles[i % singles.length]!;
    const line = String(100 + (i % 100)).padStart(4, '0');
    const phone =
      i % 97 === 0 ? '' // invalid: empty
        : i % 89 === 0 ? `${ac}-555-CALL` // invalid: letters
          : i % 83 === 0 ? `999-555-${line}` // no ANI anywhere: rejected
            : [`(${ac}) 555-${line}`, `${ac}.555.${line}`, `+1 ${ac} 555 ${line}`, `${ac}555${line}`][i % 4]!;
    const notes = i % 7 === 0 ? '"called twice, ""no answer"""' : i % 13 === 0 ? '"line one\r\nline two"' : i % 5 === 0 ? 'ok' : '';
    const extra = i % 401 === 0 ? ',stray field' : ''; // misaligned: invalid, extra field kept
    // No zip on the rows without an ANI in their area code: a zip would fall back to its state's several ANIs.
    const zip = i % 3 === 0 || phone.startsWith('999') ? '' : '90210';
    lines.push(`L${salt}${i},"Person ${i}, Test",${phone},${zip},${notes}${extra}`);
  }
  writeFileSync(path, `${lines.join('\r\n')}\r\n`);
}

describe('assign --shard K/N, then merge', () => {
  it('three shards run in parallel merge into exactly the single run\'s file (bytes), with the summed summary', async () => {
    expect(singles.length).toBeGreaterThanOrEqual(3);
    const dir = tempDir('oiq-shards-');
    const input = join(dir, 'leads.csv');
    writeLeads(input, ROWS);
    const env = simEnv(sim.url);
    const single = await runCli(['assign', input, '-o', join(dir, 'single.csv'), '--batch-size', '50', '--concurrency', '4', '--progress', 'off'], { env });
    expect(single.stderr).not.toMatch(/\n\s+at /);
    expect(single.code).toBe(0);

    const shardPath = (k: number) => join(dir, `leads.shard-${k}.csv`);
    // Three processes at once; shard 2 takes its index from JOB_COMPLETION_INDEX, as in the Indexed Job.
    const shards = await Promise.all([
      runCli(['assign', input, '--shard', '0/3', '-o', shardPath(0), '--batch-size', '50', '--progress', 'off'], { env }),
      runCli(['assign', input, '--shard', '1/3', '-o', shardPath(1), '--batch-size', '50', '--progress', 'off'], { env }),
      runCli(['assign', input, '--shard', '/3', '-o', shardPath(2), '--batch-size', '50', '--progress', 'off'], { env: { ...env, JOB_COMPLETION_INDEX: '2' } }),
    ]);
    for (const r of shards) expect(r.code, r.stderr).toBe(0);
    const shard1 = readFileSync(shardPath(1), 'utf8').split('\r\n');
    expect(shard1[0]).toBe('\uFEFFid,Full Name,Phone Number,Zip Code,Notes,outboundani,error,status,oiq_row');
    expect(shard1[1]).toMatch(/,1$/); // the row at position 1 comes first in shard 1

    const merged = join(dir, 'merged.csv');
    const m = await runCli(['merge', shardPath(2), shardPath(0), shardPath(1), '-o', merged], { env: { PATH: process.env.PATH } });
    expect(m.stderr).toContain('merged 3 shards');
    expect(m.code).toBe(0);
    const expected = readFileSync(join(dir, 'single.csv'));
    const actual = readFileSync(merged);
    expect(actual.length).toBe(expected.length);
    expect(actual.equals(expected)).toBe(true);

    // The file is not trivially equal: every outcome is there, quoted line breaks and BOM included.
    const text = expected.toString('utf8');
    expect(text.startsWith('\uFEFF')).toBe(true);
    expect(text).toContain('"line one\r\nline two"');
    const singleSummary = JSON.parse(readFileSync(join(dir, 'single.csv.summary.json'), 'utf8'));
    const mergedSummary = JSON.parse(readFileSync(`${merged}.summary.json`, 'utf8'));
    expect(singleSummary.rows.total).toBe(ROWS);
    for (const status of ['assigned', 'rejected', 'invalid']) expect(singleSummary.rows[status]).toBeGreaterThan(0);
    expect(mergedSummary.rows).toEqual(singleSummary.rows);
    expect(mergedSummary.errors).toEqual(singleSummary.errors);
    expect(mergedSummary.warnings).toEqual(singleSummary.warnings);
    expect(mergedSummary.exitCode).toBe(0);
    expect(mergedSummary.mergedFrom).toEqual([shardPath(0), shardPath(1), shardPath(2)]);
    expect(mergedSummary.shard).toBeUndefined();
  });

  it('refuses a missing shard and shards of a different input, with exit 2 and nothing written', async () => {
    const dir = tempDir('oiq-shards-');
    const a = join(dir, 'a.csv');
    const b = join(dir, 'b.csv');
    writeLeads(a, 30);
    writeLeads(b, 30, 'b');
    const env = simEnv(sim.url);
    const run = (input: string, k: number, out: string) => runCli(['assign', input, '--shard', `${k}/3`, '-o', out, '--progress', 'off'], { env });
    for (const k of [0, 1]) expect((await run(a, k, join(dir, `a-${k}.csv`))).code).toBe(0);
    expect((await run(b, 2, join(dir, 'b-2.csv'))).code).toBe(0);
    const out = join(dir, 'merged.csv');

    const missing = await runCli(['merge', join(dir, 'a-0.csv'), join(dir, 'a-1.csv'), '-o', out]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('missing shard 2/3 (given: 0/3, 1/3)');

    const foreign = await runCli(['merge', join(dir, 'a-0.csv'), join(dir, 'a-1.csv'), join(dir, 'b-2.csv'), '-o', out]);
    expect(foreign.code).toBe(2);
    expect(foreign.stderr).toMatch(/shards from different inputs: .*a-0\.csv was cut from .*a\.csv .*b-2\.csv from .*b\.csv/);

    const unsharded = await runCli(['assign', a, '-o', join(dir, 'whole.csv'), '--progress', 'off'], { env });
    expect(unsharded.code).toBe(0);
    const notShard = await runCli(['merge', join(dir, 'whole.csv'), '-o', out]);
    expect(notShard.code).toBe(2);
    expect(notShard.stderr).toContain('not a shard file');
    expect(() => readFileSync(out)).toThrow();
  });
});
