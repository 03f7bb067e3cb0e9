/**
 * The one mapping between an ANI record and a row of the `nrm export` CSV (every documented field,
 * in the docs' order), shared by `nrm export` (record → row) and `nrm plan` (row → record).
 */
import { ANI_FIELDS, type AniField, type AniRecord } from '../api/schemas.js';
import { AppError } from '../errors.js';
import { aniFieldKind, parseDecimal } from './ani-fields.js';
import { normaliseHeaderName } from './action-row.js';

// Fields a record cannot do without: a plan needs the number and its status.
const REQUIRED_COLUMNS: readonly AniField[] = ['phone', 'status'];

// Column index per field, computed once per header array (a file has one header, rows are many).
const headerIndexes = new WeakMap<readonly string[], ReadonlyMap<AniField, number>>();

/** The export's row for one ANI: every ANI_FIELDS field in order; null/absent → empty; numbers as given. */
export function aniRecordToRow(ani: AniRecord): string[] {
  return ANI_FIELDS.map((field) => {
    const value: unknown = ani[field];
    return value === null || value === undefined ? '' : String(value);
  });
}

/**
 * Rebuilds a typed AniRecord from a row of an `nrm export` CSV (columns found by name, ignoring case,
 * spaces, `_` and `-`): number fields parsed, empty → null, a digits-only id → a number as the API
 * gives it. Throws E_INPUT when the header lacks phone or status, or a number field holds text; the
 * caller adds the file and line.
 */
export function recordFromCsvRow(header: readonly string[], fields: readonly string[]): AniRecord {
  const indexes = indexHeader(header);
  const cell = (field: AniField): string => {
    const index = indexes.get(field);
    return index === undefined ? '' : (fields[index] ?? '');
  };
  const record: Record<string, unknown> = {};
  for (const field of ANI_FIELDS) {
    const raw = cell(field);
    if (field === 'id') record[field] = /^\d+$/.test(raw.trim()) && Number.isSafeInteger(Number(raw)) ? Number(raw) : raw;
    else if (REQUIRED_COLUMNS.includes(field)) record[field] = raw;
    else if (raw.trim() === '') record[field] = null;
    else if (aniFieldKind(field) === 'text') record[field] = raw;
    else record[field] = parseNumberCell(field, raw, indexes.get(field));
  }
  return record as AniRecord;
}

function parseNumberCell(field: AniField, raw: string, index: number | undefined): number {
  const value = parseDecimal(raw);
  if (value === null) {
    throw new AppError('E_INPUT', `column ${field}: "${raw}" is not a number`, { column: field, index });
  }
  return value;
}

function indexHeader(header: readonly string[]): ReadonlyMap<AniField, number> {
  const cached = headerIndexes.get(header);
  if (cached) return cached;
  const names = header.map(normaliseHeaderName);
  const indexes = new Map<AniField, number>();
  for (const field of ANI_FIELDS) {
    const index = names.indexOf(normaliseHeaderName(field));
    if (index >= 0) indexes.set(field, index);
  }
  const missing = REQUIRED_COLUMNS.filter((field) => !indexes.has(field));
  if (missing.length > 0) {
    throw new AppError(
      'E_INPUT',
      `not an nrm export: no ${missing.join(' or ')} column (expected the columns of nrm export: ${ANI_FIELDS.join(', ')})`,
      { line: 1, missing },
    );
  }
  headerIndexes.set(header, indexes);
  return indexes;
}
