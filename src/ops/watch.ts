/**
 * `watch`: drop-folder mode. Each cycle adopts claims of watchers that are gone, finishes this watcher's
 * own claims (resumed from their journals), then claims and processes the files that have stopped
 * changing, one at a time. A file ends in done/ (its enriched file and summary in the outbox) or in
 * failed/ with a reason beside it; a run that stopped for a reason that is not the file's (interrupted,
 * key refused, API unavailable) leaves it claimed, to be resumed. `once` runs one cycle and exits.
 */
import { existsSync } from 'node:fs';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { AppError, EXIT, exitCodeFor, isAppError } from '../errors.js';
import { journalPathFor } from '../pipeline/journal.js';
import type { RunSummary } from '../report/summary.js';
import { worstExitCode } from './exit-severity.js';
import { DONE_DIR, FAILED_DIR, InboxOwner, isPidAlive, LEASE_MS, listInbox, moveWithoutReplacing, selectSettled } from './inbox.js';
import { sumSummaries } from './sum-summaries.js';

export interface WatchOptions {
  inbox: string;
  outbox: string;
  /** One cycle, then exit (CronJob mode). */
  once: boolean;
  /** Pause between cycles (long-running mode). */
  pollMs: number;
  /** A file must keep its size and mtime this long before it is claimed. */
  settleMs: number;
}

/** One file for the assign job: the claimed input, its enriched output, and whether to resume it. */
export interface FileRun {
  input: string;
  output: string;
  resume: boolean;
}

export interface WatchDeps {
  logger: Logger;
  /** Aborted on SIGINT/SIGTERM: the file in progress stops (resumable) and the watcher exits. */
  signal: AbortSignal;
  /** Runs the assign job on one file; throws AppError for a file it cannot process. */
  processFile(run: FileRun): Promise<RunSummary>;
  /** The enriched file's name in the outbox for a dropped file's name. */
  outputNameFor(name: string): string;
  /** Called with the summed summary of each cycle that processed files (and of every `once` run). */
  publish?(summary: RunSummary): Promise<void>;
  now?: () => number;
}

/** What became of one file. */
export interface FileOutcome {
  name: string;
  exitCode: number;
  /** done/…, failed/…, or undefined when left claimed for a later resume. */
  movedTo?: string;
  output: string;
  summary?: RunSummary;
  reason?: string;
}

/** The end of a watch: its exit code (the worst file's; 130/143 when interrupted) and every file's outcome. */
export interface WatchResult {
  exitCode: number;
  files: FileOutcome[];
}

/** Codes after which the file is not at fault: it stays claimed and is resumed later. */
const STOP_CODES: ReadonlySet<number> = new Set([EXIT.auth, EXIT.unavailable, EXIT.sigint, EXIT.sigterm]);

/** Watches the inbox until stopped (or for one cycle with `once`). Throws AppError E_USAGE for unusable folders. */
export async function runWatch(o: WatchOptions, deps: WatchDeps): Promise<WatchResult> {
  const now = deps.now ?? Date.now;
  await checkFolders(o);
  const host = hostname();
  const owner = await InboxOwner.register(o.inbox, { id: ownerIdFor(host), host, pid: process.pid, startedAt: new Date(now()).toISOString() }, deps.logger);
  deps.logger.info({ inbox: o.inbox, outbox: o.outbox, owner: owner.record.id, once: o.once }, 'watching');
  const files: FileOutcome[] = [];
  let stopCode: number | undefined;
  try {
    while (stopCode === undefined && !deps.signal.aborted) {
      const started = now();
      const cycle: FileOutcome[] = [];
      const handle = async (name: string): Promise<boolean> => {
        const outcome = await processClaimed(owner, name, o, deps);
        cycle.push(outcome);
        if (STOP_CODES.has(outcome.exitCode)) {
          // API unavailable: a long-running watcher tries again next cycle; every other stop ends the watch.
          if (o.once || outcome.exitCode !== EXIT.unavailable) stopCode = outcome.exitCode;
          return false;
        }
        return !deps.signal.aborted;
      };
      await owner.adoptAbandoned({ now: now(), host, pid: process.pid, leaseMs: LEASE_MS, isPidAlive });
      let going = true;
      for (const name of await owner.claimedNames()) if (!(going = await handle(name))) break;
      if (going) {
        for (const entry of await findSettled(o, deps.signal)) {
          if (deps.signal.aborted) break;
          if (!(await owner.claim(entry.name))) continue; // another watcher took it
          deps.logger.info({ file: entry.name, bytes: entry.size }, 'claimed');
          if (!(await handle(entry.name))) break;
        }
      }
      files.push(...cycle);
      if (deps.publish && (o.once || cycle.length > 0)) {
        await deps.publish(summarizeCycle(cycle, o, started, now(), exitCodeOf(cycle, deps.signal)));
      }
      if (o.once) break;
      await sleep(o.pollMs, undefined, { signal: deps.signal }).catch(() => undefined);
    }
  } finally {
    await owner.release();
  }
  return { exitCode: exitCodeOf(files, deps.signal), files };
}

/** Runs the assign job on a claimed file and moves it to done/ or failed/ (or leaves it claimed after a stop). */
async function processClaimed(owner: InboxOwner, name: string, o: WatchOptions, deps: WatchDeps): Promise<FileOutcome> {
  const input = join(owner.dir, name);
  const output = join(o.outbox, deps.outputNameFor(name));
  const log = deps.logger.child({ file: name });
  let summary: RunSummary | undefined;
  let failure: { exitCode: number; reason: string } | undefined;
  try {
    const resume = existsSync(journalPathFor(output));
    if (resume) log.info({ output }, 'resuming an interrupted run');
    summary = await deps.processFile({ input, output, resume }).catch(async (err: unknown) => {
      // The journal beside the output belongs to another file or other options: start this one afresh.
      if (!resume || !isAppError(err, 'E_RESUME')) throw err;
      log.warn({ reason: err.message }, 'cannot resume; starting the file afresh');
      return deps.processFile({ input, output, resume: false });
    });
  } catch (err) {
    failure = { exitCode: exitCodeFor(err), reason: err instanceof Error ? err.message : String(err) };
  }
  const exitCode = summary?.exitCode ?? failure!.exitCode;
  // Messages name the file by its claimed path, an internal detail: the user knows it by its name.
  const reason = (summary?.stoppedBecause ?? failure?.reason)?.split(input).join(name);
  if (STOP_CODES.has(exitCode)) {
    log.warn({ exitCode, reason }, 'stopped; the file stays claimed and is resumed on the next start');
    return { name, exitCode, output, ...(summary ? { summary } : {}), ...(reason ? { reason } : {}) };
  }
  const toFailed = exitCode !== EXIT.ok && exitCode !== EXIT.rowsFailed;
  const movedTo = await moveWithoutReplacing(input, join(o.inbox, toFailed ? FAILED_DIR : DONE_DIR), name);
  if (toFailed) {
    await writeFile(`${movedTo}.reason.txt`, `exit ${exitCode}: ${reason ?? 'failed'}\nfile: ${name}\nat: ${new Date().toISOString()}\n`);
    log.error({ exitCode, reason, movedTo }, 'file failed');
  } else {
    log.info({ exitCode, output, movedTo }, 'file done');
  }
  return { name, exitCode, movedTo, output, ...(summary ? { summary } : {}), ...(reason ? { reason } : {}) };
}

/** The files that kept their size and mtime for `settleMs` (one look, a pause, another look). */
async function findSettled(o: WatchOptions, signal: AbortSignal) {
  const before = await listInbox(o.inbox);
  if (before.length === 0 || o.settleMs <= 0) return before;
  await sleep(o.settleMs, undefined, { signal }).catch(() => undefined);
  return signal.aborted ? [] : selectSettled(before, await listInbox(o.inbox));
}

async function checkFolders(o: WatchOptions): Promise<void> {
  const st = await stat(o.inbox).catch(() => undefined);
  if (!st?.isDirectory()) throw new AppError('E_USAGE', `watch: the inbox ${o.inbox} is not a folder`, { file: o.inbox });
  if (resolve(o.inbox) === resolve(o.outbox)) throw new AppError('E_USAGE', 'watch: --outbox must not be the inbox (enriched files would be picked up as new drops)');
  await mkdir(o.outbox, { recursive: true }).catch((err: NodeJS.ErrnoException) => {
    throw new AppError('E_USAGE', `watch: cannot create the outbox ${o.outbox} (${err.code ?? err.message})`, { file: o.outbox });
  });
}

/** Unique per process, readable in a listing: host, pid, a random suffix (pids repeat across containers). */
function ownerIdFor(host: string): string {
  return `${host.replace(/[^A-Za-z0-9._-]/g, '_')}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

function exitCodeOf(files: readonly FileOutcome[], signal: AbortSignal): number {
  const codes = files.map((f) => f.exitCode);
  if (signal.aborted) codes.push(signal.reason === 'SIGINT' ? EXIT.sigint : EXIT.sigterm);
  return worstExitCode(codes);
}

function summarizeCycle(cycle: readonly FileOutcome[], o: WatchOptions, started: number, finished: number, exitCode: number): RunSummary {
  const parts = cycle.flatMap((f) => (f.summary ? [f.summary] : []));
  return sumSummaries(parts, {
    command: 'watch',
    input: o.inbox,
    output: o.outbox,
    startedAt: new Date(started).toISOString(),
    finishedAt: new Date(finished).toISOString(),
    exitCode,
  });
}
