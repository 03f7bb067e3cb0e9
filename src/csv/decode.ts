/**
 * The decoding stage between the raw bytes and the CSV parser: everything leaves it as UTF-8 bytes.
 * UTF-8 input is validated and passed through untouched (no decode/re-encode on the hot path); the
 * other encodings are transcoded with the WHATWG TextDecoder (Node ships windows-1252 and UTF-16).
 */
import { isUtf8 } from 'node:buffer';
import { AppError } from '../errors.js';
import type { CsvFormat } from './format.js';
import { findCompleteUtf8Length, findInvalidUtf8 } from './format.js';

/** Counts LF bytes in `buf[0, end)`: the line number of a bad byte is that count + 1. */
function countLineFeeds(buf: Uint8Array, end: number): number {
  let n = 0;
  let i = buf.indexOf(10);
  while (i !== -1 && i < end) {
    n++;
    i = buf.indexOf(10, i + 1);
  }
  return n;
}

/** The error for a byte sequence that is not UTF-8 in a file detected as UTF-8. */
function invalidUtf8Error(file: string, line: number): AppError {
  return new AppError(
    'E_INPUT',
    `${file}: line ${line}: bytes that are not valid UTF-8 (the start of the file is UTF-8; re-export it all as UTF-8)`,
    { file, line },
  );
}

/**
 * Yields the chunks unchanged once they are known to be valid UTF-8; a character split across chunks
 * is carried to the next one. Throws E_INPUT naming the line of the first invalid byte.
 */
async function* validateUtf8(chunks: AsyncIterable<Buffer>, file: string): AsyncGenerator<Buffer> {
  let carry: Buffer | undefined;
  let lineFeeds = 0;
  for await (const chunk of chunks) {
    const buf: Buffer = carry === undefined ? chunk : Buffer.concat([carry, chunk]);
    const end = findCompleteUtf8Length(buf);
    const body = end === buf.length ? buf : buf.subarray(0, end);
    carry = end === buf.length ? undefined : Buffer.from(buf.subarray(end));
    if (!isUtf8(body)) {
      const bad = findInvalidUtf8(body);
      throw invalidUtf8Error(file, lineFeeds + countLineFeeds(body, bad === -1 ? body.length : bad) + 1);
    }
    lineFeeds += countLineFeeds(body, body.length);
    if (body.length > 0) yield body;
  }
  if (carry !== undefined) throw invalidUtf8Error(file, lineFeeds + 1);
}

/** Transcodes UTF-16 or windows-1252 chunks to UTF-8 (the decoder drops a UTF-16 BOM itself). */
async function* transcodeToUtf8(
  chunks: AsyncIterable<Buffer>,
  encoding: Exclude<CsvFormat['encoding'], 'utf-8'>,
): AsyncGenerator<Buffer> {
  const decoder = new TextDecoder(encoding);
  for await (const chunk of chunks) {
    const text = decoder.decode(chunk, { stream: true });
    if (text.length > 0) yield Buffer.from(text, 'utf8');
  }
  const tail = decoder.decode();
  if (tail.length > 0) yield Buffer.from(tail, 'utf8');
}

/** Strips `length` leading bytes (a UTF-8 BOM) from the first chunks. */
async function* skipBytes(chunks: AsyncIterable<Buffer>, length: number): AsyncGenerator<Buffer> {
  let left = length;
  for await (const chunk of chunks) {
    if (left === 0) yield chunk;
    else if (chunk.length <= left) left -= chunk.length;
    else {
      yield chunk.subarray(left);
      left = 0;
    }
  }
}

/** The decoding stage for a detected encoding: UTF-8 bytes without BOM out, E_INPUT on bad UTF-8. */
export function decodeToUtf8(
  chunks: AsyncIterable<Buffer>,
  encoding: CsvFormat['encoding'],
  bomLength: number,
  file: string,
): AsyncGenerator<Buffer> {
  if (encoding !== 'utf-8') return transcodeToUtf8(chunks, encoding);
  return validateUtf8(bomLength > 0 ? skipBytes(chunks, bomLength) : chunks, file);
}
