/**
 * Property: random lead files × random fault schedules × random stop points (SIGTERM with a grace
 * period, a hard stop with none, the API going down until the breaker opens) → after as many
 * `--resume`s as it takes, and a `rerun` of the failed rows once the API is healthy, every input row
 * appears once, in order, values unchanged, with the status the API's answers call for; each run's
 * summary agrees with its file; and leads are processed twice only through ambiguous retries or
 * requests abandoned in flight. In-process (runAssign, real client, real simulator), modest numRuns.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tempPathFor } from '../../src/csv/writer.js';
import { journalPathFor } from '../../src/pipeline/journal.js';
import type { RunSummary } from '../../src/report/summary.js';
import { startSimulator, type RunningSimulator, type SimulatorFaults } from '../../src/simulator/index.js';
import { checkEnriched, countDuplicates, expectSummaryMatches, makeLeadsCsv, readText, runInProcess, writeText, type LeadKind, type RunOverrides } from '../e2e/reliability-support.js';

type Kind = LeadKind | 'warn';
type StopHow = 'term' | 'hard' | 'down';
const ZIP_WARNING = 'zip "N/A" is not a US zip; sent without it';

/** The lead file: `warn` rows are good leads whose zip is dropped with a warning. */
function leadsCsv(kinds: readonly Kind[]): string {
  const lines = makeLeadsCsv(kinds.map((k) => (k === 'warn' ? 'good' : k))).split('\n');
  kinds.forEach((k, i) => {
    if (k === 'warn') lines[i + 1] = lines[i + 1]!.replace(/^(\d+,Lead \d+,\d+),[^,]*,/, '$1,N/A,');
  });
  return lines.join('\n');
}

/** Arms a stop once the simulator has received `leads` more leads; returns a disarm function. */
function armStop(sim: RunningSimulator, leads: number, act: () => void): () => void {
  const target = sim.stats().leadsReceived + leads;
  const timer = setInterval(() => {
    if (sim.stats().leadsReceived >= target) {
      clearInterval(timer);
      act();
    }
  }, 1);
  return () => clearInterval(timer);
}

const scenario = fc.record({
  kinds: fc.array(fc.constantFrom<Kind>('good', 'good', 'good', 'warn', 'invalid', 'api-invalid'), { minLength: 1, maxLength: 300, size: 'max' }),
  batchSize: fc.integer({ min: 1, max: 40 }),
  concurrency: fc.integer({ min: 1, max: 6 }),
  maxAttempts: fc.integer({ min: 1, max: 4 }),
  retryAmbiguous: fc.boolean(),
  seed: fc.integer({ min: 1, max: 10_000 }),
  faults: fc.record({
    errorRate: fc.constantFrom(0, 0.1, 0.3),
    missingRowRate: fc.constantFrom(0, 0.1, 0.3),
    error500Rate: fc.constantFrom(0, 0, 0.1),
    resetAfterRate: fc.constantFrom(0, 0, 0.1),
    malformedRate: fc.constantFrom(0, 0, 0.1),
    maxBatchSize: fc.option(fc.integer({ min: 1, max: 40 }), { nil: undefined }),
    rejectBatchOnInvalidRow: fc.boolean(),
  }),
  /** Each stop fires once this share (%) of the sendable leads has reached the simulator in that run. */
  stops: fc.array(fc.record({ atPercent: fc.integer({ min: 0, max: 90 }), how: fc.constantFrom<StopHow>('term', 'hard', 'down') }), { maxLength: 3 }),
});

describe('property: stop anywhere, resume, rerun → the file an uninterrupted run writes', () => {
  it('holds for random files, faults and stop points', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (c) => {
        const faults: SimulatorFaults = { ...c.faults, latencyMs: 3 };
        const sim = await startSimulator({ seed: c.seed, faults });
        try {
          const dir = mkdtempSync(join(tmpdir(), 'oiq-prop-'));
          const csv = leadsCsv(c.kinds);
          const sendable = c.kinds.filter((k) => k !== 'invalid').length;
          const input = writeText(join(dir, 'leads.csv'), csv);
          const output = join(dir, 'leads.enriched.csv');
          const base: RunOverrides = { batchSize: c.batchSize, concurrency: c.concurrency, retry: { maxAttempts: c.maxAttempts, retryAmbiguous: c.retryAmbiguous, unavailableAfterMs: 150 } };

          // assign, then --resume after every stop until the run completes (exit 0 or 1)
          let summary: RunSummary | undefined;
          let stopsFired = 0;
          let hardStops = 0;
          for (let run = 0; run < c.stops.length + 4; run++) {
            const stop = c.stops[run];
            const controller = new AbortController();
            let fired = false;
            const disarm = stop
              ? armStop(sim, Math.floor((sendable * stop.atPercent) / 100), () => {
                  fired = true;
                  if (stop.how === 'down') sim.setFaults({ ...faults, down: true });
                  else controller.abort(stop.how === 'term' ? 'SIGTERM' : 'SIGINT');
                })
              : () => undefined;
            const graceMs = stop?.how === 'hard' ? 0 : 10_000;
            summary = await runInProcess(sim.url, input, output, { ...base, graceMs, resume: run > 0 }, controller.signal);
            disarm();
            sim.setFaults(faults);
            if (fired) stopsFired++;
            if (fired && stop?.how === 'hard') hardStops++;
            expect([0, 1, 4, 130, 143]).toContain(summary.exitCode);
            if (summary.exitCode <= 1) break;
          }
          expect(summary!.exitCode).toBeLessThanOrEqual(1);
          let rows = checkEnriched(csv, readText(output));
          expectSummaryMatches(summary!, rows);
          const warned = c.kinds.filter((k) => k === 'warn').length;
          expect(summary!.warnings[ZIP_WARNING] ?? 0).toBe(warned);
          expect(summary!.exitCode).toBe(rows.some((r) => r.status === 'failed') ? 1 : 0);
          c.kinds.forEach((k, i) => {
            const r = rows[i]!;
            if (k === 'invalid') expect(r.status).toBe('invalid');
            else if (k === 'api-invalid') expect(['rejected', 'failed']).toContain(r.status);
            else expect(['assigned', 'failed']).toContain(r.status);
          });

          // Leads are processed twice only through ambiguous retries or requests abandoned in flight.
          const dup = countDuplicates(sim.stats().processedByPhone);
          const ambiguousFaults = c.faults.error500Rate + c.faults.resetAfterRate + c.faults.malformedRate > 0;
          if (!ambiguousFaults && hardStops === 0) expect(dup).toBe(0);
          expect(dup).toBeLessThanOrEqual((summary!.requests.ambiguousRetries + stopsFired * c.concurrency) * c.batchSize);

          // rerun the failed rows in place once the API is healthy: exactly those are sent
          if (summary!.exitCode === 1) {
            sim.setFaults({});
            const failed = rows.filter((r) => r.status === 'failed').length;
            const before = sim.stats().leadsReceived;
            const rerun = await runInProcess(sim.url, output, output, { ...base, statuses: ['failed'] });
            expect(rerun.exitCode).toBe(0);
            expect(sim.stats().leadsReceived - before).toBe(failed);
            const after = checkEnriched(csv, readText(output));
            expectSummaryMatches(rerun, after);
            after.forEach((r, i) => {
              if (rows[i]!.status !== 'failed') expect(r).toEqual(rows[i]);
            });
            rows = after;
          }
          c.kinds.forEach((k, i) => {
            expect(rows[i]!.status).toBe(k === 'invalid' ? 'invalid' : k === 'api-invalid' ? 'rejected' : 'assigned');
          });
          expect(existsSync(journalPathFor(output))).toBe(false);
          expect(existsSync(tempPathFor(output))).toBe(false);
        } finally {
          await sim.close();
        }
      }),
      // Seeded; no shrinking (each run restarts a simulator): a failure reports its scenario as found.
      { numRuns: 30, seed: 20261125, endOnFailure: true },
    );
  }, 240_000);
});
