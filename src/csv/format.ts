/**
 * What a lead file looks like on the wire, detected from its first bytes: compression, text encoding,
 * delimiter and line ending. Pure functions over a sample, so the reader stays a thin adapter.
 */
import { isUtf8 } from 'node:buffer';

/** Encoding, delimiters and wrapping of a CSV file; the writer reuses the text parts. */
export interface CsvFormat {
  delimiter: string;
  recordDelimiter: '\n' | '\r\n';
  bom: boolean;
  encoding: 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1252';
  gzip: boolean;
}

/** The encoding of a sample, whether it started with a byte order mark, and how long that mark is. */
export interface DetectedEncoding {
  encoding: CsvFormat['encoding'];
  bom: boolean;
  bomLength: number;
}

/** The delimiters a header line is sniffed for, in order of preference on ties. */
const SNIFFED_DELIMITERS = [',', '\t', ';', '|'] as const;

/** True when the bytes start with the gzip magic number (1f 8b). */
export function isGzipMagic(head: Uint8Array): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

/** The file name without a trailing `.gz`, so `leads.tsv.gz` is recognised as TSV. */
function stripGz(name: string): string {
  return name.toLowerCase().endsWith('.gz') ? name.slice(0, -3) : name;
}

/** True when the file name says tab-separated (.tsv / .tab, also under .gz). */
export function isTsvName(name: string): boolean {
  const base = stripGz(name).toLowerCase();
  return base.endsWith('.tsv') || base.endsWith('.tab');
}

/**
 * Detects the text encoding of the first (decompressed) bytes. A BOM decides; otherwise bytes that are
 * not valid UTF-8 mean a legacy Windows export (windows-1252, a superset of Latin-1). `complete` tells
 * whether the sample is the whole file: if not, a multi-byte character cut at its end is not an error.
 */
export function detectEncoding(sample: Buffer, complete: boolean): DetectedEncoding {
  if (sample.length >= 3 && sample[0] === 0xef && sample[1] === 0xbb && sample[2] === 0xbf) {
    return { encoding: 'utf-8', bom: true, bomLength: 3 };
  }
  if (sample.length >= 2 && sample[0] === 0xff && sample[1] === 0xfe) {
    return { encoding: 'utf-16le', bom: true, bomLength: 2 };
  }
  if (sample.length >= 2 && sample[0] === 0xfe && sample[1] === 0xff) {
    return { encoding: 'utf-16be', bom: true, bomLength: 2 };
  }
  const body = complete ? sample : sample.subarray(0, findCompleteUtf8Length(sample));
  return { encoding: isUtf8(body) ? 'utf-8' : 'windows-1252', bom: false, bomLength: 0 };
}

/** True when the sample holds a NUL byte: text files (other than UTF-16) never do, binaries always. */
export function hasNulByte(sample: Buffer): boolean {
  return sample.indexOf(0) !== -1;
}

/**
 * The length of the prefix of `buf` that ends on a UTF-8 character boundary: a multi-byte sequence
 * cut by a chunk boundary is left for the next chunk. Invalid bytes count as complete (the validator
 * reports them).
 */
export function findCompleteUtf8Length(buf: Uint8Array): number {
  const len = buf.length;
  // A sequence is at most 4 bytes: only the last 3 can belong to an unfinished one.
  for (let back = 1; back <= 3 && back <= len; back++) {
    const byte = buf[len - back] as number;
    if ((byte & 0xc0) === 0x80) continue; // continuation byte: keep looking for the lead byte
    const need = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return need > back ? len - back : len;
  }
  return len;
}

/**
 * Index of the first byte of `buf` that is not part of a valid UTF-8 sequence (RFC 3629: no overlongs,
 * no surrogates, nothing above U+10FFFF), or -1. Only called once a chunk failed validation, to name
 * the line.
 */
export function findInvalidUtf8(buf: Uint8Array): number {
  let i = 0;
  while (i < buf.length) {
    const b = buf[i] as number;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min = 0x80;
    let max = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) min = 0xa0;
      if (b === 0xed) max = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) min = 0x90;
      if (b === 0xf4) max = 0x8f;
    } else return i;
    for (let k = 1; k <= need; k++) {
      const c = buf[i + k];
      if (c === undefined || c < (k === 1 ? min : 0x80) || c > (k === 1 ? max : 0xbf)) return i;
    }
    i += need + 1;
  }
  return -1;
}

/**
 * The delimiter of a header line: the most frequent of comma, tab, semicolon and pipe outside quotes
 * on the first line (comma on ties and when none appears).
 */
export function sniffDelimiter(text: string): string {
  const counts = new Map<string, number>(SNIFFED_DELIMITERS.map((d) => [d, 0]));
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === '\n' || ch === '\r')) break;
    else if (!quoted && counts.has(ch)) counts.set(ch, (counts.get(ch) as number) + 1);
  }
  let best: string = ',';
  let bestCount = 0;
  for (const d of SNIFFED_DELIMITERS) {
    const n = counts.get(d) as number;
    if (n > bestCount) {
      best = d;
      bestCount = n;
    }
  }
  return best;
}

/** The line ending of the first line break outside quotes (LF when the sample has none). */
export function detectRecordDelimiter(text: string): '\n' | '\r\n' {
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') quoted = !quoted;
    else if (!quoted && ch === '\n') return i > 0 && text[i - 1] === '\r' ? '\r\n' : '\n';
  }
  return '\n';
}
