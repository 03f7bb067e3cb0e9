/**
 * What the rules and the export CSV need to know about an ANI record's documented fields: which are
 * numbers, how a user may spell them, and how to read one from a loosely typed record.
 */
import { ANI_FIELDS, AniRecord, type AniField } from '../api/schemas.js';

/** `number` for the counters and rates; `text` for everything else (ids, dates, names). */
export type AniFieldKind = 'number' | 'text';

// Derived from the shared schema rather than listed again: a field is numeric when the schema
// refuses text for it (`id` accepts both, so it is text).
const KINDS = new Map<AniField, AniFieldKind>(
  ANI_FIELDS.map((field) => [field, AniRecord.shape[field].safeParse('x').success ? 'text' : 'number']),
);

const BY_NORMALISED_NAME = new Map<string, AniField>(ANI_FIELDS.map((field) => [normaliseFieldName(field), field]));

/** A plain decimal number as a spreadsheet or the API writes it (no hex, no blanks, no "Infinity"). */
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/i;

/** Whether a documented field holds a number or text. */
export function aniFieldKind(field: AniField): AniFieldKind {
  return KINDS.get(field) ?? 'text';
}

/** Finds a documented field by name, ignoring case, spaces, `_` and `-` ("block_rate" → blockRate). */
export function findAniField(name: string): AniField | undefined {
  return BY_NORMALISED_NAME.get(normaliseFieldName(name));
}

/** A number field's value, or null when absent or not a number (text that is a number counts). */
export function readNumberField(ani: AniRecord, field: AniField): number | null {
  const value: unknown = ani[field];
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string') return parseDecimal(value);
  return null;
}

/** A text field's value, or null when absent (a number, such as a numeric id, is read as its text). */
export function readTextField(ani: AniRecord, field: AniField): string | null {
  const value: unknown = ani[field];
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  return null;
}

/** Parses a plain decimal number; null for empty or anything else. */
export function parseDecimal(text: string): number | null {
  const trimmed = text.trim();
  if (!DECIMAL.test(trimmed)) return null;
  const value = Number(trimmed);
  return Number.isFinite(value) ? value : null;
}

function normaliseFieldName(name: string): string {
  return name.toLowerCase().replace(/[\s_-]+/g, '');
}
