/**
 * The streaming job: read → prepare → group → send (bounded window) → reorder → write, with journal
 * checkpoints. Memory is bounded: the reader waits when the window or the reorder buffer is full, and
 * the writer's back-pressure reaches the reader.
 */
import { setMaxListeners } from 'node:events';
import { setImmediate as nextLoopTurn } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { CsvRecord } from '../csv/index.js';
import { AppError, isAppError } from '../errors.js';
import type { RunCounters } from './counters.js';
import type { Journal, ResumeState } from './journal.js';
import { OrderedRows } from './ordered-rows.js';
import type { Job, JobItem, ResultColumns, RowOutcome, SendContext } from './types.js';

/** The sink the job writes to (the CSV writer, or nothing for a dry run). */
export interface RowSink {
  writeRows(rows: readonly (readonly string[])[]): Promise<void>;
  bytesWritten(): number;
  sync(): Promise<void>;
}

/** How many groups may be in flight; `auto` concurrency changes it as the run goes. */
export interface ConcurrencyLimit {
  current(): number;
  /** The most it can ever be (`auto`'s ceiling); the reorder buffer is sized for it. Defaults to current(). */
  ceiling?(): number;
  /** Told each attempt's status and latency, when the limit learns from them (`auto`). */
  observe?(status: string, latencyMs: number): void;
}

/** What the progress reporter is told. */
export interface ProgressTick {
  rowsRead: number;
  rowsWritten: number;
  inFlight: number;
}

export interface RunJobOptions<P> {
  records: AsyncIterable<CsvRecord>;
  sink: RowSink;
  columns: ResultColumns;
  job: Job<P>;
  limit: ConcurrencyLimit;
  counters: RunCounters;
  logger: Logger;
  /** Aborted on SIGINT/SIGTERM: stop reading, let in-flight groups finish for `graceMs`. */
  signal: AbortSignal;
  graceMs: number;
  journal?: Journal;
  resume?: ResumeState;
  /** Rows the reorder buffer may hold before the reader waits (defaults from group size × concurrency). */
  bufferRows?: number;
  checkpointEveryMs?: number;
  onProgress?: (tick: ProgressTick) => void;
  now?: () => number;
}

/** Why a run stopped early, or undefined when every row was written. */
export type JobStop = AppError | undefined;

/**
 * A row on its way to the API, with what its output row is built from when the answer comes: its
 * fields, and its warning (counted when the row is written). Carried in the item, not in maps keyed by
 * row: two map writes, a read and a delete per row were a tenth of the loop's time.
 */
type HeldItem<P> = JobItem<P> & { fields: readonly string[]; warning: string | undefined };

const READ_AHEAD_ROWS = 1_000;

/** Runs a job over a file; returns the error that stopped it early (the caller keeps the output resumable). */
export async function runJob<P>(opts: RunJobOptions<P>): Promise<JobStop> {
  const { job, counters, logger, signal, columns } = opts;
  const now = opts.now ?? Date.now;
  const startIndex = opts.resume?.checkpoint.next ?? 0;
  const answers = opts.resume?.answers;
  const ordered = new OrderedRows(startIndex);
  const inflight = new Set<Promise<void>>();
  const soft = new AbortController(); // the run is stopping: no new request or retry starts
  const hard = new AbortController(); // aborts in-flight requests: auth failure, or grace period over
  // Every request and retry wait in flight listens to these: as many as the concurrency allows, not a leak.
  setMaxListeners(0, soft.signal, hard.signal);
  let stop: AppError | undefined;
  let group: HeldItem<P>[] = [];
  let rowsRead = startIndex;
  let writtenNext = startIndex; // every row before it is in the sink (what a checkpoint may claim)
  let lastCheckpoint = now();
  let checkpointing: Promise<void> | undefined; // the checkpoint running in the background, if any
  const checkpointEveryMs = opts.checkpointEveryMs ?? 1_000;

  const ctx: SendContext = { signal: hard.signal, stopping: soft.signal, counters, logger };
  if (opts.journal) ctx.record = (answers) => opts.journal!.recordAnswers(answers);
  if (opts.limit.observe) ctx.observe = (status, latencyMs) => opts.limit.observe!(status, latencyMs);
  const stopWith = (err: AppError, abortInFlight: boolean) => {
    stop ??= err;
    soft.abort(stop);
    if (abortInFlight) hard.abort(stop);
  };
  const onStopSignal = () => {
    stopWith(new AppError('E_INTERRUPTED', 'interrupted', { signal: String(signal.reason ?? 'signal') }), false);
    setTimeout(() => hard.abort(new Error('grace period over')), opts.graceMs).unref();
  };
  if (signal.aborted) onStopSignal();
  else signal.addEventListener('abort', onStopSignal, { once: true });

  const finishRow = (index: number, fields: readonly string[], outcome: RowOutcome, warning: string | undefined) => {
    ordered.finish(index, { fields: buildOutputRow(fields, columns, index, outcome), status: outcome.status, error: outcome.error, warning });
    // Rows are named by number and the user's id column, never by their contents (errors may quote values).
    if (outcome.error && logger.isLevelEnabled('debug')) {
      logger.debug({ row: index + 1, id: columns.rowId === undefined ? undefined : fields[columns.rowId], status: outcome.status }, 'row not done');
    }
  };

  /**
   * Full groups wait here for a slot, cut ahead of time: when an answer frees a slot, the next group goes
   * out from the answer's own callback, before that answer's rows are built and before the reader runs
   * again. Answers come back in waves (requests sent together come back together); sending from the
   * reader loop made each request of a wave wait for the rows read for the one before it.
   */
  const waiting: HeldItem<P>[][] = [];
  let sending = 0; // groups whose requests are out: the concurrency slots in use
  const slots = () => Math.max(1, opts.limit.current());
  // Groups cut ahead: one per slot for small groups (a wave of answers finds one ready for each slot),
  // but no more than ~READ_AHEAD_ROWS rows: at 1000 rows a group, one ahead keeps the slots busy and
  // more would only hold rows in memory.
  const readAhead = () => Math.max(1, Math.min(slots(), Math.ceil(READ_AHEAD_ROWS / job.groupSize())));

  /** Sends waiting groups into free slots, each cut to the job's current size (it may have shrunk after a 413). */
  const pump = () => {
    while (waiting.length > 0 && sending < slots() && !stop) {
      const size = job.groupSize();
      let items = waiting[0]!;
      if (items.length > size) {
        waiting[0] = items.slice(size);
        items = items.slice(0, size);
      } else {
        waiting.shift();
      }
      send(items);
    }
  };

  /** Queues the gathered rows as a group (all of them, or only a full group unless `flush`) and sends what slots allow. */
  const enqueue = (flush: boolean) => {
    if (group.length > 0 && (flush || group.length >= job.groupSize())) {
      waiting.push(group);
      group = [];
    }
    pump();
  };

  const send = (items: HeldItem<P>[]) => {
    sending += 1;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      sending -= 1;
      pump();
    };
    const p = job
      .sendGroup(items, ctx)
      .then((outcomes) => {
        release();
        opts.journal?.recordAnswers(outcomes);
        for (const { index, fields, warning } of items) {
          const outcome = outcomes.get(index);
          if (!outcome) throw new Error(`job returned no outcome for row ${index}`);
          finishRow(index, fields, outcome, warning);
        }
      })
      .catch((err: unknown) => {
        release();
        if (stop) return; // abandoned on purpose: the run is stopping and these rows stay unanswered, for --resume
        // The key is refused: abort what is in flight at once. The breaker or a bug: let answers on their way arrive.
        stopWith(toAppError(err), isAppError(err, 'E_AUTH'));
      })
      .finally(() => inflight.delete(p));
    inflight.add(p);
  };

  /**
   * Waits until a group has finished, then lets the event loop write the requests just sent and read
   * answers already waiting before the reader and writer take the thread again. undici writes a request
   * on a reused connection from a setImmediate queued when it is dispatched, a few promise hops after the
   * group finished; resuming straight from the promise (or after one turn) kept those writes waiting
   * behind rows being parsed and formatted.
   */
  const awaitGroup = async () => {
    await Promise.race(inflight);
    await nextLoopTurn(); // queued before undici's write...
    await nextLoopTurn(); // ...and this one after it
  };

  const write = async () => {
    // Taken together, synchronously: groups finishing while the sink is busy move `nextIndex` on, and a
    // checkpoint claiming rows that were not written would lose them on --resume.
    const next = ordered.nextIndex();
    const rows = ordered.take();
    if (rows.length > 0) {
      const out: string[][] = new Array(rows.length);
      for (let i = 0; i < rows.length; i++) {
        const r = rows[i]!;
        counters.countRow(r.status, r.error);
        if (r.warning) counters.countWarning(r.warning);
        out[i] = r.fields;
      }
      await opts.sink.writeRows(out);
    }
    writtenNext = next;
    if (opts.journal && checkpointing === undefined && now() - lastCheckpoint >= checkpointEveryMs) {
      // In the background: its two fsyncs take milliseconds on a busy disk, and awaiting them here kept
      // the loop from sending into slots that freed up meanwhile.
      checkpointing = checkpoint()
        .catch((err: unknown) => stopWith(toAppError(err), false))
        .finally(() => (checkpointing = undefined));
    }
  };

  /** Claims the rows written so far; what it claims (row, bytes, counts) is read together, before any wait. */
  const checkpoint = async () => {
    lastCheckpoint = now();
    const claim = { next: writtenNext, bytes: opts.sink.bytesWritten(), counters: counters.snapshot() };
    await opts.sink.sync(); // makes every byte counted in `claim.bytes` durable, whatever is written meanwhile
    await opts.journal?.checkpoint(claim);
  };

  const bufferRows = opts.bufferRows ?? Math.max(10_000, job.groupSize() * ((opts.limit.ceiling?.() ?? opts.limit.current()) + 2) * 2);
  let index = -1;
  try {
    for await (const record of opts.records) {
      index += 1;
      if (index < startIndex) continue; // already in the partial output
      if (stop) break;
      rowsRead = index + 1;
      const prepared = job.prepare(record.fields, index);
      switch (prepared.kind) {
        case 'skip':
          ordered.finish(index, null);
          break;
        case 'keep':
          ordered.finish(index, { fields: buildOutputRow(record.fields, columns, index), status: statusOf(record.fields, columns), error: '', warning: undefined });
          break;
        case 'done':
          finishRow(index, record.fields, prepared.outcome, prepared.warning);
          break;
        case 'send': {
          const known = answers?.get(index);
          if (known) {
            answers!.delete(index);
            finishRow(index, record.fields, known, prepared.warning);
            break;
          }
          group.push({ index, payload: prepared.payload, fields: record.fields, warning: prepared.warning });
          if (group.length >= job.groupSize()) {
            enqueue(false);
            while (waiting.length > readAhead() && !stop) await awaitGroup(); // enough cut ahead: wait for answers
          }
          break;
        }
      }
      if (ordered.readyCount() >= 256) await write();
      while (ordered.buffered() >= bufferRows && !stop) {
        enqueue(true); // the partial group may be what the oldest rows wait for
        if (inflight.size === 0) break;
        await awaitGroup();
        await write();
      }
      if (opts.onProgress && (index & 1023) === 0) opts.onProgress({ rowsRead, rowsWritten: ordered.nextIndex(), inFlight: inflight.size });
    }
    if (!stop) enqueue(true);
    while (inflight.size > 0) {
      await awaitGroup();
      await write();
    }
    await write();
  } catch (err) {
    // The reader or the writer failed (malformed CSV, disk full): stop sending, let the answers on their
    // way arrive (journaled, they are not sent again on --resume), keep what is written.
    stop = undefined;
    stopWith(toAppError(err), false);
    await Promise.allSettled(inflight);
    await write().catch(() => undefined);
  } finally {
    signal.removeEventListener('abort', onStopSignal);
  }
  opts.onProgress?.({ rowsRead, rowsWritten: ordered.nextIndex(), inFlight: 0 });
  await checkpointing;
  if (opts.journal) await checkpoint().catch((err) => logger.error({ err: (err as Error).message }, 'could not write the last checkpoint'));
  if (stop) logger.debug({ code: stop.code, nextRow: writtenNext }, 'job stopped early');
  return stop;
}

/** Builds an output row: the input's fields under the header, the result columns set (and a shard's row position), extra fields kept at the end. */
export function buildOutputRow(fields: readonly string[], columns: ResultColumns, index: number, outcome?: RowOutcome): string[] {
  const row = new Array<string>(columns.width);
  for (let i = 0; i < columns.width; i++) row[i] = i < columns.inputWidth ? (fields[i] ?? '') : '';
  // A misaligned row's extra fields are never dropped: they follow the result columns.
  for (let i = columns.inputWidth; i < fields.length; i++) row.push(fields[i]!);
  if (outcome) {
    row[columns.value] = outcome.value;
    row[columns.error] = outcome.error;
    row[columns.status] = outcome.status;
  }
  if (columns.position !== undefined) row[columns.position] = String(index);
  return row;
}

function toAppError(err: unknown): AppError {
  return isAppError(err) ? err : new AppError('E_INTERNAL', `unexpected failure: ${(err as Error)?.message ?? err}`, {}, { cause: err });
}

/** A row's current `status` (rerun: what an earlier run wrote), trimmed; empty when the input has no status column. */
export function statusOf(fields: readonly string[], columns: ResultColumns): string {
  return columns.status < columns.inputWidth ? (fields[columns.status] ?? '').trim() : '';
}
