import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRowEncoder, createRowFormatter, type RowTextDialect } from '../../src/csv/row-text.js';

/** Characters that matter to quoting and formula escaping, and some that do not. */
const CELL_CHARS = [',', ';', '\t', '|', '"', "'", '\r', '\n', '=', '+', '-', '@', '\uFF1D', '\uFF0B', '\uFF0D', '\uFF20', 'a', 'Z', '5', ' ', 'é', 'Ł', '😀'];
const cell = fc.array(fc.constantFrom(...CELL_CHARS), { maxLength: 8 }).map((chars) => chars.join(''));
const rows = fc.array(fc.array(cell, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 5 });
const dialect = fc.record({
  delimiter: fc.constantFrom(',', ';', '\t', '|'),
  recordDelimiter: fc.constantFrom('\n', '\r\n'),
  excelSafe: fc.boolean(),
});

/** Formats rows as the writer does: each line followed by the record delimiter. */
function formatRows(d: RowTextDialect & { recordDelimiter: string }, data: readonly string[][]): string {
  const format = createRowFormatter(d);
  return data.map((row) => format(row) + d.recordDelimiter).join('');
}

describe('createRowFormatter', () => {
  it('writes exactly what csv-stringify writes with the same options', () => {
    fc.assert(
      fc.property(dialect, rows, (d, data) => {
        const expected = stringify(data, { delimiter: d.delimiter, record_delimiter: d.recordDelimiter, quote: '"', quote_record_delimiter: true, escape_formulas: d.excelSafe });
        expect(formatRows(d, data)).toBe(expected);
      }),
      { numRuns: 2000, seed: 5 },
    );
  });

  it('round-trips through csv-parse when formulas are not escaped', () => {
    fc.assert(
      fc.property(dialect, rows, (d, data) => {
        const text = formatRows({ ...d, excelSafe: false }, data);
        const back: string[][] = parse(text, { delimiter: d.delimiter, record_delimiter: ['\r\n', '\n', '\r'], relax_column_count: true });
        // A row of one empty cell is an empty line, which csv-parse cannot tell from no row at all.
        const expected = data.filter((row) => !(row.length === 1 && row[0] === ''));
        expect(back.filter((row) => !(row.length === 1 && row[0] === ''))).toEqual(expected);
      }),
      { numRuns: 1000, seed: 6 },
    );
  });

  it('quotes only cells that need it and doubles quotes inside them', () => {
    const format = createRowFormatter({ delimiter: ',', excelSafe: false });
    expect(format(['plain', '', 'a,b', 'say "hi"', 'two\nlines', 'cr\r', '+1 212 555 0101'])).toBe('plain,,"a,b","say ""hi""","two\nlines","cr\r",+1 212 555 0101');
  });

  it('prefixes formula-like cells only when excel-safe, quoting by the original value', () => {
    const format = createRowFormatter({ delimiter: ';', excelSafe: true });
    expect(format(['=SUM(A1)', '+1 212', '-5', '@x', 'ok', '\uFF1D1', '=a;b'])).toBe("'=SUM(A1);'+1 212;'-5;'@x;ok;'\uFF1D1;\"'=a;b\"");
    expect(createRowFormatter({ delimiter: ';', excelSafe: false })(['=SUM(A1)'])).toBe('=SUM(A1)');
  });
});

describe('createRowEncoder', () => {
  it("encodes exactly the formatter's line as UTF-8, and never writes at or after `end`", () => {
    fc.assert(
      fc.property(dialect, rows, fc.nat(60), (d, data, slack) => {
        const encode = createRowEncoder(d);
        const format = createRowFormatter(d);
        for (const row of data) {
          const line = Buffer.from(format(row), 'utf8');
          const roomy = Buffer.alloc(3 + 6 * line.length + 16);
          const at = encode(row, roomy, 3, roomy.length);
          expect(roomy.subarray(3, at)).toEqual(line); // with room to spare, always encoded
          const end = 3 + Math.min(line.length, slack); // sometimes too short for the row
          const tight = Buffer.alloc(end + 8, 0xee);
          const tightAt = encode(row, tight, 3, end);
          expect(tight.subarray(end).every((b) => b === 0xee)).toBe(true);
          if (tightAt >= 0) expect(tight.subarray(3, tightAt)).toEqual(line);
        }
      }),
      { numRuns: 2000, seed: 7 },
    );
  });

  it('copies plain cells and quotes the others, like the formatter', () => {
    const encode = createRowEncoder({ delimiter: ',', excelSafe: false });
    const buf = Buffer.alloc(64);
    const at = encode(['Ada', '+1 212-555-0101', '', 'Acme, Inc.', 'café'], buf, 0, 64);
    expect(buf.toString('utf8', 0, at)).toBe('Ada,+1 212-555-0101,,"Acme, Inc.",café');
    expect(encode(['Ada', '2125550101'], buf, 0, 10)).toBe(-1); // does not fit
  });
});
