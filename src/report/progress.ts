/** Progress: a bar on a TTY (rows, rows/s, % of bytes, ETA), a JSON log line every few seconds otherwise. */
import { createRequire } from 'node:module';
import type CliProgress from 'cli-progress';
import type { Logger } from 'pino';

// cli-progress is loaded only when a bar is drawn (a terminal), not in JSON or silent runs.
const require = createRequire(import.meta.url);

/** One progress observation. */
export interface ProgressState {
  rowsRead: number;
  rowsWritten: number;
  inFlight: number;
  /** Progress through the whole, in its own unit (input bytes for files, ANIs for an export). */
  done: number;
  total: number | undefined;
  rows: Record<string, number>;
}

export interface ProgressReporter {
  update(state: ProgressState): void;
  stop(): void;
}

export interface ProgressOptions {
  mode: 'bar' | 'json' | 'off';
  stream: NodeJS.WritableStream;
  logger: Logger;
  intervalMs: number;
  now?: () => number;
}

/** Creates the reporter for a mode; `off` reports nothing. */
export function createProgress(options: ProgressOptions): ProgressReporter {
  const now = options.now ?? Date.now;
  const started = now();
  const rate = (rows: number) => {
    const s = (now() - started) / 1000;
    return s > 0 ? Math.round(rows / s) : 0;
  };
  if (options.mode === 'off') return { update: () => undefined, stop: () => undefined };
  if (options.mode === 'json') {
    let last = started;
    let unreported: ProgressState | undefined;
    const emit = (state: ProgressState) => {
      last = now();
      unreported = undefined;
      options.logger.info({ progress: { ...state, rowsPerSecond: rate(state.rowsWritten), percent: percentOf(state) } }, 'progress');
    };
    return {
      update(state) {
        unreported = state;
        if (now() - last >= options.intervalMs) emit(state);
      },
      stop() {
        if (unreported) emit(unreported); // the final figures, once
      },
    };
  }
  const { SingleBar } = require('cli-progress') as typeof CliProgress;
  const bar = new SingleBar(
    { stream: options.stream as NodeJS.WritableStream & { isTTY?: boolean }, format: '{bar} {percentage}% | {rows} rows | {rps} rows/s | ETA {eta_formatted}', hideCursor: true, etaBuffer: 50, fps: 5 } as ConstructorParameters<typeof SingleBar>[0],
  );
  let running = false;
  return {
    update(state) {
      const total = state.total ?? 0;
      const payload = { rows: state.rowsWritten, rps: rate(state.rowsWritten) };
      if (!running) {
        bar.start(total || 100, 0, payload);
        running = true;
      }
      bar.update(total ? Math.min(state.done, total) : 0, payload);
    },
    stop() {
      if (running) bar.stop();
      running = false;
    },
  };
}

function percentOf(state: ProgressState): number | undefined {
  if (!state.total) return undefined;
  return Math.min(100, Math.round((state.done / state.total) * 1000) / 10);
}
