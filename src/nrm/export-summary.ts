/** What `nrm export` reports: totals by status and by state, pages, requests; as JSON and as a few human lines. */
import type { AniRecord } from '../api/schemas.js';

/** The export's summary (the `--report` JSON). */
export interface NrmExportSummary {
  command: 'nrm export';
  output: string;
  format: 'csv' | 'jsonl';
  /** The prefix filter sent (digits only), or null. */
  number: string | null;
  anis: {
    /** ANIs written. */
    total: number;
    /** `total_anis` of the first page: what the API announced. */
    expected: number;
    byStatus: Record<string, number>;
    byState: Record<string, number>;
  };
  pages: { total: number; fetched: number; pageSize: number };
  requests: { sent: number; retries: number; ambiguousRetries: number; byStatus: Record<string, number> };
  latencyMs: { p50: number; p95: number; p99: number };
  warnings: string[];
  durationMs: number;
  exitCode: number;
  startedAt: string;
  finishedAt: string;
  /** Set when the export stopped early: why (nothing was kept: run it again). */
  stoppedBecause?: string;
}

// Statuses and states are a handful; a misbehaving API must still not grow the summary without bound.
const MAX_DISTINCT_KEYS = 500;
const OTHER = '(other)';

/** Counts ANIs by status and by state (an empty state counts as "(none)"). */
export class ExportTally {
  total = 0;
  readonly byStatus: Record<string, number> = {};
  readonly byState: Record<string, number> = {};

  /** Counts one page's ANIs. */
  add(anis: readonly AniRecord[]): void {
    for (const ani of anis) {
      this.total += 1;
      bump(this.byStatus, ani.status || '(none)');
      bump(this.byState, ani.state || '(none)');
    }
  }
}

function bump(counts: Record<string, number>, key: string): void {
  const name = counts[key] === undefined && Object.keys(counts).length >= MAX_DISTINCT_KEYS ? OTHER : key;
  counts[name] = (counts[name] ?? 0) + 1;
}

/** The summary as a few lines for stderr (the largest states first, at most `maxStates`). */
export function formatExportSummary(s: NrmExportSummary, maxStates = 12): string {
  const sorted = (counts: Record<string, number>) => Object.entries(counts).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const list = (entries: Array<[string, number]>) => entries.map(([key, n]) => `${key} ${n}`).join(', ');
  const filter = s.number === null ? '' : ` starting ${s.number}`;
  const lines = [`nrm export: ${s.anis.total} of ${s.anis.expected} ANIs${filter} in ${s.pages.fetched} of ${s.pages.total} pages (${s.format})${s.output ? ` → ${s.output}` : ''}`];
  if (s.anis.total > 0) {
    lines.push(`by status: ${list(sorted(s.anis.byStatus))}`);
    const states = sorted(s.anis.byState);
    lines.push(`by state: ${list(states.slice(0, maxStates))}${states.length > maxStates ? `, … ${states.length - maxStates} more in the summary JSON` : ''}`);
  }
  lines.push(
    `${s.requests.sent} requests (${s.requests.retries} retries), latency p50 ${s.latencyMs.p50} ms, p95 ${s.latencyMs.p95} ms; ${(s.durationMs / 1000).toFixed(1)} s`,
  );
  for (const warning of s.warnings) lines.push(`warning: ${warning}`);
  if (s.stoppedBecause) lines.push(`stopped: ${s.stoppedBecause}`);
  lines.push(`exit ${s.exitCode}`);
  return lines.join('\n');
}
