/**
 * `nrm export`: every page of GET /nrm/anis into one file. The first page says how many there are;
 * the rest are fetched concurrently through a bounded window (at most `concurrency` requests in
 * flight, at most twice that many pages held) and written strictly in page order, so memory stays
 * flat whatever the inventory's size. Every GET goes through the shared retry layer (a GET is safe to
 * resend even when its failure is ambiguous).
 */
import { rename, writeFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { CircuitBreaker } from '../api/breaker.js';
import { createCircuitBreaker } from '../api/breaker.js';
import { classifyFailure } from '../api/classify.js';
import type { ApiClient } from '../api/client.js';
import { callWithRetry, createRetryBudget, type RetryBudget } from '../api/retry.js';
import type { AniListResponse } from '../api/schemas.js';
import type { NrmExportConfig } from '../config/schema.js';
import { AppError, EXIT, exitCodeFor, isAppError } from '../errors.js';
import { describeAttemptFailure, recordAttempt } from '../pipeline/attempts.js';
import { RunCounters } from '../pipeline/counters.js';
import { reportPathFor } from '../pipeline/run-file-job.js';
import type { SendContext } from '../pipeline/types.js';
import { openAniWriter, type AniWriter } from './export-writer.js';
import { ExportTally, type NrmExportSummary } from './export-summary.js';

/** What the export needs from outside (tests pass an in-process client). */
export interface NrmExportDeps {
  client: ApiClient;
  logger: Logger;
  signal: AbortSignal;
  stdout?: NodeJS.WritableStream;
  onProgress?: (progress: ExportProgress) => void;
  now?: () => number;
}

/** Where the export stands, after each page written. */
export interface ExportProgress {
  anisWritten: number;
  anisExpected: number;
  pagesWritten: number;
  totalPages: number;
  inFlight: number;
}

// Inventory changes are reported, but a page-by-page flood of them is not.
const MAX_WARNINGS = 5;

/**
 * Runs the export and returns its summary (also written to the report path). A stop (key refused,
 * API unavailable, interrupted) is returned as a summary with its exit code, the partial output
 * deleted; only a failure to open the output throws.
 */
export async function runNrmExport(config: Readonly<NrmExportConfig>, deps: NrmExportDeps): Promise<NrmExportSummary> {
  const now = deps.now ?? Date.now;
  const started = now();
  const counters = new RunCounters([]);
  const tally = new ExportTally();
  const warnings: string[] = [];
  const pages = { total: 0, fetched: 0, pageSize: config.pageSize };
  let expected = 0;
  let announcedPages = 0; // as page 1 said: 0 when nothing matches (one empty page is still fetched)
  let writer: AniWriter | undefined;
  let stop: AppError | undefined;

  const fetcher = createPageFetcher(config, deps, counters);
  const warn = (message: string): void => {
    if (warnings.length >= MAX_WARNINGS || warnings.includes(message)) return;
    warnings.push(message);
    deps.logger.warn(message);
  };
  const consume = async (page: number, body: AniListResponse): Promise<void> => {
    if (body.total_anis !== expected || body.total_pages !== announcedPages) {
      warn(`the inventory changed during the export: page ${page} reports ${body.total_anis} ANIs in ${body.total_pages} pages, page 1 reported ${expected} in ${announcedPages}; some ANIs may be missing or repeated — run the export again`);
    }
    await writer!.writeAnis(body.data);
    tally.add(body.data);
    pages.fetched += 1;
    deps.onProgress?.({ anisWritten: tally.total, anisExpected: expected, pagesWritten: pages.fetched, totalPages: pages.total, inFlight: fetcher.inFlight() });
  };

  try {
    const first = await fetcher.fetch(1);
    expected = first.total_anis;
    announcedPages = first.total_pages;
    pages.total = Math.max(1, announcedPages);
    writer = await openAniWriter({ path: config.output, format: config.format, ...(deps.stdout ? { stdout: deps.stdout } : {}) });
    await consume(1, first);
    await fetcher.fetchInOrder(2, pages.total, consume);
    if (tally.total !== expected) warn(`wrote ${tally.total} ANIs, the API announced ${expected}: the inventory changed during the export — run it again`);
    await writer.commit();
  } catch (err) {
    await writer?.discard();
    if (!isAppError(err) || !isStop(err)) throw err;
    stop = err;
  } finally {
    fetcher.close();
  }

  const finished = now();
  const summary: NrmExportSummary = {
    command: 'nrm export',
    output: stop ? '' : config.output === '-' ? 'stdout' : config.output,
    format: config.format,
    number: config.number ?? null,
    anis: { total: tally.total, expected, byStatus: tally.byStatus, byState: tally.byState },
    pages,
    requests: counters.requests,
    latencyMs: counters.latency.summary(),
    warnings,
    durationMs: Math.max(0, finished - started),
    exitCode: stop ? exitCodeFor(stop) : EXIT.ok,
    startedAt: new Date(started).toISOString(),
    finishedAt: new Date(finished).toISOString(),
  };
  if (stop) {
    const kept = config.output === '-' ? 'what reached stdout is incomplete' : 'nothing was written';
    summary.stoppedBecause = `${stop.message}; ${kept} — run the export again`;
  }
  await writeReport(reportPathFor(config), summary);
  return summary;
}

/** The errors that end an export with a summary (and an exit code) rather than a bare message. */
function isStop(err: AppError): boolean {
  return err.code === 'E_AUTH' || err.code === 'E_UNAVAILABLE' || err.code === 'E_INTERRUPTED';
}

interface PageFetcher {
  fetch(page: number): Promise<AniListResponse>;
  /** Fetches pages `from`..`to` with a bounded window and hands them to `consume` in order. */
  fetchInOrder(from: number, to: number, consume: (page: number, body: AniListResponse) => Promise<void>): Promise<void>;
  inFlight(): number;
  /** Stops listening to the run's stop signal. */
  close(): void;
}

function createPageFetcher(config: Readonly<NrmExportConfig>, deps: NrmExportDeps, counters: RunCounters): PageFetcher {
  // Aborted on the first failed page (the others are of no use) and on SIGINT/SIGTERM.
  const abort = new AbortController();
  const onStop = (): void => abort.abort(interrupted(deps.signal));
  if (deps.signal.aborted) onStop();
  else deps.signal.addEventListener('abort', onStop, { once: true });
  const ctx: SendContext = { signal: abort.signal, counters, logger: deps.logger };
  const budget: RetryBudget = createRetryBudget(config.retry.budget);
  const breaker: CircuitBreaker = createCircuitBreaker({ openAfterMs: config.retry.unavailableAfterMs, minFailures: 3 });
  let running = 0;

  const fetch = async (page: number): Promise<AniListResponse> => {
    const query = { page, pageSize: config.pageSize, ...(config.number ? { number: config.number } : {}) };
    try {
      const reply = await callWithRetry((_attempt, signal) => recordAttempt(ctx, () => deps.client.listAnis(query, signal)), {
        policy: config.retry,
        budget,
        breaker,
        signal: abort.signal,
        stats: counters.requests,
        onRetry: (info) => deps.logger.debug({ page, attempt: info.attempt, reason: info.failure.reason, delayMs: Math.round(info.delayMs) }, 'retrying page'),
      });
      return reply.body;
    } catch (err) {
      const stop = toStop(err, page, deps.signal, config.retry.retryAmbiguous);
      abort.abort(stop);
      throw stop;
    }
  };

  const fetchInOrder: PageFetcher['fetchInOrder'] = async (from, to, consume) => {
    const held = new Map<number, Promise<AniListResponse>>(); // launched and not yet written
    const maxHeld = config.concurrency * 2;
    let next = from;
    const launch = (): void => {
      while (next <= to && running < config.concurrency && held.size < maxHeld && !abort.signal.aborted) {
        const page = next++;
        running += 1;
        const pending = fetch(page);
        held.set(page, pending);
        pending.then(
          () => {
            running -= 1;
            launch();
          },
          () => {
            running -= 1;
          },
        );
      }
    };
    try {
      for (let page = from; page <= to; page++) {
        launch();
        const pending = held.get(page);
        if (pending === undefined) throw abort.signal.reason; // stopped before this page was launched
        const body = await pending;
        held.delete(page);
        await consume(page, body);
        launch();
      }
    } catch (err) {
      abort.abort(err);
      await Promise.allSettled(held.values());
      throw isAppError(abort.signal.reason) ? abort.signal.reason : err;
    }
  };

  return { fetch, fetchInOrder, inFlight: () => running, close: () => deps.signal.removeEventListener('abort', onStop) };
}

/** Maps a page's final failure to the AppError that stops the export. */
function toStop(err: unknown, page: number, signal: AbortSignal, retryAmbiguous: boolean): AppError {
  if (signal.aborted) return interrupted(signal);
  if (isAppError(err)) return err;
  const failure = classifyFailure(err);
  const where = `GET /nrm/anis page ${page}`;
  if (failure.kind === 'auth') return new AppError('E_AUTH', `the API refused the key (${failure.reason}): check OUTBOUNDIQ_API_KEY / OUTBOUNDIQ_API_KEY_FILE`);
  const why = describeAttemptFailure(err, failure, retryAmbiguous);
  if (failure.kind === 'retry' || failure.kind === 'ambiguous') return new AppError('E_UNAVAILABLE', `${where}: ${why}`, { page });
  return new AppError('E_USAGE', `${where} was refused (${why}): check OUTBOUNDIQ_BASE_URL and --number/--page-size`, { page });
}

function interrupted(signal: AbortSignal): AppError {
  return new AppError('E_INTERRUPTED', 'interrupted', { signal: String(signal.reason ?? 'signal') });
}

async function writeReport(path: string | undefined, summary: NrmExportSummary): Promise<void> {
  if (path === undefined) return;
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, `${JSON.stringify(summary, null, 2)}\n`);
  await rename(tmp, path);
}
