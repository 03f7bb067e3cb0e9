/**
 * The streaming job: read → prepare → group → send (bounded window) → reorder → write, with journal
 * checkpoints. Memory is bounded: the reader waits when the window or the staged rows are full, and
 * the writer's back-pressure reaches the reader.
 */
import { setMaxListeners } from 'node:events';
import { setImmediate as nextLoopTurn } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { CsvRecord } from '../csv/index.js';
import { AppError, isAppError } from '../errors.js';
import type { RunCounters } from './counters.js';
import type { Journal, ResumeState } from './journal.js';
import { StagedRows, type RowDialect } from './staged-rows.js';
import type { Job, JobItem, ResultColumns, SendContext } from './types.js';

/** The sink the job writes to (the CSV writer, or nothing for a dry run). */
export interface RowSink {
  /** Appends encoded rows, line endings included; copies them before it returns; resolves when it can take more. */
  writeBytes(bytes: Buffer): Promise<void>;
  bytesWritten(): number;
  sync(): Promise<void>;
}

/** How many groups may be in flight; `auto` concurrency changes it as the run goes. */
export interface ConcurrencyLimit {
  current(): number;
  /** The most it can ever be (`auto`'s ceiling); the rows staged before the reader waits are sized for it. Defaults to current(). */
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
  /** The input's data records, in batches (CsvSource.batches). */
  records: AsyncIterable<readonly CsvRecord[]>;
  sink: RowSink;
  /** How rows are encoded for the sink. */
  dialect: RowDialect;
  /** Encode nothing (a dry run's sink takes no bytes). */
  discard?: boolean;
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
  /** Rows read and not yet written (in flight included) before the reader waits (defaults from group size × concurrency). */
  bufferRows?: number;
  checkpointEveryMs?: number;
  onProgress?: (tick: ProgressTick) => void;
  now?: () => number;
}

/** Why a run stopped early, or undefined when every row was written. */
export type JobStop = AppError | undefined;

/** A row on its way to the API; `id` is its --id-column value, kept only when debug logs name rows. */
type HeldItem<P> = JobItem<P> & { id?: string };

const READ_AHEAD_ROWS = 1_000;

/** Runs a job over a file; returns the error that stopped it early (the caller keeps the output resumable). */
export async function runJob<P>(opts: RunJobOptions<P>): Promise<JobStop> {
  const { job, counters, logger, signal, columns } = opts;
  const now = opts.now ?? Date.now;
  const startIndex = opts.resume?.checkpoint.next ?? 0;
  const answers = opts.resume?.answers;
  const staged = new StagedRows({ dialect: opts.dialect, columns, firstIndex: startIndex, discard: opts.discard === true });
  // Rows are named in logs by number and the user's id column, never by their contents (errors may quote values).
  const logRows = logger.isLevelEnabled('debug');
  const idOf = (fields: readonly string[]) => (columns.rowId === undefined ? undefined : fields[columns.rowId]);
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

  const logNotDone = (index: number, id: string | undefined, status: string) => logger.debug({ row: index + 1, id, status }, 'row not done');

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
        for (const { index, id } of items) {
          const outcome = outcomes.get(index);
          if (!outcome) throw new Error(`job returned no outcome for row ${index}`);
          staged.finish(index, outcome);
          if (logRows && outcome.error) logNotDone(index, id, outcome.status);
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
    // Rows finishing while the sink is busy are written by this same call; `writtenNext` is read after
    // the last write, so a checkpoint never claims a row that was not handed to the sink.
    await staged.writeReady(target);
    writtenNext = staged.writtenNext();
    job.release?.(writtenNext);
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

  const target = {
    writeBytes: (bytes: Buffer) => opts.sink.writeBytes(bytes),
    countRow(status: string, error: string, warning: string | undefined) {
      counters.countRow(status, error);
      if (warning) counters.countWarning(warning);
    },
  };
  const bufferRows = opts.bufferRows ?? Math.max(10_000, job.groupSize() * ((opts.limit.ceiling?.() ?? opts.limit.current()) + 2) * 2);
  let index = -1;
  try {
    // A batch is staged in one go, and only then does the loop wait (for answers, the writer, room): a
    // batch's parsed records, alive while it is processed, then die young instead of outliving
    // collections across those waits.
    for await (const batch of opts.records) {
      for (const record of batch) {
        index += 1;
        if (index < startIndex) continue; // already in the partial output
        if (stop) break;
        rowsRead = index + 1;
        const prepared = job.prepare(record.fields, index);
        const { fields } = record;
        switch (prepared.kind) {
          case 'skip':
            staged.skip(index);
            break;
          case 'keep':
            staged.stageFinished(index, fields, undefined, statusOf(fields, columns), '', undefined);
            break;
          case 'done': {
            const { outcome } = prepared;
            staged.stageFinished(index, fields, outcome, outcome.status, outcome.error, prepared.warning);
            if (logRows && outcome.error) logNotDone(index, idOf(fields), outcome.status);
            break;
          }
          case 'send': {
            const known = answers?.get(index);
            if (known) {
              answers!.delete(index);
              staged.stageFinished(index, fields, known, known.status, known.error, prepared.warning);
              if (logRows && known.error) logNotDone(index, idOf(fields), known.status);
              break;
            }
            staged.stageOpen(index, fields, prepared.warning);
            group.push(logRows ? { index, payload: prepared.payload, id: idOf(fields) } : { index, payload: prepared.payload });
            if (group.length >= job.groupSize()) enqueue(false);
            break;
          }
        }
        if (opts.onProgress && (index & 1023) === 0) opts.onProgress({ rowsRead, rowsWritten: staged.writtenNext(), inFlight: inflight.size });
      }
      if (stop) break;
      while (waiting.length > readAhead() && !stop) await awaitGroup(); // enough cut ahead: wait for answers
      if (staged.readyCount() >= 256) await write();
      while (staged.buffered() >= bufferRows && !stop) {
        enqueue(true); // the partial group may be what the oldest rows wait for
        if (inflight.size === 0) break;
        await awaitGroup();
        await write();
      }
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
  opts.onProgress?.({ rowsRead, rowsWritten: staged.writtenNext(), inFlight: 0 });
  await checkpointing;
  if (opts.journal) await checkpoint().catch((err) => logger.error({ err: (err as Error).message }, 'could not write the last checkpoint'));
  if (stop) logger.debug({ code: stop.code, nextRow: writtenNext }, 'job stopped early');
  return stop;
}

function toAppError(err: unknown): AppError {
  return isAppError(err) ? err : new AppError('E_INTERNAL', `unexpected failure: ${(err as Error)?.message ?? err}`, {}, { cause: err });
}

/** A row's current `status` (rerun: what an earlier run wrote), trimmed; empty when the input has no status column. */
export function statusOf(fields: readonly string[], columns: ResultColumns): string {
  return columns.status < columns.inputWidth ? (fields[columns.status] ?? '').trim() : '';
}
