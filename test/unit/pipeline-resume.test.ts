/**
 * Stopping and resuming in-process (runAssign, real client, real simulator): the API going down (the
 * breaker: exit 4, no row failed, resumable), a signal with a grace period (nothing sent twice), and a
 * hard stop (re-sent rows bounded by what was in flight). Each resumed file must be the file an
 * uninterrupted run writes: every row once, in order, values unchanged, statuses as the API answers them.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../src/simulator/index.js';
import { tempPathFor } from '../../src/csv/writer.js';
import { journalPathFor } from '../../src/pipeline/journal.js';
import {
  checkEnriched,
  countDuplicates,
  expectSummaryMatches,
  goodLeads,
  readText,
  runInProcess,
  writeText,
  type RunOverrides,
} from '../e2e/reliability-support.js';

let sim: RunningSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

function files(csv: string) {
  const dir = mkdtempSync(join(tmpdir(), 'oiq-resume-'));
  return { input: writeText(join(dir, 'leads.csv'), csv), output: join(dir, 'leads.enriched.csv') };
}

/** Calls `act` once the simulator has received at least `leads` leads (polled every millisecond). */
function when(s: RunningSimulator, leads: number, act: () => void): () => void {
  const timer = setInterval(() => {
    if (s.stats().leadsReceived >= leads) {
      clearInterval(timer);
      act();
    }
  }, 1);
  return () => clearInterval(timer);
}

describe('the API stays unavailable', () => {
  it('down from the start: exit 4 with no row failed and nothing committed; --resume once it is back completes the file', async () => {
    const csv = goodLeads(300);
    const { input, output } = files(csv);
    sim = await startSimulator({ seed: 3, faults: { down: true } });
    const o: RunOverrides = { batchSize: 25, concurrency: 3, retry: { unavailableAfterMs: 300 } };
    const first = await runInProcess(sim.url, input, output, o);
    expect(first.exitCode).toBe(4);
    expect(first.stoppedBecause).toMatch(/^the API has been unavailable for \d+s \(last: 503 Service Unavailable\); stopping — rerun with --resume; run the same command with --resume to continue$/);
    expect(first.rows.failed).toBe(0);
    expect(existsSync(output)).toBe(false);
    expect(existsSync(tempPathFor(output))).toBe(true);
    expect(existsSync(journalPathFor(output))).toBe(true);

    sim.setFaults({});
    const second = await runInProcess(sim.url, input, output, { ...o, resume: true });
    expect(second.exitCode).toBe(0);
    expect(second.resumed).toBe(true);
    const rows = checkEnriched(csv, readText(output));
    expectSummaryMatches(second, rows);
    expect(rows.every((r) => r.status === 'assigned')).toBe(true);
    expect(sim.stats().leadsProcessed).toBe(300);
    expect(existsSync(journalPathFor(output))).toBe(false);
    expect(existsSync(tempPathFor(output))).toBe(false);
  });

  it('down in the middle of a run: what was answered is kept, no row is failed, and the resume sends each lead once', async () => {
    const csv = goodLeads(2000);
    const { input, output } = files(csv);
    sim = await startSimulator({ seed: 3, faults: { latencyMs: 3 } });
    const s = sim;
    const cancel = when(s, 700, () => s.setFaults({ down: true, latencyMs: 3 }));
    const o: RunOverrides = { batchSize: 20, concurrency: 4, retry: { unavailableAfterMs: 300 } };
    const first = await runInProcess(s.url, input, output, o);
    cancel();
    expect(first.exitCode).toBe(4);
    expect(first.rows.failed).toBe(0);
    expect(first.rows.assigned).toBeGreaterThan(0);
    expect(first.rows.total).toBeLessThan(2000);

    s.setFaults({});
    const second = await runInProcess(s.url, input, output, { ...o, resume: true });
    expect(second.exitCode).toBe(0);
    const rows = checkEnriched(csv, readText(output));
    expectSummaryMatches(second, rows);
    expect(rows.every((r) => r.status === 'assigned')).toBe(true);
    // 503s are never processed: across both runs every lead was acted on exactly once.
    expect(s.stats().leadsProcessed).toBe(2000);
    expect(countDuplicates(s.stats().processedByPhone)).toBe(0);
  });
});

describe('the API vanishes (connections refused)', () => {
  it('exit 4, no row failed; --resume against the API back on the same address completes the file', async () => {
    const csv = goodLeads(2000);
    const { input, output } = files(csv);
    const first = await startSimulator({ seed: 6, faults: { latencyMs: 3 } });
    const port = first.port;
    const cancel = when(first, 600, () => void first.close());
    const o: RunOverrides = { batchSize: 20, concurrency: 4, retry: { unavailableAfterMs: 300 } };
    const stopped = await runInProcess(first.url, input, output, o);
    cancel();
    expect(stopped.exitCode).toBe(4);
    expect(stopped.stoppedBecause).toMatch(/connection refused \(ECONNREFUSED\)/);
    expect(stopped.rows.failed).toBe(0);
    const processedBefore = first.stats().leadsProcessed;

    sim = await startSimulator({ seed: 6, port });
    const resumed = await runInProcess(sim.url, input, output, { ...o, resume: true });
    expect(resumed.exitCode).toBe(0);
    const rows = checkEnriched(csv, readText(output));
    expectSummaryMatches(resumed, rows);
    expect(rows.every((r) => r.status === 'assigned')).toBe(true);
    // Re-sent: at most the requests cut off in flight when the server went away.
    expect(processedBefore + sim.stats().leadsProcessed - 2000).toBeLessThanOrEqual(4 * 20);
  });
});

describe('signals', () => {
  it('SIGTERM with a grace period: in-flight answers are kept (exit 143), and the resume sends no lead twice', async () => {
    const csv = goodLeads(1500);
    const { input, output } = files(csv);
    sim = await startSimulator({ seed: 4, faults: { latencyMs: 15 } });
    const controller = new AbortController();
    const cancel = when(sim, 500, () => controller.abort('SIGTERM'));
    const o: RunOverrides = { batchSize: 25, concurrency: 4, graceMs: 10_000 };
    const first = await runInProcess(sim.url, input, output, o, controller.signal);
    cancel();
    expect(first.exitCode).toBe(143);
    expect(first.stoppedBecause).toBe('interrupted; run the same command with --resume to continue');
    expect(first.rows.failed).toBe(0);

    const second = await runInProcess(sim.url, input, output, { ...o, resume: true });
    expect(second.exitCode).toBe(0);
    const rows = checkEnriched(csv, readText(output));
    expectSummaryMatches(second, rows);
    expect(rows.every((r) => r.status === 'assigned')).toBe(true);
    expect(sim.stats().leadsReceived).toBe(1500);
    expect(countDuplicates(sim.stats().processedByPhone)).toBe(0);
  });

  it('SIGINT with no grace period: in-flight requests are abandoned (exit 130); the resume re-sends at most those', async () => {
    const csv = goodLeads(1500);
    const { input, output } = files(csv);
    sim = await startSimulator({ seed: 4, faults: { latencyMs: 15 } });
    const controller = new AbortController();
    const cancel = when(sim, 500, () => controller.abort('SIGINT'));
    const o: RunOverrides = { batchSize: 25, concurrency: 4, graceMs: 0 };
    const first = await runInProcess(sim.url, input, output, o, controller.signal);
    cancel();
    expect(first.exitCode).toBe(130);

    const second = await runInProcess(sim.url, input, output, { ...o, resume: true });
    expect(second.exitCode).toBe(0);
    const rows = checkEnriched(csv, readText(output));
    expectSummaryMatches(second, rows);
    expect(rows.every((r) => r.status === 'assigned')).toBe(true);
    const stats = sim.stats();
    expect(stats.leadsReceived - 1500).toBeLessThanOrEqual(4 * 25);
    expect(countDuplicates(stats.processedByPhone)).toBeLessThanOrEqual(4 * 25);
  });

  it('a journal killed before its first checkpoint (no partial output yet) resumes into the whole file, header included', async () => {
    const csv = goodLeads(60);
    const { input, output } = files(csv);
    sim = await startSimulator({ seed: 5, faults: { down: true } });
    const o: RunOverrides = { batchSize: 20, concurrency: 2, retry: { unavailableAfterMs: 200 } };
    expect((await runInProcess(sim.url, input, output, o)).exitCode).toBe(4);
    // What a kill between creating the journal and opening the output leaves: the journal's header line only.
    const journal = journalPathFor(output);
    writeText(journal, `${readText(journal).split('\n')[0]}\n`);
    rmSync(tempPathFor(output));
    sim.setFaults({});
    const resumed = await runInProcess(sim.url, input, output, { ...o, resume: true });
    expect(resumed.exitCode).toBe(0);
    const rows = checkEnriched(csv, readText(output));
    expectSummaryMatches(resumed, rows);
    expect(rows.every((r) => r.status === 'assigned')).toBe(true);
  });

  it('--resume of a run that finished is refused (nothing to resume), exit 2', async () => {
    const csv = goodLeads(10);
    const { input, output } = files(csv);
    sim = await startSimulator({ seed: 4 });
    expect((await runInProcess(sim.url, input, output)).exitCode).toBe(0);
    await expect(runInProcess(sim.url, input, output, { resume: true })).rejects.toMatchObject({ code: 'E_RESUME', message: expect.stringMatching(/nothing to resume/) });
  });
});
