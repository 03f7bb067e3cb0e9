/** What a command may touch of the outside world; main.ts fills it from the process, tests from fakes. */
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { createLogger } from '../report/logger.js';
import { createProgress, type ProgressReporter } from '../report/progress.js';
import type { FileJobDeps } from '../pipeline/run-file-job.js';
import type { FlagValues } from './args.js';

export interface Io {
  env: Readonly<Record<string, string | undefined>>;
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stderrIsTTY: boolean;
  /** Aborted with 'SIGINT' or 'SIGTERM' as its reason when the process is asked to stop. */
  signal: AbortSignal;
  version: string;
}

/** Reads a small text file (the key file). */
export function readTextFile(path: string): string {
  return readFileSync(path, 'utf8');
}

/** The command's logger: --log-level (default info), pretty on a TTY. */
export function loggerFor(io: Io, values: FlagValues): Logger {
  const level = typeof values['log-level'] === 'string' ? values['log-level'] : 'info';
  return createLogger({ level, destination: io.stderr, pretty: io.stderrIsTTY });
}

/** The command's progress reporter: `auto` means a bar on a TTY, JSON lines otherwise. */
export function progressFor(io: Io, logger: Logger, mode: 'auto' | 'bar' | 'json' | 'off', intervalMs: number): ProgressReporter {
  const resolved = mode === 'auto' ? (io.stderrIsTTY ? 'bar' : 'json') : mode;
  return createProgress({ mode: resolved, stream: io.stderr, logger, intervalMs });
}

/** Feeds a file job's progress ticks to a reporter (percent by input bytes). */
export function reportFileJobProgress(progress: ProgressReporter): NonNullable<FileJobDeps['onProgress']> {
  return (t) => progress.update({ rowsRead: t.rowsRead, rowsWritten: t.rowsWritten, inFlight: t.inFlight, done: t.bytesRead, total: t.totalBytes, rows: t.counters.rows });
}
