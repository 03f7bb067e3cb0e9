/**
 * A row → its CSV line, byte for byte what csv-stringify writes with the writer's options (quote `"`,
 * quote only when needed, any CR/LF quoted, optional formula escaping), without its per-cell
 * allocations: csv-stringify builds a context object and two tuples per cell and was the largest
 * cost of a run. Pure; test/unit/csv-row-text.test.ts checks the equivalence on random rows.
 */

/** The dialect rows are written in. `delimiter` is one character (the reader and CLI enforce it). */
export interface RowTextDialect {
  delimiter: string;
  /** Prefix `'` to cells a spreadsheet would run as a formula (csv-stringify's escape_formulas). */
  excelSafe: boolean;
}

/** Turns one row into its CSV line, without the record delimiter (the writer joins lines with it). */
export type RowFormatter = (row: readonly string[]) => string;

const QUOTE = 34;
const LF = 10;
const CR = 13;

/** Cells starting with these are formula-like (csv-stringify's list, full-width forms included). */
const FORMULA_STARTS = new Set(['-', '=', '+', '@', '\t', '\r', '\uFF1D', '\uFF0B', '\uFF0D', '\uFF20']);

/** How one dialect writes a cell: whether it must be quoted, and its text when it is not written as it is. */
function createCellRules(dialect: RowTextDialect) {
  const { excelSafe } = dialect;
  const separator = dialect.delimiter.charCodeAt(0);

  /** True when the cell must be quoted: it holds the delimiter, a quote, CR or LF. */
  const needsQuotes = (cell: string): boolean => {
    for (let i = 0; i < cell.length; i++) {
      const c = cell.charCodeAt(i);
      if (c === separator || c === QUOTE || c === LF || c === CR) return true;
    }
    return false;
  };

  const isFormula = (cell: string): boolean => excelSafe && cell !== '' && FORMULA_STARTS.has(cell[0]!);

  const formatCell = (value: string): string => {
    let cell = isFormula(value) ? `'${value}` : value;
    if (!needsQuotes(value)) return cell;
    if (cell.includes('"')) cell = cell.replaceAll('"', '""');
    return `"${cell}"`;
  };

  return { separator, needsQuotes, isFormula, formatCell };
}

/** Creates a formatter for a dialect. */
export function createRowFormatter(dialect: RowTextDialect): RowFormatter {
  const { delimiter } = dialect;
  const { needsQuotes, isFormula, formatCell } = createCellRules(dialect);
  const cells: string[] = []; // reused: a row that needs quoting is formatted into it, then joined

  /** True when every cell is written as it is (the common case: the row is joined without copying). */
  const isPlain = (row: readonly string[]): boolean => {
    for (let i = 0; i < row.length; i++) {
      const cell = row[i];
      if (cell === undefined || needsQuotes(cell) || isFormula(cell)) return false;
    }
    return true;
  };

  // One flat string per line from Array#join: building it with `+=` made a rope node per cell.
  return (row) => {
    if (isPlain(row)) return row.join(delimiter);
    cells.length = row.length;
    for (let i = 0; i < row.length; i++) cells[i] = formatCell(row[i] ?? '');
    return cells.join(delimiter);
  };
}

/**
 * Encodes one cell's CSV bytes (the formatter's text for it, as UTF-8) into `buf` at `at`; returns the
 * offset after it. The caller guarantees `maxCellBytes(cell)` bytes of room. ASCII cells written as
 * they are, most of a lead file, are copied byte by byte; others go through the formatter's cell rules.
 */
export type CellEncoder = (cell: string, buf: Buffer, at: number) => number;

/** The most bytes a cell can take once encoded: 3 per UTF-16 unit (UTF-8, or a doubled quote), a formula prefix and two quotes. */
export function maxCellBytes(cell: string): number {
  return 3 * cell.length + 3;
}

/** Creates the cell encoder of a dialect. */
export function createCellEncoder(dialect: RowTextDialect): CellEncoder {
  const { separator, needsQuotes, isFormula, formatCell } = createCellRules(dialect);
  return (cell, buf, at) => {
    let plain = !isFormula(cell);
    for (let i = 0; plain && i < cell.length; i++) {
      const ch = cell.charCodeAt(i);
      if (ch >= 0x80 || ch === separator || ch === QUOTE || ch === LF || ch === CR) plain = false;
      else buf[at + i] = ch;
    }
    if (plain) return at + cell.length;
    const text = needsQuotes(cell) || isFormula(cell) ? formatCell(cell) : cell;
    return at + buf.write(text, at, 'utf8');
  };
}

/**
 * Encodes a row's CSV bytes (the formatter's line, as UTF-8) into `buf` from `at`; returns the offset
 * after it, or -1 when it might reach `end` (nothing at or after `end` is written; the caller makes room
 * or formats the row). The common row thus costs no line string.
 */
export type RowEncoder = (row: readonly string[], buf: Buffer, at: number, end: number) => number;

/** Creates the row encoder of a dialect. */
export function createRowEncoder(dialect: RowTextDialect): RowEncoder {
  const encodeCell = createCellEncoder(dialect);
  const delimiter = Buffer.from(dialect.delimiter, 'utf8');
  return (row, buf, at, end) => {
    for (let c = 0; c < row.length; c++) {
      if (c > 0) {
        if (at + delimiter.length > end) return -1;
        at += delimiter.copy(buf, at);
      }
      const cell = row[c] ?? '';
      if (at + maxCellBytes(cell) > end) return -1;
      at = encodeCell(cell, buf, at);
    }
    return at;
  };
}
