/** The one logger factory: pino to the given stream (stderr), JSON unless a TTY, secrets redacted up front. */
import { createRequire } from 'node:module';
import { pino, type Logger } from 'pino';
import type PinoPretty from 'pino-pretty';

// pino-pretty is loaded only for a terminal: a container logging JSON never pays its start-up.
const require = createRequire(import.meta.url);

/** Paths that could ever hold the key; redaction is declared once, here. */
const REDACT = ['apiKey', '*.apiKey', '*.*.apiKey', 'authorization', '*.authorization', 'headers.authorization', '*.headers.authorization', 'config.api.apiKey'];

export interface LoggerOptions {
  level: string;
  destination: NodeJS.WritableStream;
  /** Human-readable lines (a TTY); otherwise one JSON object per line. */
  pretty: boolean;
}

/** Creates the run's logger. */
export function createLogger(options: LoggerOptions): Logger {
  const base = { level: options.level, base: { app: 'oiq-batch' }, redact: { paths: REDACT, censor: '[redacted]' } };
  if (options.pretty) {
    const pretty = require('pino-pretty') as typeof PinoPretty;
    return pino(base, pretty({ destination: options.destination, sync: true, colorize: true, ignore: 'pid,hostname,app', translateTime: 'HH:MM:ss' }));
  }
  return pino({ ...base, timestamp: pino.stdTimeFunctions.isoTime }, options.destination as pino.DestinationStream);
}
