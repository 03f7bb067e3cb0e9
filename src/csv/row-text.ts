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

/** Creates a formatter for a dialect. */
export function createRowFormatter(dialect: RowTextDialect): RowFormatter {
  const { delimiter, excelSafe } = dialect;
  const separator = delimiter.charCodeAt(0);
  const cells: string[] = []; // reused: a row that needs quoting is formatted into it, then joined

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
