/**
 * Opens a lead file (path or '-' for stdin) as a stream of CSV records: gzip, encoding, delimiter and
 * line ending are detected from the first bytes, then records are pulled one at a time through
 * bytes → (gunzip) → UTF-8 → csv-parse, so memory stays bounded whatever the file size.
 */
import { closeSync, createReadStream, fstat, open } from 'node:fs';
import { promisify } from 'node:util';
import { pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { AppError } from '../errors.js';
import { decodeToUtf8 } from './decode.js';
import type { CsvFormat } from './format.js';
import { detectEncoding, detectRecordDelimiter, hasNulByte, isGzipMagic, isTsvName, sniffDelimiter } from './format.js';
import { toReadError } from './read-errors.js';
import { eachRecord, pullBatches } from './pull-records.js';
import type { CsvRecord } from './record-parser.js';
import { RecordParser } from './record-parser.js';

/** A lead file opened for streaming: its header, detected format and data records. */
export interface CsvSource {
  /** Display name ('stdin' for '-'). */
  file: string;
  /** The first record (BOM stripped). */
  header: string[];
  format: CsvFormat;
  /**
   * The data records in batches, streamed and pulled on demand: each batch is what the parser holds when
   * asked. Iterate once, this or `records`.
   */
  batches: AsyncIterable<readonly CsvRecord[]>;
  /** The data records one at a time (iterate once, this or `batches`). */
  records: AsyncIterable<CsvRecord>;
  /** Compressed bytes consumed so far (for progress %). */
  bytesRead(): number;
  /** The file size when known (not for stdin). */
  totalBytes: number | undefined;
  /** Destroys the underlying streams (used on abort). */
  close(): Promise<void>;
}

/** Options of openCsvSource. */
export interface CsvSourceOptions {
  /** The stream read for '-' (default process.stdin). */
  stdin?: NodeJS.ReadableStream;
  /** Overrides the detected delimiter. */
  delimiter?: string;
  /** Largest record accepted, in bytes (default 8 MiB): a line that never ends is refused. */
  maxRecordBytes?: number;
}

/** The default record size limit: a 1 MB note is fine, a runaway line is not. */
export const DEFAULT_MAX_RECORD_BYTES = 8 * 1024 * 1024;
/** How much of the (decompressed) start of a file the format is detected from. */
const SAMPLE_BYTES = 64 * 1024;
/**
 * Bytes parsed at a time. csv-parse parses a whole chunk in one go: at 64 KiB that was ~3 ms
 * during which no answer was taken in and no request written, and ~600 records alive together. At
 * 16 KiB, the 50 ms-latency benchmark went from 0.945–0.951 to 0.955–0.964 of Little's law (3 runs each,
 * interleaved) and fewer records outlive a young-generation collection.
 */
const PARSE_CHUNK_BYTES = 16 * 1024;
/**
 * Bytes read from a file at a time, handed to the parser 16 KiB at a time: with the stream holding only
 * 16 KiB, each refill was a round trip through libuv's thread pool that the busy main thread then
 * waited on, idle, ~7% of a zero-latency run. 64 KiB reads, 8 interleaved runs of 200k rows: median
 * 2.70 → 2.52 s (256 KiB was slower, and held more memory).
 */
const READ_CHUNK_BYTES = 4 * PARSE_CHUNK_BYTES;

interface Destroyable {
  destroy(error?: Error): unknown;
}

/** Chunks read ahead of a stream, so the stream can be inspected and then consumed from the start. */
interface Peeked {
  chunks: Buffer[];
  bytes: Buffer;
  done: boolean;
}

/** Reads chunks until at least `size` bytes (or the end) are in hand. */
async function peek(iterator: AsyncIterator<Buffer>, size: number): Promise<Peeked> {
  const chunks: Buffer[] = [];
  let length = 0;
  while (length < size) {
    const next = await iterator.next();
    if (next.done === true) return { chunks, bytes: Buffer.concat(chunks), done: true };
    chunks.push(next.value);
    length += next.value.length;
  }
  return { chunks, bytes: Buffer.concat(chunks), done: false };
}

/** The peeked chunks followed by the rest of the iterator. */
async function* replay(peeked: Peeked, rest: AsyncIterator<Buffer>): AsyncGenerator<Buffer> {
  yield* peeked.chunks;
  if (peeked.done) return;
  for (let next = await rest.next(); next.done !== true; next = await rest.next()) yield next.value;
}

/** `first` (unless empty), then the rest of `rest`, which is closed if the consumer stops early. */
async function* withFirst(first: readonly CsvRecord[], rest: AsyncIterableIterator<readonly CsvRecord[]>): AsyncGenerator<readonly CsvRecord[]> {
  try {
    if (first.length > 0) yield first;
    yield* rest;
  } finally {
    await rest.return?.();
  }
}

const openFile = promisify(open);
const statFile = promisify(fstat);

/** Opens the raw byte stream: stdin for '-', else the file (failing early, with the OS reason). */
async function openRaw(
  input: string,
  file: string,
  stdin: NodeJS.ReadableStream | undefined,
): Promise<{ stream: NodeJS.ReadableStream & Destroyable; totalBytes: number | undefined }> {
  if (input === '-') return { stream: (stdin ?? process.stdin) as NodeJS.ReadableStream & Destroyable, totalBytes: undefined };
  const fd = await openFile(input, 'r');
  const stat = await statFile(fd).catch((err: unknown) => {
    closeSync(fd);
    throw err;
  });
  if (stat.isDirectory()) {
    closeSync(fd);
    throw new AppError('E_INPUT', `${file}: cannot read the file (it is a directory)`, { file });
  }
  const totalBytes = stat.isFile() ? stat.size : undefined;
  // fs's own read stream, not a FileHandle's: each read through fs/promises cost about twice the CPU
  // (measured on 19 MB in 16 KiB reads: ~55–95 ms against ~90–135 ms).
  return { stream: createReadStream('', { fd, highWaterMark: READ_CHUNK_BYTES }), totalBytes };
}

/** Yields a stream's chunks as Buffers of at most PARSE_CHUNK_BYTES, counting them (the compressed bytes, for progress). */
async function* countBytes(stream: NodeJS.ReadableStream, onBytes: (n: number) => void): AsyncGenerator<Buffer> {
  for await (const chunk of stream) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    for (let at = 0; at < buf.length; at += PARSE_CHUNK_BYTES) {
      const piece = buf.subarray(at, Math.min(buf.length, at + PARSE_CHUNK_BYTES));
      onBytes(piece.length);
      yield piece;
    }
  }
}

function emptyFileError(file: string): AppError {
  return new AppError('E_INPUT', `${file}: the file is empty (no header row)`, { file, line: 1 });
}

/** Validates a delimiter given by the user (the CLI passes it through). */
function checkDelimiter(delimiter: string): void {
  if (delimiter === '' || /["\r\n]/.test(delimiter)) {
    throw new AppError('E_USAGE', `--delimiter ${JSON.stringify(delimiter)} is not usable: give one character such as "," or ";" or a tab`, {});
  }
}

/**
 * The text format of a file from its decompressed first bytes; refuses binaries and empty files.
 * Also returns the BOM length, which the decoder strips.
 */
function detectTextFormat(
  sample: Peeked,
  file: string,
  delimiterOption: string | undefined,
): { format: Omit<CsvFormat, 'gzip'>; bomLength: number } {
  const { encoding, bom, bomLength } = detectEncoding(sample.bytes, sample.done);
  if (!encoding.startsWith('utf-16') && hasNulByte(sample.bytes)) {
    throw new AppError('E_INPUT', `${file}: looks like a binary file, not CSV/TSV (it contains NUL bytes)`, { file });
  }
  const text = new TextDecoder(encoding).decode(sample.bytes);
  if (sample.done && text.trim() === '') throw emptyFileError(file);
  const delimiter = delimiterOption ?? (isTsvName(file) ? '\t' : sniffDelimiter(text));
  return { format: { delimiter, recordDelimiter: detectRecordDelimiter(text), bom, encoding }, bomLength };
}

/**
 * Opens a CSV/TSV file (optionally gzipped; '-' reads stdin) and reads its header. Throws AppError
 * E_INPUT (unreadable, empty, binary), E_CSV (malformed header) or E_USAGE (bad delimiter); errors met
 * later surface from `records` the same way, naming the file and line.
 */
export async function openCsvSource(input: string, options: CsvSourceOptions = {}): Promise<CsvSource> {
  const file = input === '-' ? 'stdin' : input;
  const maxRecordBytes = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
  if (options.delimiter !== undefined) checkDelimiter(options.delimiter);
  const streams: Destroyable[] = [];
  const close = async (): Promise<void> => {
    for (const stream of streams) stream.destroy();
  };
  let parser: RecordParser | undefined;
  const toError = (err: unknown): unknown => toReadError(err, { file, line: parser?.nextLine() ?? 1, maxRecordBytes });
  let bytesRead = 0;

  try {
    const { stream: raw, totalBytes } = await openRaw(input, file, options.stdin);
    streams.push(raw);
    const compressed = countBytes(raw, (n) => {
      bytesRead += n;
    });
    const magic = await peek(compressed, 2);
    // Magic bytes, not the name, decide: stdin has no name and a renamed file keeps its bytes.
    const gzip = isGzipMagic(magic.bytes);
    let plain: AsyncIterator<Buffer> = replay(magic, compressed);
    if (gzip) {
      const gunzip = createGunzip({ chunkSize: PARSE_CHUNK_BYTES });
      streams.push(gunzip);
      // Errors surface through iteration (and are mapped there); the callback only keeps them handled.
      plain = pipeline(replay(magic, compressed), gunzip, () => undefined)[Symbol.asyncIterator]();
    }
    const sample = await peek(plain, SAMPLE_BYTES);
    const { format, bomLength } = detectTextFormat(sample, file, options.delimiter);

    const recordParser = new RecordParser({ delimiter: format.delimiter, maxRecordBytes });
    parser = recordParser;
    streams.push(recordParser);
    pipeline(decodeToUtf8(replay(sample, plain), format.encoding, bomLength, file), recordParser, () => undefined);
    const pulled = pullBatches(recordParser, toError, close);
    const first = await pulled.next();
    if (first.done === true) throw emptyFileError(file);
    const batches = withFirst(first.value.slice(1), pulled);
    return {
      file,
      header: first.value[0]!.fields,
      format: { ...format, gzip },
      batches,
      records: eachRecord(batches),
      bytesRead: () => bytesRead,
      totalBytes,
      close,
    };
  } catch (err) {
    await close();
    throw toError(err);
  }
}
