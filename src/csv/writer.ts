/**
 * Writes CSV rows in the input's own dialect (delimiter, line ending, BOM) to a temporary file that
 * is renamed into place on commit, or to stdout. Rows are formatted as csv-stringify would (row-text.ts:
 * quoting only when needed), encoded into ~64 KiB chunks, and written one chunk at a time under back-pressure.
 */
import { open, rename } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { CsvFormat } from './format.js';
import { createRowEncoder, createRowFormatter, type RowFormatter } from './row-text.js';
import type { Sink } from './sink.js';
import { createNewFileSink, createStreamSink, reopenFileSink, toWriteError } from './sink.js';

/** A CSV output being written; exactly one of commit/abort ends it. */
export interface CsvWriter {
  /** Appends rows; resolves when the sink can take more (back-pressure). */
  writeRows(rows: readonly (readonly string[])[]): Promise<void>;
  /** Appends rows already encoded in this writer's dialect, line endings included (copied before it returns). */
  writeBytes(bytes: Buffer): Promise<void>;
  /** Bytes written so far, header and BOM included (all of them durable once sync() resolves). */
  bytesWritten(): number;
  /** Flushes and fsyncs the temporary file (for checkpoints). */
  sync(): Promise<void>;
  /** Flushes, fsyncs, renames the temporary file to the final path, fsyncs the directory. */
  commit(): Promise<void>;
  /** Flushes, fsyncs and closes, keeping the temporary file for --resume; no rename. */
  abort(): Promise<void>;
}

/** Options of openCsvWriter. */
export interface CsvWriterOptions {
  /** Final path, or '-' for stdout. */
  path: string;
  /** The stream written for '-' (default process.stdout). */
  stdout?: NodeJS.WritableStream;
  header: readonly string[];
  format: Pick<CsvFormat, 'delimiter' | 'recordDelimiter' | 'bom'>;
  /** Prefix cells a spreadsheet would run as a formula with `'` (off by default: values are never altered). */
  excelSafe?: boolean;
  /** Reopen the existing temporary file, cut it to this size and append (no header rewritten). */
  resumeAtBytes?: number;
}

/** Bytes the writer batches rows into before touching the file system. */
const CHUNK_BYTES = 64 * 1024;

/** The temporary file of an output: stable, so --resume finds it again (`dir/.name.partial`). */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.partial`);
}

/** Fsyncs a directory so a rename in it survives a crash (not possible on every platform). */
async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r').catch(() => undefined);
  if (handle === undefined) return;
  try {
    await handle.sync();
  } catch {
    // Windows and some file systems refuse fsync on a directory: the rename is then as durable as it gets.
  } finally {
    await handle.close();
  }
}

/** The formatter of a format: same delimiter and line ending, quote only when needed. */
function toRowFormatter(format: CsvWriterOptions['format'], excelSafe: boolean): RowFormatter {
  // Any field holding CR or LF is quoted, whatever the record delimiter: the reader splits records on
  // all three line endings. Formula escaping prefixes `'` to cells starting with = + - @ tab CR (and
  // their full-width forms). Phones written "+1 310 555 0102" start with '+' and get the prefix too: that
  // is the documented trade-off of --excel-safe (the spreadsheet shows the text, the dialer sees `'`).
  return createRowFormatter({ delimiter: format.delimiter, excelSafe });
}

/** Opens a CSV writer; writes the BOM and header unless resuming. Throws E_USAGE/E_RESUME on I/O trouble. */
export async function openCsvWriter(options: CsvWriterOptions): Promise<CsvWriter> {
  const { path, header, format, excelSafe = false, resumeAtBytes } = options;
  const formatRow = toRowFormatter(format, excelSafe);
  const encodeRow = createRowEncoder({ delimiter: format.delimiter, excelSafe });
  const toStdout = path === '-';
  const tempPath = toStdout ? undefined : tempPathFor(path);
  let sink: Sink;
  if (tempPath === undefined) sink = createStreamSink(options.stdout ?? process.stdout, 'stdout');
  else if (resumeAtBytes === undefined) sink = await createNewFileSink(tempPath);
  else sink = await reopenFileSink(tempPath, resumeAtBytes);

  const recordDelimiter = Buffer.from(format.recordDelimiter, 'utf8');
  // Lines are encoded straight into the chunk being filled: no joined copy of the text, no second pass
  // to count its bytes. A chunk written to the file is reused once its write has completed (two spares):
  // a new 128 KiB buffer per flush kept ~1.5 MiB of dead chunks waiting for a collection (peak RSS on
  // a million rows). A chunk written to a stream (stdout) is never reused: the stream may still hold it.
  let chunk: Buffer = Buffer.allocUnsafe(2 * CHUNK_BYTES);
  const spare: Buffer[] = [];
  let used = 0;
  let mustWait = false; // a chunk was handed over in the middle of writeRows: it must wait for it
  let written = resumeAtBytes ?? 0;
  // Flushes are chained so chunks reach the sink in order even if callers do not await each write.
  let flushed: Promise<void> = Promise.resolve();

  const flush = (): Promise<void> => {
    if (used > 0) {
      const full = chunk;
      const bytes = chunk.subarray(0, used);
      chunk = spare.pop() ?? Buffer.allocUnsafe(2 * CHUNK_BYTES);
      used = 0;
      flushed = flushed.then(async () => {
        await sink.write(bytes);
        if (!toStdout && full.length === 2 * CHUNK_BYTES && spare.length < 2) spare.push(full);
      });
    }
    return flushed;
  };
  /** Makes room for `most` more bytes in the chunk, handing the chunk over first if it is too full. */
  const makeRoom = (most: number): void => {
    if (used + most <= chunk.length) return;
    mustWait = true;
    flush();
    if (most > chunk.length) chunk = Buffer.allocUnsafe(most); // a record larger than a chunk
  };
  /** Hands a full chunk over, waiting for it (back-pressure) when one was handed over meanwhile. */
  const settle = async (): Promise<void> => {
    if (used >= CHUNK_BYTES || mustWait) {
      mustWait = false;
      await flush();
    }
  };
  const accept = (line: string): void => {
    makeRoom(3 * line.length + recordDelimiter.length); // UTF-8 needs at most 3 bytes per UTF-16 unit
    const bytes = chunk.write(line, used, 'utf8');
    used += bytes + recordDelimiter.copy(chunk, used + bytes);
    written += bytes + recordDelimiter.length;
  };
  const finish = async (): Promise<void> => {
    try {
      await flush();
      await sink.sync();
    } finally {
      await sink.close();
    }
  };

  if (resumeAtBytes === undefined) accept((format.bom ? '\uFEFF' : '') + formatRow(header));
  return {
    async writeRows(rows) {
      if (rows.length === 0) return;
      for (const row of rows) {
        // The chunk may have changed (a flush): the room is read for each row, leaving its line ending's.
        const end = encodeRow(row, chunk, used, chunk.length - recordDelimiter.length);
        if (end < 0) {
          accept(formatRow(row));
          continue;
        }
        const bytes = end - used + recordDelimiter.copy(chunk, end);
        used += bytes;
        written += bytes;
      }
      await settle();
    },
    async writeBytes(bytes) {
      makeRoom(bytes.length);
      used += bytes.copy(chunk, used);
      written += bytes.length;
      await settle();
    },
    bytesWritten: () => written,
    async sync() {
      await flush();
      await sink.sync();
    },
    async commit() {
      await finish();
      if (tempPath === undefined) return;
      await rename(tempPath, path).catch((err: unknown) => {
        throw toWriteError(err, path);
      });
      await syncDirectory(dirname(path));
    },
    abort: finish,
  };
}
