import { isUtf8 } from 'node:buffer';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  detectEncoding,
  detectRecordDelimiter,
  findCompleteUtf8Length,
  findInvalidUtf8,
  hasNulByte,
  isGzipMagic,
  isTsvName,
  sniffDelimiter,
} from '../../src/csv/format.js';

describe('detectEncoding', () => {
  it('recognises the UTF-8 BOM', () => {
    expect(detectEncoding(Buffer.from('\uFEFFa,b\n'), true)).toEqual({ encoding: 'utf-8', bom: true, bomLength: 3 });
  });
  it('recognises UTF-16 BOMs, little and big endian', () => {
    expect(detectEncoding(Buffer.from([0xff, 0xfe, 0x61, 0]), true).encoding).toBe('utf-16le');
    expect(detectEncoding(Buffer.from([0xfe, 0xff, 0, 0x61]), true).encoding).toBe('utf-16be');
  });
  it('says UTF-8 for valid UTF-8 without BOM, windows-1252 otherwise', () => {
    expect(detectEncoding(Buffer.from('José,Zoë\n'), true)).toEqual({ encoding: 'utf-8', bom: false, bomLength: 0 });
    expect(detectEncoding(Buffer.from([0x43, 0x61, 0x66, 0xe9, 0x0a]), true).encoding).toBe('windows-1252');
  });
  it('does not blame a multi-byte character cut at the end of an incomplete sample', () => {
    const cut = Buffer.from('abc é').subarray(0, 5); // "é" is 2 bytes: keep only the first
    expect(detectEncoding(cut, false).encoding).toBe('utf-8');
    expect(detectEncoding(cut, true).encoding).toBe('windows-1252');
  });
});

describe('UTF-8 helpers', () => {
  it('finds where a chunk stops on a character boundary', () => {
    const euro = Buffer.from('€'); // e2 82 ac
    expect(findCompleteUtf8Length(Buffer.concat([Buffer.from('a'), euro]))).toBe(4);
    expect(findCompleteUtf8Length(Buffer.concat([Buffer.from('a'), euro.subarray(0, 2)]))).toBe(1);
    expect(findCompleteUtf8Length(Buffer.concat([Buffer.from('a'), euro.subarray(0, 1)]))).toBe(1);
    expect(findCompleteUtf8Length(Buffer.from('😀'))).toBe(4);
    expect(findCompleteUtf8Length(Buffer.from('😀').subarray(0, 3))).toBe(0);
  });
  it('finds the first invalid byte', () => {
    expect(findInvalidUtf8(Buffer.from('plain ascii'))).toBe(-1);
    expect(findInvalidUtf8(Buffer.from([0x61, 0x62, 0xe9, 0x63]))).toBe(2);
    expect(findInvalidUtf8(Buffer.from([0x61, 0xc0, 0x80]))).toBe(1); // overlong NUL
    expect(findInvalidUtf8(Buffer.from([0xed, 0xa0, 0x80]))).toBe(0); // UTF-16 surrogate
  });
  it('agrees with Node on what is valid UTF-8 (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
        expect(findInvalidUtf8(bytes) === -1).toBe(isUtf8(bytes));
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (text) => {
        expect(findInvalidUtf8(Buffer.from(text))).toBe(-1);
      }),
    );
  });
  it('never cuts inside a character of valid text (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.nat(), (text, cutAt) => {
        const bytes = Buffer.from(text);
        const cut = bytes.subarray(0, bytes.length === 0 ? 0 : cutAt % (bytes.length + 1));
        expect(isUtf8(cut.subarray(0, findCompleteUtf8Length(cut)))).toBe(true);
      }),
    );
  });
});

describe('sniffDelimiter', () => {
  it('picks the most frequent candidate on the first line', () => {
    expect(sniffDelimiter('a,b,c\n1;2;3;4;5\n')).toBe(',');
    expect(sniffDelimiter('a;b;c\n')).toBe(';');
    expect(sniffDelimiter('a\tb\tc\n')).toBe('\t');
    expect(sniffDelimiter('a|b|c')).toBe('|');
  });
  it('ignores delimiters inside quotes', () => {
    expect(sniffDelimiter('"last, first";"x, y, z";phone\n')).toBe(';');
  });
  it('defaults to comma (single column, or ties)', () => {
    expect(sniffDelimiter('phone\n2125550101\n')).toBe(',');
    expect(sniffDelimiter('a,b;c\n')).toBe(',');
  });
});

describe('detectRecordDelimiter', () => {
  it('reports CRLF or LF from the first line break outside quotes', () => {
    expect(detectRecordDelimiter('a,b\r\n1,2\n')).toBe('\r\n');
    expect(detectRecordDelimiter('a,b\n1,2\r\n')).toBe('\n');
    expect(detectRecordDelimiter('"multi\nline",b\r\n')).toBe('\r\n');
    expect(detectRecordDelimiter('no line break')).toBe('\n');
  });
});

describe('names and magic', () => {
  it('detects TSV by extension, also under .gz', () => {
    expect(isTsvName('leads.tsv')).toBe(true);
    expect(isTsvName('LEADS.TAB')).toBe(true);
    expect(isTsvName('leads.tsv.gz')).toBe(true);
    expect(isTsvName('leads.csv.gz')).toBe(false);
    expect(isTsvName('stdin')).toBe(false);
  });
  it('detects gzip by magic bytes and binaries by NUL bytes', () => {
    expect(isGzipMagic(Buffer.from([0x1f, 0x8b, 8]))).toBe(true);
    expect(isGzipMagic(Buffer.from([0x1f]))).toBe(false);
    expect(hasNulByte(Buffer.from('a,b\n'))).toBe(false);
    expect(hasNulByte(Buffer.from([0x61, 0, 0x62]))).toBe(true);
  });
});
