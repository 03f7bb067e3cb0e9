/** `nrm export` end to end through the built CLI, against the simulator (issue 4: Number reputation). */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANI_FIELDS } from '../../src/api/schemas.js';
import { aniRecordToRow } from '../../src/nrm/export-row.js';
import { SIMULATOR_WRONG_TYPE_KEY, startSimulator, type RunningSimulator } from '../../src/simulator/index.js';
import { runCli, simEnv, tempDir } from './harness.js';

let sim: RunningSimulator;
beforeAll(async () => {
  sim = await startSimulator({ port: 0, seed: 21, inventorySize: 500 });
});
afterAll(async () => {
  await sim.close();
});

describe('nrm export', () => {
  it('exports a 500-ANI inventory completely across pages: every ANI once, every documented column, in order', async () => {
    const dir = tempDir();
    const out = join(dir, 'anis.csv');
    const before = sim.stats();
    const r = await runCli(['nrm', 'export', '-o', out, '--page-size', '100', '--concurrency', '3'], { env: simEnv(sim.url) });
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.code).toBe(0);
    const [header, ...rows] = parse(readFileSync(out, 'utf8')) as string[][];
    expect(header).toEqual([...ANI_FIELDS]);
    expect(rows).toEqual(sim.inventory().map((ani) => aniRecordToRow(ani)));
    expect(new Set(rows.map((row) => row[1])).size).toBe(500);
    // Five pages, each asked once.
    expect((sim.stats().byPath['/nrm/anis'] ?? 0) - (before.byPath['/nrm/anis'] ?? 0)).toBe(5);

    const summary = JSON.parse(readFileSync(`${out}.summary.json`, 'utf8'));
    const statuses = new Map<string, number>();
    for (const ani of sim.inventory()) statuses.set(ani.status, (statuses.get(ani.status) ?? 0) + 1);
    expect(summary).toMatchObject({ command: 'nrm export', exitCode: 0, anis: { total: 500, expected: 500, byStatus: Object.fromEntries(statuses) }, pages: { total: 5, fetched: 5 } });
    expect(summary.anis.byState.VT).toBe(1);
    expect(summary.requests.sent).toBe(5);
    expect(typeof summary.durationMs).toBe('number');
    expect(r.stderr).toContain('nrm export: 500 of 500 ANIs in 5 of 5 pages (csv)');
    expect(r.stderr).toMatch(/by status: ACTIVE_AND_BEING_MANAGED \d+/);
    expect(r.stderr).toMatch(/by state: .*VT 1|… \d+ more/);
  });

  it('filters by a prefix given as "(212)": only 212 numbers, all of them', async () => {
    const dir = tempDir();
    const out = join(dir, 'ny.csv');
    const r = await runCli(['nrm', 'export', '--number', '(212)', '-o', out], { env: simEnv(sim.url) });
    expect(r.code).toBe(0);
    const rows = (parse(readFileSync(out, 'utf8')) as string[][]).slice(1);
    const expected = sim.inventory().filter((ani) => ani.phone.startsWith('212'));
    expect(expected.length).toBeGreaterThan(1);
    expect(rows.map((row) => row[1])).toEqual(expected.map((ani) => ani.phone));
    expect(rows.every((row) => row[6] === '212')).toBe(true);
  });

  it('streams JSON Lines to stdout, with the summary on stderr', async () => {
    const r = await runCli(['nrm', 'export', '-o', '-', '--format', 'jsonl', '--page-size', '250'], { env: simEnv(sim.url) });
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toHaveLength(500);
    expect(Object.keys(lines[0]!)).toEqual([...ANI_FIELDS]);
    expect(lines.map((ani) => ani.phone)).toEqual(sim.inventory().map((ani) => ani.phone));
    expect(r.stderr).toContain('(jsonl)');
  });

  it('exits 3 when the key is refused, and writes no export', async () => {
    const dir = tempDir();
    const out = join(dir, 'anis.csv');
    const r = await runCli(['nrm', 'export', '-o', out], { env: simEnv(sim.url, { OUTBOUNDIQ_API_KEY: SIMULATOR_WRONG_TYPE_KEY }) });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('the API refused the key');
    expect(r.stderr).not.toContain(SIMULATOR_WRONG_TYPE_KEY);
    expect(existsSync(out)).toBe(false);
  });

  it('exits 2 on a page size the API does not allow', async () => {
    const r = await runCli(['nrm', 'export', '--page-size', '5000'], { env: simEnv(sim.url) });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--page-size must be between 1 and 1000');
  });
});
