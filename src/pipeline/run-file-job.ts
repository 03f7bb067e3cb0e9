/**
 * A job over a file, start to finish: open the input, lay out the output, open the writer and the journal
 * (fresh or resumed), run the streaming job, commit or keep the partial output, and build the summary.
 * Shared by assign, rerun and nrm apply.
 */
import { existsSync } from 'node:fs';
import { writeFile, rename } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { ApiClient } from '../api/client.js';
import { openCsvSource, openCsvWriter, type CsvRecord, type CsvSource } from '../csv/index.js';
import type { JobConfig } from '../config/schema.js';
import { AppError, EXIT, exitCodeFor } from '../errors.js';
import type { RunSummary } from '../report/summary.js';
import { RunCounters } from './counters.js';
import { fingerprintInput, hashOptions, Journal, journalPathFor, type ResumeState } from './journal.js';
import { runJob, type ConcurrencyLimit, type ProgressTick, type RowSink } from './run-job.js';
import type { Job, ResultColumns } from './types.js';

/** What a command contributes: its statuses, and how to build its job once the header is known. */
export interface FileJobSpec<P> {
  command: string;
  statuses: readonly string[];
  /** The status that means "not done, send again" (counted for exit code 1). */
  failedStatus: string;
  /**
   * Builds the job from the input header; throws AppError for a header it cannot use. `headerIsData`:
   * the first line is a data row, not a header (a plain list of ANIs), and is sent as row 0.
   */
  build(source: CsvSource): { job: Job<P>; result: ResultColumns; header: string[]; options: unknown; headerIsData?: boolean };
}

/** What the job needs from outside: logger, stop signal, stdio for `-`, a progress callback. */
export interface FileJobDeps {
  logger: Logger;
  signal: AbortSignal;
  limit: ConcurrencyLimit;
  stdin?: NodeJS.ReadableStream;
  stdout?: NodeJS.WritableStream;
  onProgress?: (tick: ProgressTick & { bytesRead: number; totalBytes: number | undefined; counters: RunCounters }) => void;
  now?: () => number;
}

/** What a command's job (assign, nrm apply) is run with: the run's API client, and a limit that defaults to `--concurrency`. */
export type ApiJobDeps = Omit<FileJobDeps, 'limit'> & { client: ApiClient; limit?: ConcurrencyLimit };

/** Runs one file job and returns its summary (also written to the report path). Throws AppError for usage/input errors found before any row is sent. */
export async function runFileJob<P>(config: JobConfig, spec: FileJobSpec<P>, deps: FileJobDeps): Promise<RunSummary> {
  const now = deps.now ?? Date.now;
  const started = now();
  const toStdout = config.output === '-';
  if (config.resume && (toStdout || config.input === '-')) {
    throw new AppError('E_USAGE', '--resume needs an input file and an output file (not stdin/stdout)');
  }
  const source = await openCsvSource(config.input, { ...(deps.stdin ? { stdin: deps.stdin } : {}), ...(config.delimiter ? { delimiter: config.delimiter } : {}) });
  let sink: (RowSink & { commit(): Promise<void>; abort(): Promise<void> }) | undefined;
  let journal: Journal | undefined;
  try {
    const built = spec.build(source);
    let resume: ResumeState | undefined;
    const fingerprint = config.input === '-' ? { size: -1, head: '', tail: '' } : fingerprintInput(config.input);
    if (!config.dryRun && !toStdout) {
      const header = {
        command: spec.command,
        fingerprint,
        options: hashOptions(built.options),
      };
      const journalPath = journalPathFor(config.output);
      if (config.resume) ({ journal, state: resume } = await Journal.resume(journalPath, header));
      else {
        // Starting afresh re-sends rows an interrupted run already had answered: say so, once.
        if (existsSync(journalPath)) deps.logger.warn({ journal: journalPath }, 'an interrupted run of this output was not resumed (no --resume): starting afresh');
        journal = Journal.create(journalPath, header);
      }
    }
    const counters = new RunCounters(config.dryRun ? DRY_RUN_STATUSES : spec.statuses, resume?.checkpoint.counters);
    // Every checkpoint claims at least the header's bytes: 0 means the journal has none.
    const resumedOutput = resume !== undefined && resume.checkpoint.bytes > 0;
    const out = config.dryRun
      ? nullSink()
      : await openCsvWriter({
        path: config.output,
        ...(deps.stdout ? { stdout: deps.stdout } : {}),
        header: built.header,
        format: source.format,
        excelSafe: config.excelSafe,
          // No checkpoint yet (killed before the first one): the output starts afresh, header included.
          ...(resumedOutput ? { resumeAtBytes: resume!.checkpoint.bytes } : {}),
        });
    sink = out;
    if (journal && !resumedOutput) {
      await out.sync();
      await journal.checkpoint({ next: 0, bytes: out.bytesWritten(), counters: counters.snapshot() });
    }
    if (resume) deps.logger.info({ fromRow: resume.checkpoint.next, answersKept: resume.answers.size }, 'resuming');
    const stop = await runJob({
      records: built.headerIsData ? withHeaderAsData(source) : source.batches,
      sink: out,
      dialect: { delimiter: source.format.delimiter, recordDelimiter: source.format.recordDelimiter, excelSafe: config.excelSafe },
      discard: config.dryRun,
      columns: built.result,
      job: config.dryRun ? withoutSending(built.job) : built.job,
      limit: deps.limit,
      counters,
      logger: deps.logger,
      signal: deps.signal,
      graceMs: config.graceMs,
      ...(journal ? { journal } : {}),
      ...(resume ? { resume } : {}),
      ...(deps.onProgress
        ? { onProgress: (tick: ProgressTick) => deps.onProgress!({ ...tick, bytesRead: source.bytesRead(), totalBytes: source.totalBytes, counters }) }
        : {}),
      now,
    });
    if (stop) {
      await out.abort();
      journal?.close();
      if (stop.code === 'E_CSV' || stop.code === 'E_INPUT' || stop.code === 'E_INTERNAL') throw stop;
    } else {
      await out.commit();
      await journal?.remove();
    }
    const summary = buildSummary(config, spec, counters, started, now(), stop, resume !== undefined);
    // `merge` checks that shard files come from the same input and cover every shard.
    if (config.shard) summary.shard = { ...config.shard, input: fingerprint };
    await writeReport(config, summary);
    return summary;
  } catch (err) {
    journal?.close();
    await sink?.abort().catch(() => undefined);
    throw err;
  } finally {
    await source.close();
  }
}

function buildSummary(config: JobConfig, spec: FileJobSpec<unknown>, counters: RunCounters, started: number, finished: number, stop: AppError | undefined, resumed: boolean): RunSummary {
  const durationMs = Math.max(0, finished - started);
  const failed = counters.rows[spec.failedStatus] ?? 0;
  const exitCode = stop ? exitCodeFor(stop) : failed > 0 ? EXIT.rowsFailed : EXIT.ok;
  const summary: RunSummary = {
    command: spec.command,
    input: config.input === '-' ? 'stdin' : config.input,
    output: config.dryRun ? '' : config.output === '-' ? 'stdout' : config.output,
    rows: { ...counters.rows, total: counters.rows.total ?? 0 },
    errors: counters.errors,
    warnings: counters.warnings,
    requests: counters.requests,
    latencyMs: counters.latency.summary(),
    durationMs,
    rowsPerSecond: durationMs > 0 ? Math.round(((counters.rows.total ?? 0) * 1000) / durationMs) : 0,
    exitCode,
    startedAt: new Date(started).toISOString(),
    finishedAt: new Date(finished).toISOString(),
  };
  if (stop) summary.stoppedBecause = `${stop.message}; run the same command with --resume to continue`;
  if (resumed) summary.resumed = true;
  if (config.dryRun) summary.dryRun = true;
  return summary;
}

/** The summary's path: --report, else next to the output (none for stdout without --report). */
export function reportPathFor(config: Pick<JobConfig, 'report' | 'output'>): string | undefined {
  if (config.report) return config.report;
  return config.output === '-' ? undefined : `${config.output}.summary.json`;
}

async function writeReport(config: JobConfig, summary: RunSummary): Promise<void> {
  const path = reportPathFor(config);
  if (!path) return;
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, `${JSON.stringify(summary, null, 2)}\n`);
  await rename(tmp, path);
}

/** A dry run counts what would be sent as `valid`; invalid rows keep their reasons. */
const DRY_RUN_STATUSES = ['valid', 'invalid'] as const;

/** The same job with sending replaced by a `valid` verdict: a dry run sends nothing. */
function withoutSending<P>(job: Job<P>): Job<P> {
  return {
    groupSize: job.groupSize,
    prepare(fields, index) {
      const prepared = job.prepare(fields, index);
      if (prepared.kind !== 'send') return prepared;
      const outcome = { status: 'valid', value: '', error: '' };
      return prepared.warning ? { kind: 'done', outcome, warning: prepared.warning } : { kind: 'done', outcome };
    },
    sendGroup: () => Promise.reject(new Error('a dry run sends nothing')),
    ...(job.release ? { release: (before: number) => job.release!(before) } : {}),
  };
}

/** The header line as the first data record (line 1), then the rest. */
async function* withHeaderAsData(source: CsvSource): AsyncGenerator<readonly CsvRecord[]> {
  yield [{ fields: source.header, line: 1 }];
  yield* source.batches;
}

function nullSink(): RowSink & { commit(): Promise<void>; abort(): Promise<void> } {
  return { writeBytes: async () => undefined, bytesWritten: () => 0, sync: async () => undefined, commit: async () => undefined, abort: async () => undefined };
}
