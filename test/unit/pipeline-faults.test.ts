/**
 * Every failure class of the assignment API, in-process: runAssign with the real client over loopback
 * HTTP against a simulator whose fault knobs produce that failure. Each run must end with every row
 * once, in order, values unchanged, and a truthful status; duplicates only where the server acted on
 * a request whose answer was lost (an ambiguous retry).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator, type SimulatorFaults } from '../../src/simulator/index.js';
import type { RunSummary } from '../../src/report/summary.js';
import {
  checkEnriched,
  countDuplicates,
  expectSummaryMatches,
  goodLeads,
  makeLeadsCsv,
  readText,
  runInProcess,
  writeText,
  type LeadKind,
  type ResultRow,
  type RunOverrides,
} from '../e2e/reliability-support.js';

interface Outcome {
  summary: RunSummary;
  rows: ResultRow[];
  sim: RunningSimulator;
}

/** Runs `csv` through a fresh simulator with `faults`; checks the file and the summary; returns both with the simulator (closed). */
async function runWith(faults: SimulatorFaults, csv: string, o: RunOverrides = {}): Promise<Outcome> {
  const dir = mkdtempSync(join(tmpdir(), 'oiq-faults-'));
  const input = writeText(join(dir, 'leads.csv'), csv);
  const output = join(dir, 'leads.enriched.csv');
  const sim = await startSimulator({ seed: 5, faults });
  try {
    const summary = await runInProcess(sim.url, input, output, o);
    const rows = checkEnriched(csv, readText(output));
    expectSummaryMatches(summary, rows);
    return { summary, rows, sim };
  } finally {
    await sim.close();
  }
}

const allAssigned = ({ summary, rows }: Outcome) => {
  expect(summary.exitCode).toBe(0);
  expect(rows.every((r) => r.status === 'assigned')).toBe(true);
};

describe('safe retries (the request was not processed)', () => {
  it('429 with Retry-After in seconds: waits as told, then every row is assigned once', async () => {
    const r = await runWith({ rateLimitRps: 20, retryAfter: 'seconds', retryAfterSeconds: 1 }, goodLeads(300), { batchSize: 10, concurrency: 4 });
    allAssigned(r);
    const s = r.sim.stats();
    expect(s.byStatus['429']).toBeGreaterThan(0);
    expect(r.summary.requests.byStatus['429']).toBe(s.byStatus['429']);
    // Had Retry-After been ignored, 1–10 ms backoffs against an empty bucket would draw dozens of 429s.
    expect(s.byStatus['429']).toBeLessThanOrEqual(12);
    expect(s.leadsProcessed).toBe(300);
    expect(countDuplicates(s.processedByPhone)).toBe(0);
  });

  it('429 with Retry-After as an HTTP date: same', async () => {
    const r = await runWith({ rateLimitRps: 20, retryAfter: 'date', retryAfterSeconds: 2 }, goodLeads(300), { batchSize: 10, concurrency: 4 });
    allAssigned(r);
    const s = r.sim.stats();
    expect(s.byStatus['429']).toBeGreaterThan(0);
    expect(s.byStatus['429']).toBeLessThanOrEqual(12);
    expect(countDuplicates(s.processedByPhone)).toBe(0);
  });

  it('503: retried until answered, no lead processed twice', async () => {
    const r = await runWith({ errorRate: 0.3 }, goodLeads(500), { batchSize: 20, concurrency: 4 });
    allAssigned(r);
    const s = r.sim.stats();
    expect(s.byStatus['503']).toBeGreaterThan(0);
    expect(r.summary.requests.retries).toBeGreaterThanOrEqual(s.byStatus['503']!);
    expect(r.summary.requests.ambiguousRetries).toBe(0);
    expect(s.leadsProcessed).toBe(500);
  });

  it('connections reset before processing: resent; the server acted on each lead once', async () => {
    const r = await runWith({ resetBeforeRate: 0.25 }, goodLeads(400), { batchSize: 20, concurrency: 4 });
    allAssigned(r);
    const s = r.sim.stats();
    expect(s.byStatus.reset).toBeGreaterThan(0);
    // The client cannot tell a reset before processing from one after: it counts them as ambiguous.
    expect(r.summary.requests.ambiguousRetries).toBe(s.byStatus.reset);
    expect(s.leadsProcessed).toBe(400);
    expect(countDuplicates(s.processedByPhone)).toBe(0);
  });

  it('answers missing a row: only the missing rows are sent again', async () => {
    const r = await runWith({ missingRowRate: 0.3 }, goodLeads(400), { batchSize: 20, concurrency: 4, retry: { maxAttempts: 8 } });
    allAssigned(r);
    const s = r.sim.stats();
    expect(s.leadsReceived).toBeGreaterThan(400);
    // Each answer drops at most one row, and only that row goes back: far fewer than whole batches.
    expect(s.leadsReceived - 400).toBeLessThan(s.requests);
    expect(s.leadsProcessed).toBe(400);
    expect(countDuplicates(s.processedByPhone)).toBe(0);
  });

  it('a row the answers keep leaving out is failed after --max-attempts rounds, and says so', async () => {
    const r = await runWith({ missingRowRate: 1 }, goodLeads(40), { batchSize: 10, retry: { maxAttempts: 2 } });
    expect(r.summary.exitCode).toBe(1);
    const failed = r.rows.filter((x) => x.status === 'failed');
    // Every answer drops one row: each batch of 10 loses one, whose lone re-send is dropped too.
    expect(failed.length).toBe(4);
    for (const f of failed) expect(f.error).toBe("missing from the API's answer after 2 attempts");
    expect(r.sim.stats().leadsProcessed).toBe(36);
  });
});

describe('ambiguous failures (the server may have acted)', () => {
  const BATCH = 20;
  const expectBoundedDuplicates = (r: Outcome) => {
    const dup = countDuplicates(r.sim.stats().processedByPhone);
    expect(dup).toBeLessThanOrEqual(r.summary.requests.ambiguousRetries * BATCH);
    return dup;
  };

  it('500 after processing: retried by default, counted as ambiguousRetries, duplicates only from those', async () => {
    const r = await runWith({ error500Rate: 0.25 }, goodLeads(400), { batchSize: BATCH, concurrency: 4 });
    allAssigned(r);
    expect(r.sim.stats().byStatus['500']).toBeGreaterThan(0);
    expect(r.summary.requests.ambiguousRetries).toBe(r.sim.stats().byStatus['500']);
    expect(expectBoundedDuplicates(r)).toBeGreaterThan(0);
  });

  it('timeouts (a hung answer): retried after --timeout-ms', async () => {
    const r = await runWith({ hangRate: 0.2 }, goodLeads(300), { batchSize: BATCH, concurrency: 4, api: { timeoutMs: 300 } });
    allAssigned(r);
    expect(r.summary.requests.byStatus.E_API_TIMEOUT).toBeGreaterThan(0);
    expect(r.summary.requests.ambiguousRetries).toBe(r.summary.requests.byStatus.E_API_TIMEOUT);
    expectBoundedDuplicates(r);
  });

  it('connections reset after processing: retried as ambiguous', async () => {
    const r = await runWith({ resetAfterRate: 0.25 }, goodLeads(400), { batchSize: BATCH, concurrency: 4 });
    allAssigned(r);
    expect(r.summary.requests.byStatus.E_API_RESET).toBeGreaterThan(0);
    expect(expectBoundedDuplicates(r)).toBeGreaterThan(0);
  });

  it('malformed 2xx bodies (cut short, or an HTML page): retried as ambiguous', async () => {
    const r = await runWith({ malformedRate: 0.25 }, goodLeads(400), { batchSize: BATCH, concurrency: 4 });
    allAssigned(r);
    expect(r.summary.requests.ambiguousRetries).toBeGreaterThan(0);
    expect(expectBoundedDuplicates(r)).toBeGreaterThan(0);
  });

  it('--no-retry-ambiguous: a 500 leaves its rows failed (exit 1) with a message that says why, nothing retried', async () => {
    const r = await runWith({ error500Rate: 0.3 }, goodLeads(400), { batchSize: BATCH, concurrency: 4, retry: { retryAmbiguous: false } });
    expect(r.summary.exitCode).toBe(1);
    const failed = r.rows.filter((x) => x.status === 'failed');
    expect(failed.length).toBe(r.sim.stats().byStatus['500']! * BATCH);
    for (const f of failed) expect(f.error).toBe('500 Internal Server Error: Internal server error (the server may have acted; not retried because of --no-retry-ambiguous)');
    expect(r.summary.requests.ambiguousRetries).toBe(0);
    expect(r.summary.requests.retries).toBe(0);
    expect(countDuplicates(r.sim.stats().processedByPhone)).toBe(0);
  });
});

describe('refusals: split, isolate, remember', () => {
  it('413: the batch is split until it fits, and the size that worked is kept for the rest of the run', async () => {
    const r = await runWith({ maxBatchSize: 30 }, goodLeads(300), { batchSize: 100, concurrency: 1 });
    allAssigned(r);
    const s = r.sim.stats();
    // 100 → 413, 50 → 413, then 25s: the remembered size, so no other batch is ever refused.
    expect(s.byStatus['413']).toBe(2);
    expect(s.byStatus['200']).toBe(12);
    expect(countDuplicates(s.processedByPhone)).toBe(0);
  });

  it('400 for a whole batch: halves isolate the bad rows (rejected, with the API\'s reason), the rest is assigned', async () => {
    const kinds: LeadKind[] = Array.from({ length: 100 }, (_, i) => (i === 7 || i === 40 || i === 41 ? 'api-invalid' : 'good'));
    const r = await runWith({ rejectBatchOnInvalidRow: true }, makeLeadsCsv(kinds), { batchSize: 25, concurrency: 2 });
    expect(r.summary.exitCode).toBe(0);
    r.rows.forEach((row, i) => {
      if (kinds[i] === 'api-invalid') {
        expect(row.status).toBe('rejected');
        expect(row.error).toBe(`400 Bad Request: Invalid prospect_phone (row_id ${i + 1})`);
      } else expect(row.status).toBe('assigned');
    });
    // A refused batch is not processed: each good lead was acted on exactly once.
    expect(r.sim.stats().leadsProcessed).toBe(97);
    expect(countDuplicates(r.sim.stats().processedByPhone)).toBe(0);
  });

  it('rows the API refuses inside a 200 answer are rejected with its reason, never retried', async () => {
    const kinds: LeadKind[] = Array.from({ length: 60 }, (_, i) => (i % 10 === 3 ? 'api-invalid' : i % 10 === 6 ? 'invalid' : 'good'));
    const r = await runWith({}, makeLeadsCsv(kinds), { batchSize: 25 });
    expect(r.rows.map((x) => x.status)).toEqual(kinds.map((k) => (k === 'good' ? 'assigned' : k === 'invalid' ? 'invalid' : 'rejected')));
    expect(r.rows.filter((x) => x.status === 'rejected').every((x) => x.error === 'Invalid prospect_phone')).toBe(true);
    expect(r.rows.filter((x) => x.status === 'invalid').every((x) => x.error === 'phone contains letters')).toBe(true);
    // Invalid rows are never sent.
    expect(r.sim.stats().leadsReceived).toBe(54);
  });
});

describe('bounds: attempts per batch and the run-wide budget', () => {
  it('a batch that keeps failing while others succeed is failed, with a useful error', async () => {
    const r = await runWith({ errorRate: 0.5 }, goodLeads(200), { batchSize: 2, concurrency: 4, retry: { maxAttempts: 2 } });
    expect(r.summary.exitCode).toBe(1);
    const failed = r.rows.filter((x) => x.status === 'failed');
    expect(failed.length).toBeGreaterThan(0);
    for (const f of failed) expect(f.error).toBe('503 Service Unavailable: Service unavailable (gave up after 2 attempts)');
    expect(r.summary.errors['503 Service Unavailable: Service unavailable (gave up after 2 attempts)']).toBe(failed.length);
    expect(r.sim.stats().leadsProcessed).toBe(200 - failed.length);
  });

  it('the run-wide retry budget caps retries; once spent, failing rows say so', async () => {
    const r = await runWith({ errorRate: 0.5 }, goodLeads(200), { batchSize: 10, concurrency: 2, retry: { budget: 3 } });
    expect(r.summary.requests.retries).toBeLessThanOrEqual(3);
    expect(r.summary.exitCode).toBe(1);
    const failed = r.rows.filter((x) => x.status === 'failed');
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.some((f) => f.error.endsWith(": the run's retry budget (--retry-budget) is spent"))).toBe(true);
    expect(r.sim.stats().leadsProcessed).toBe(200 - failed.length);
  });
});
