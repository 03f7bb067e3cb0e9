/** A complete RunSummary for tests (ops, metrics, termination message), with any field overridden. */
import type { RunSummary } from '../../src/report/summary.js';

/** A finished assign run's summary. */
export function makeSummary(over: Partial<RunSummary> = {}): RunSummary {
  return {
    command: 'assign',
    input: 'leads.csv',
    output: 'leads.enriched.csv',
    rows: { total: 10, assigned: 8, rejected: 1, invalid: 1, failed: 0 },
    errors: { 'No available ANI found': 1, 'phone is empty': 1 },
    warnings: {},
    requests: { sent: 2, retries: 1, ambiguousRetries: 0, byStatus: { '200': 1, '503': 1 } },
    latencyMs: { p50: 40, p95: 80, p99: 90 },
    durationMs: 1000,
    rowsPerSecond: 10,
    exitCode: 0,
    startedAt: '2026-11-24T10:00:00.000Z',
    finishedAt: '2026-11-24T10:00:01.000Z',
    ...over,
  };
}

/** The fingerprint of one input file, as a shard summary records it. */
export const INPUT_A = { size: 1234, head: 'a'.repeat(64), tail: 'b'.repeat(64) };
