/**
 * `rerun <enriched>` through the built CLI: a run left with failed rows (exit 1) is completed by a rerun
 * that sends exactly those rows and keeps every other row byte for byte, in order; `-o` may name the
 * input itself (atomic replace); `--statuses` picks other statuses; and the exit codes make
 * `until oiq-batch rerun f.csv -o f.csv; do sleep 60; done` a recovery loop that ends with every row done.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempPathFor } from '../../src/csv/writer.js';
import { journalPathFor } from '../../src/pipeline/journal.js';
import { startSimulator, type RunningSimulator } from '../../src/simulator/index.js';
import { runCli, simEnv, tempDir } from './harness.js';
import { checkEnriched, expectSummaryMatches, makeLeadsCsv, readText, writeText, type LeadKind } from './reliability-support.js';

const KINDS: LeadKind[] = Array.from({ length: 600 }, (_, i) => (i % 50 === 9 ? 'api-invalid' : i % 61 === 3 ? 'invalid' : 'good'));
const CSV = makeLeadsCsv(KINDS);
const FLAKY = { error500Rate: 0.3 };

let sim: RunningSimulator;
beforeAll(async () => {
  sim = await startSimulator({ seed: 17 });
});
afterAll(async () => {
  await sim.close();
});

/** Lines of a file whose rows hold no line breaks (ours do not): line i + 1 is row i. */
const linesOf = (text: string) => text.split('\n');

/** An assign run that leaves rows failed: 500s are not retried, as the vendor SDK does. */
async function assignWithFailures(): Promise<{ dir: string; enriched: string }> {
  const dir = tempDir();
  const input = writeText(join(dir, 'leads.csv'), CSV);
  const enriched = join(dir, 'leads.enriched.csv');
  sim.setFaults(FLAKY);
  try {
    const r = await runCli(['assign', input, '-o', enriched, '--batch-size', '20', '--no-retry-ambiguous'], { env: simEnv(sim.url) });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/\d+ rows failed: run oiq-batch rerun .*leads\.enriched\.csv to send them again/);
  } finally {
    sim.setFaults({});
  }
  return { dir, enriched };
}

describe('rerun', () => {
  it('sends exactly the failed rows and keeps every other row byte for byte, in order (exit 0)', async () => {
    const { dir, enriched } = await assignWithFailures();
    const before = readText(enriched);
    const rows = checkEnriched(CSV, before);
    const failed = rows.filter((r) => r.status === 'failed').length;
    expect(failed).toBeGreaterThan(0);
    const received = sim.stats().leadsReceived;

    const r = await runCli(['rerun', enriched], { env: simEnv(sim.url) });
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.code).toBe(0);
    expect(sim.stats().leadsReceived - received).toBe(failed);
    const out = join(dir, 'leads.enriched.rerun.csv');
    const after = readText(out);
    const rerun = checkEnriched(CSV, after);
    const beforeLines = linesOf(before);
    const afterLines = linesOf(after);
    expect(afterLines.length).toBe(beforeLines.length);
    expect(afterLines[0]).toBe(beforeLines[0]);
    rows.forEach((row, i) => {
      if (row.status !== 'failed') expect(afterLines[i + 1]).toBe(beforeLines[i + 1]);
      else expect(rerun[i]!.status).toBe(KINDS[i] === 'good' ? 'assigned' : 'rejected');
    });
    expectSummaryMatches(JSON.parse(readText(`${out}.summary.json`)), rerun);
    expect(readText(enriched)).toBe(before); // the input is left alone
  });

  it('-o naming the input replaces it atomically, leaving no temporary file or journal', async () => {
    const { enriched } = await assignWithFailures();
    const r = await runCli(['rerun', enriched, '-o', enriched], { env: simEnv(sim.url) });
    expect(r.code).toBe(0);
    const rows = checkEnriched(CSV, readText(enriched));
    expect(rows.map((x) => x.status)).toEqual(KINDS.map((k) => (k === 'good' ? 'assigned' : k === 'invalid' ? 'invalid' : 'rejected')));
    expect(existsSync(tempPathFor(enriched))).toBe(false);
    expect(existsSync(journalPathFor(enriched))).toBe(false);
  });

  it('--statuses failed,rejected sends those rows and only those', async () => {
    const { enriched } = await assignWithFailures();
    const rows = checkEnriched(CSV, readText(enriched));
    const chosen = rows.filter((r) => r.status === 'failed' || r.status === 'rejected').length;
    const received = sim.stats().leadsReceived;
    const r = await runCli(['rerun', enriched, '-o', enriched, '--statuses', 'failed,rejected'], { env: simEnv(sim.url) });
    expect(r.code).toBe(0);
    expect(sim.stats().leadsReceived - received).toBe(chosen);
    const after = checkEnriched(CSV, readText(enriched));
    expect(after.filter((x) => x.status === 'rejected').map((x) => x.error)).toEqual(Array(KINDS.filter((k) => k === 'api-invalid').length).fill('Invalid prospect_phone'));
  });

  it('with nothing to rerun: exit 0, nothing sent, the file unchanged', async () => {
    const { enriched } = await assignWithFailures();
    expect((await runCli(['rerun', enriched, '-o', enriched], { env: simEnv(sim.url) })).code).toBe(0);
    const done = readText(enriched);
    const received = sim.stats().leadsReceived;
    expect((await runCli(['rerun', enriched, '-o', enriched], { env: simEnv(sim.url) })).code).toBe(0);
    expect(sim.stats().leadsReceived).toBe(received);
    expect(readText(enriched)).toBe(done);
  });

  it('a file that is not an enriched file: exit 2, says why', async () => {
    const dir = tempDir();
    const input = writeText(join(dir, 'leads.csv'), CSV);
    const r = await runCli(['rerun', input], { env: simEnv(sim.url) });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no status column, so nothing to rerun');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('`until rerun f -o f; do …; done` ends with every row done: exit 1 while rows fail, 4 while the API is down, then 0', async () => {
    const { enriched } = await assignWithFailures();
    const codes: number[] = [];
    let failed = checkEnriched(CSV, readText(enriched)).filter((r) => r.status === 'failed').length;
    for (let round = 0; round < 30; round++) {
      const before = readText(enriched);
      // Round 1: the API is down. Later rounds: it fails now and then, and 500s are not retried.
      sim.setFaults(round === 1 ? { down: true } : FLAKY);
      const r = await runCli(['rerun', enriched, '-o', enriched, '--batch-size', '5', '--no-retry-ambiguous', '--unavailable-after-ms', '200'], { env: simEnv(sim.url) });
      sim.setFaults({});
      expect(r.stderr).not.toMatch(/\n\s+at /);
      codes.push(r.code!);
      if (r.code === 4) {
        expect(readText(enriched)).toBe(before); // an interrupted rerun replaces nothing
        continue;
      }
      expect([0, 1]).toContain(r.code);
      const rows = checkEnriched(CSV, readText(enriched));
      const nowFailed = rows.filter((x) => x.status === 'failed').length;
      expect(nowFailed).toBeLessThanOrEqual(failed);
      expect(r.code).toBe(nowFailed > 0 ? 1 : 0);
      expectSummaryMatches(JSON.parse(readText(`${enriched}.summary.json`)), rows);
      failed = nowFailed;
      if (r.code === 0) break;
    }
    expect(codes[1]).toBe(4);
    expect(codes.at(-1)).toBe(0);
    const rows = checkEnriched(CSV, readText(enriched));
    expect(rows.map((x) => x.status)).toEqual(KINDS.map((k) => (k === 'good' ? 'assigned' : k === 'invalid' ? 'invalid' : 'rejected')));
  });
});
