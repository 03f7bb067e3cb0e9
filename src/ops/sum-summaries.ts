/** Adds run summaries together: the merged file of a sharded run, or every file of a watch cycle. */
import type { RunSummary } from '../report/summary.js';

/** What the caller knows about the whole that the parts cannot say. */
export interface SumMeta {
  command: string;
  input: string;
  output: string;
  startedAt: string;
  finishedAt: string;
  exitCode: number;
}

/** Distinct error/warning texts kept, as a run's own counters do; the rest are counted together. */
const MAX_DISTINCT_MESSAGES = 200;
const OTHER = '(other messages)';

/**
 * Sums counts (rows by status, errors, warnings, requests). Latency percentiles cannot be added: the
 * result holds the worst (highest) of each, an upper bound. Duration is the span from `startedAt` to
 * `finishedAt` (wall clock, not the sum of the parts, which may have run in parallel).
 */
export function sumSummaries(parts: readonly RunSummary[], meta: SumMeta): RunSummary {
  const rows: RunSummary['rows'] = { total: 0 };
  const errors: Record<string, number> = {};
  const warnings: Record<string, number> = {};
  const requests: RunSummary['requests'] = { sent: 0, retries: 0, ambiguousRetries: 0, byStatus: {} };
  const latencyMs = { p50: 0, p95: 0, p99: 0 };
  for (const p of parts) {
    addCounts(rows, p.rows);
    addMessages(errors, p.errors);
    addMessages(warnings, p.warnings);
    requests.sent += p.requests.sent;
    requests.retries += p.requests.retries;
    requests.ambiguousRetries += p.requests.ambiguousRetries ?? 0;
    addCounts(requests.byStatus, p.requests.byStatus);
    latencyMs.p50 = Math.max(latencyMs.p50, p.latencyMs.p50);
    latencyMs.p95 = Math.max(latencyMs.p95, p.latencyMs.p95);
    latencyMs.p99 = Math.max(latencyMs.p99, p.latencyMs.p99);
  }
  const durationMs = Math.max(0, Date.parse(meta.finishedAt) - Date.parse(meta.startedAt)) || 0;
  return {
    command: meta.command,
    input: meta.input,
    output: meta.output,
    rows,
    errors,
    warnings,
    requests,
    latencyMs,
    durationMs,
    rowsPerSecond: durationMs > 0 ? Math.round((rows.total * 1000) / durationMs) : 0,
    exitCode: meta.exitCode,
    startedAt: meta.startedAt,
    finishedAt: meta.finishedAt,
  };
}

function addCounts(into: Record<string, number>, from: Readonly<Record<string, number>>): void {
  for (const [k, n] of Object.entries(from)) into[k] = (into[k] ?? 0) + n;
}

function addMessages(into: Record<string, number>, from: Readonly<Record<string, number>>): void {
  for (const [message, n] of Object.entries(from)) {
    const key = into[message] === undefined && Object.keys(into).length >= MAX_DISTINCT_MESSAGES ? OTHER : message;
    into[key] = (into[key] ?? 0) + n;
  }
}
