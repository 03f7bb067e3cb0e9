/** The run summary: written as JSON (`--report`), printed for humans, exported as metrics. */
export interface RunSummary {
  command: string;
  input: string;
  output: string;
  /** Row counts by status; `total` is every input data row. assign: assigned|rejected|invalid|failed; nrm apply: done|rejected|invalid|failed. */
  rows: { total: number } & Record<string, number>;
  /** Row error message → count (invalid, rejected and failed rows). */
  errors: Record<string, number>;
  /** Row warning message → count (e.g. zips dropped from the request). */
  warnings: Record<string, number>;
  requests: {
    sent: number;
    retries: number;
    ambiguousRetries: number;
    /** HTTP status (or failure code such as E_API_TIMEOUT) → count, over every attempt. */
    byStatus: Record<string, number>;
  };
  latencyMs: { p50: number; p95: number; p99: number };
  durationMs: number;
  rowsPerSecond: number;
  exitCode: number;
  startedAt: string;
  finishedAt: string;
  /** Set when the run stopped early (interrupted, API unavailable): what to do next. */
  stoppedBecause?: string;
  resumed?: boolean;
  dryRun?: boolean;
  /** A `--shard K/N` run: which shard, and the input's fingerprint (size, hashes of its first and last MiB), for `merge`. */
  shard?: { index: number; count: number; input: { size: number; head: string; tail: string } };
}
