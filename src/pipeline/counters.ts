/** Run-wide counters: rows by status, error/warning messages, requests. Serialisable for resume checkpoints. */
import { LatencyHistogram } from '../report/latency.js';

/** Error and warning texts are capped so a file of unique messages cannot grow the summary without bound. */
const MAX_DISTINCT_MESSAGES = 200;
const OTHER = '(other messages)';

/** The counters a checkpoint saves and a resumed run starts from. */
export interface CounterSnapshot {
  rows: Record<string, number>;
  errors: Record<string, number>;
  warnings: Record<string, number>;
  requests: { sent: number; retries: number; ambiguousRetries: number; byStatus: Record<string, number> };
}

/** Mutable counters for one run (one instance, passed down). */
export class RunCounters {
  readonly rows: Record<string, number> = { total: 0 };
  readonly errors: Record<string, number> = {};
  readonly warnings: Record<string, number> = {};
  readonly requests = { sent: 0, retries: 0, ambiguousRetries: 0, byStatus: {} as Record<string, number> };
  readonly latency = new LatencyHistogram();

  constructor(statuses: readonly string[], from?: CounterSnapshot) {
    for (const s of statuses) this.rows[s] = 0;
    if (from) {
      Object.assign(this.rows, from.rows);
      Object.assign(this.errors, from.errors);
      Object.assign(this.warnings, from.warnings);
      Object.assign(this.requests, { ...from.requests, byStatus: { ...from.requests.byStatus } });
    }
  }

  /** Counts one output row with its status and error. */
  countRow(status: string, error: string): void {
    this.rows.total! += 1;
    this.rows[status] = (this.rows[status] ?? 0) + 1;
    if (error) bump(this.errors, error);
  }

  /** Counts a warning about a row that was still sent (e.g. a zip dropped). */
  countWarning(message: string): void {
    bump(this.warnings, message);
  }

  /** Counts one HTTP attempt by status (or failure code) and its latency. */
  countRequest(status: string, latencyMs?: number): void {
    this.requests.sent += 1;
    this.requests.byStatus[status] = (this.requests.byStatus[status] ?? 0) + 1;
    if (latencyMs !== undefined) this.latency.record(latencyMs);
  }

  /** A plain copy for a checkpoint. */
  snapshot(): CounterSnapshot {
    return structuredClone({ rows: this.rows, errors: this.errors, warnings: this.warnings, requests: this.requests });
  }
}

function bump(map: Record<string, number>, message: string): void {
  if (map[message] === undefined && Object.keys(map).length >= MAX_DISTINCT_MESSAGES) message = OTHER;
  map[message] = (map[message] ?? 0) + 1;
}
