/** The contract between the generic streaming job (run-job.ts) and what a row means (assign, nrm apply). */
import type { Logger } from 'pino';
import type { RunCounters } from './counters.js';

/** What became of one row: its status and the two result columns (`outboundani`/`result`, `error`). */
export interface RowOutcome {
  status: string;
  value: string;
  error: string;
}

/** What to do with one input row. */
export type Prepared<P> =
  | { kind: 'keep' } // written back unchanged (rerun: a row whose status is not selected)
  | { kind: 'skip' } // not part of this run's output at all (another shard's row)
  | { kind: 'done'; outcome: RowOutcome; warning?: string } // decided without the API (invalid)
  | { kind: 'send'; payload: P; warning?: string };

/** One row on its way to the API. `index` is the row's 0-based position among the input's data rows. */
export interface JobItem<P> {
  index: number;
  payload: P;
}

/** Everything a group sender may use; `signal` aborts in-flight requests (grace period over). */
export interface SendContext {
  signal: AbortSignal;
  /** Aborted as soon as the run stops (signal, auth, breaker): start no new attempt, let answers on their way arrive (default: `signal`). */
  stopping?: AbortSignal;
  /** Journals answers a group has received before it is done (it may take more requests, which a stop abandons). */
  record?: (answers: ReadonlyMap<number, RowOutcome>) => void;
  /** Told each attempt's status (as counted) and latency: `--concurrency auto` learns from them. */
  observe?: (status: string, latencyMs: number) => void;
  counters: RunCounters;
  logger: Logger;
}

/** A kind of job: how rows are prepared, grouped and sent. */
export interface Job<P> {
  /** Decides, purely, what to do with a row (fields as parsed; `line` for messages). */
  prepare(fields: readonly string[], index: number): Prepared<P>;
  /** Rows per request right now (may shrink after a 413). */
  groupSize(): number;
  /**
   * Sends a group and returns an outcome for every item (failed rows included). Throws only to stop
   * the whole run: AppError E_AUTH or E_UNAVAILABLE.
   */
  sendGroup(items: readonly JobItem<P>[], ctx: SendContext): Promise<Map<number, RowOutcome>>;
  /** Told that every row before `before` is written: what the job keeps for those rows may go. */
  release?(before: number): void;
}

/** Where the three result columns go in an output row. */
export interface ResultColumns {
  value: number;
  error: number;
  status: number;
  /** The input header's width (rows are padded to it; a longer row keeps its extras after the result columns). */
  inputWidth: number;
  /** The output header's width. */
  width: number;
  /** The user's row id column (`--id-column`), which names rows in logs. */
  rowId?: number;
  /** Shard runs (`--shard`): the column holding the row's 0-based input position, so `merge` can restore the order. */
  position?: number;
}
