/**
 * The parser's records as an async iterator that takes them straight from the stream's buffer: one
 * settled promise per record. Iterating the stream itself and mapping its errors in a generator of
 * our own stacked two async generators (three promises and two result objects per record), which
 * cost about as much as parsing on a million rows.
 */
import { finished } from 'node:stream';
import type { RecordParser, CsvRecord } from './record-parser.js';

/**
 * Iterates `parser`'s records. A stream failure is thrown as `mapError(err)`; `release` runs once,
 * when the records end, fail, or the consumer stops early (`return`).
 */
export function pullRecords(parser: RecordParser, mapError: (err: unknown) => unknown, release: () => Promise<void>): AsyncIterableIterator<CsvRecord> {
  let outcome: { error?: unknown } | undefined; // set when the stream has ended (error undefined) or failed
  let waiting: (() => void)[] = []; // callers of next() waiting for the stream
  let done = false;
  const onChange = (): void => {
    const wake = waiting;
    waiting = [];
    for (const resolve of wake) resolve();
  };
  parser.on('readable', onChange);
  finished(parser, { writable: false }, (err) => {
    outcome = { error: err ?? undefined };
    onChange();
  });

  const stop = async (): Promise<IteratorResult<CsvRecord>> => {
    if (!done) {
      done = true;
      parser.off('readable', onChange);
      await release();
    }
    return { value: undefined, done: true };
  };

  /** Waits for records, the end or a failure. */
  const wait = async (): Promise<IteratorResult<CsvRecord>> => {
    for (;;) {
      if (done) return { value: undefined, done: true };
      const record = parser.destroyed ? null : (parser.read() as CsvRecord | null);
      if (record !== null) return { value: record, done: false };
      if (outcome !== undefined) {
        await stop();
        if (outcome.error !== undefined) throw mapError(outcome.error);
        return { value: undefined, done: true };
      }
      await new Promise<void>((resolve) => waiting.push(resolve));
    }
  };

  return {
    // Not async: a record already parsed costs one resolved promise, not an async function's frame.
    next() {
      const record = done || parser.destroyed ? null : (parser.read() as CsvRecord | null);
      return record !== null ? Promise.resolve({ value: record, done: false }) : wait();
    },
    return: stop,
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
