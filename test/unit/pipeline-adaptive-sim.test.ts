/**
 * `--concurrency auto` in-process against the simulator's request-rate limit (a token bucket answering
 * 429 with Retry-After: 1): the AIMD limit probes above the window the limit allows (rate × latency),
 * backs off, and settles near it with few 429s. Counts and ratios only, no timings.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiClient } from '../../src/api/client.js';
import { concurrencyLimitFor } from '../../src/cli/limits.js';
import { runAssign } from '../../src/pipeline/assign.js';
import type { ConcurrencyLimit } from '../../src/pipeline/run-job.js';
import type { RunSummary } from '../../src/report/summary.js';
import { startSimulator, type RunningSimulator } from '../../src/simulator/index.js';
import { goodLeads, testConfig } from '../e2e/reliability-support.js';

// 50 requests/s at 80 ms: four requests in flight fill the limit.
const RATE = 50;
const LATENCY_MS = 80;
const ROWS = 1_500;
const BATCH = 5;

let sim: RunningSimulator;
let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'oiq-adaptive-'));
  writeFileSync(join(dir, 'leads.csv'), goodLeads(ROWS));
  sim = await startSimulator({ seed: 3, inventorySize: 2_000, faults: { rateLimitRps: RATE, latencyMs: LATENCY_MS, retryAfterSeconds: 1 } });
});
afterAll(async () => {
  await sim.close();
});

/** Runs assign, recording the limit after every attempt it learns from. */
async function run(concurrency: number | 'auto'): Promise<{ summary: RunSummary; trajectory: number[] }> {
  const config = testConfig(sim.url, join(dir, 'leads.csv'), join(dir, `enriched-${concurrency}.csv`), { batchSize: BATCH, concurrency, maxConcurrency: 32, retry: { maxAttempts: 20 } });
  const { limit, connections } = concurrencyLimitFor(config);
  const trajectory: number[] = [];
  const recording: ConcurrencyLimit = {
    current: () => limit.current(),
    observe: (status, latencyMs) => {
      limit.observe?.(status, latencyMs);
      trajectory.push(limit.current());
    },
  };
  const client = createApiClient({ baseUrl: sim.url, apiKey: config.api.apiKey, timeoutMs: 5_000, connections, userAgent: 'oiq-batch/test' });
  try {
    const summary = await runAssign(config, { client, logger: pino({ level: 'silent' }), signal: new AbortController().signal, limit: recording });
    return { summary, trajectory };
  } finally {
    await client.close();
  }
}

const share429 = (s: RunSummary) => (s.requests.byStatus['429'] ?? 0) / s.requests.sent;

describe('--concurrency auto against a request-rate limit', () => {
  it('probes, backs off and settles near the window the limit allows, with few 429s', async () => {
    const auto = await run('auto');
    expect(auto.summary.rows.assigned).toBe(ROWS);
    // Mostly the first overshoot: the bucket's one-second burst hides it until the limit is well above 4.
    expect(share429(auto.summary)).toBeLessThan(0.1);
    const peak = Math.max(...auto.trajectory);
    expect(peak).toBeGreaterThan(4);
    expect(peak).toBeLessThan(32);
    expect(Math.min(...auto.trajectory.slice(auto.trajectory.indexOf(peak)))).toBeLessThan(peak);
    // The ideal window is RATE × LATENCY = 4 (more when the loaded event loop stretches latency).
    const settled = auto.trajectory.slice(auto.trajectory.length / 2);
    const mean = settled.reduce((a, b) => a + b, 0) / settled.length;
    expect(mean).toBeGreaterThanOrEqual(2);
    expect(mean).toBeLessThanOrEqual(12);
  }, 120_000);

  it('keeps more than ten requests and retry waits in flight without a listener-leak warning', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on('warning', onWarning);
    try {
      const fixed = await run(16);
      expect(fixed.summary.rows.assigned).toBe(ROWS);
      expect(fixed.summary.requests.byStatus['429']).toBeGreaterThan(0); // retry waits were in flight too
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings).not.toContain('MaxListenersExceededWarning');
  }, 120_000);
});
