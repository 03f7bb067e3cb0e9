/**
 * One row of an `nrm apply` actions file (`ani,action,carrier,note,date`), checked and turned into
 * the exact request body the API allows, before anything is sent. Bad rows come back as errors
 * (the row becomes `invalid`), never as throws.
 */
import { NRM_ACTIONS, type NrmAction, type NrmActionRequest } from '../api/schemas.js';
import { AppError } from '../errors.js';
import { formatApiDate, normaliseActionDate } from './api-date.js';

export { normaliseActionDate } from './api-date.js';

/** Zero-based indexes of the actions file's columns; only `ani` is required. */
export interface ActionColumns {
  ani: number;
  action?: number;
  carrier?: number;
  note?: number;
  date?: number;
}

/** A row ready to send (`request` is a valid NrmActionRequest), or why it must not be sent. */
export type PreparedAction = { ok: true; action: NrmAction; request: NrmActionRequest } | { ok: false; error: string };

/** The columns of a headerless file (a plain list of ANIs, one a line): the ANI is column 0. */
export const HEADERLESS_ACTION_COLUMNS: ActionColumns = Object.freeze({ ani: 0 });

// Header names each column answers to, once normalised (lower case, no space/_/-), best first.
const COLUMN_NAMES = {
  ani: ['ani', 'aninumber', 'phone', 'phonenumber', 'number'],
  action: ['action', 'nrmaction'],
  carrier: ['carrier', 'carrierid'],
  note: ['note', 'notes', 'comment'],
  date: ['date', 'activationdate', 'activatedate', 'datetime'],
} as const satisfies Record<keyof ActionColumns, readonly string[]>;

/** Lower-cases a header name and drops spaces, `_` and `-` ("ANI Number" → "aninumber"). */
export function normaliseHeaderName(name: string): string {
  return name.replace(/^\uFEFF/, '').toLowerCase().replace(/[\s_-]+/g, '');
}

/** Maps an actions file's header to its columns; throws E_NO_PHONE_COLUMN when no ANI column exists. */
export function resolveActionColumns(header: readonly string[], file?: string): ActionColumns {
  const names = header.map(normaliseHeaderName);
  const find = (aliases: readonly string[]): number | undefined => {
    for (const alias of aliases) {
      const index = names.indexOf(alias);
      if (index >= 0) return index;
    }
    return undefined;
  };
  const ani = find(COLUMN_NAMES.ani);
  if (ani === undefined) {
    const where = file === undefined ? 'the actions file' : file;
    throw new AppError(
      'E_NO_PHONE_COLUMN',
      `${where}: no ANI column (expected a header named ani, ani number, phone or number; found ${header.map((h) => JSON.stringify(h)).join(', ')})`,
      { file, line: 1 },
    );
  }
  const columns: ActionColumns = { ani };
  for (const key of ['action', 'carrier', 'note', 'date'] as const) {
    const index = find(COLUMN_NAMES[key]);
    if (index !== undefined) columns[key] = index;
  }
  return columns;
}

/** True when the "header" is really a first ANI (a plain list of ANIs): use HEADERLESS_ACTION_COLUMNS. */
export function looksLikeHeaderlessAniList(header: readonly string[]): boolean {
  const first = header[0];
  return first !== undefined && normaliseAni(first).ok;
}

/**
 * Digits only; an 11-digit number starting with 1 → its 10-digit form; then 10–15 digits or an error.
 * Letters are refused (an extension's digits glued on could pass for another, international number),
 * the same policy as the leads' phone clean-up.
 */
export function normaliseAni(raw: string): { ok: true; ani: string } | { ok: false; error: string } {
  const text = raw.trim();
  if (text === '') return { ok: false, error: 'ani is empty' };
  if (/\p{L}/u.test(text)) {
    return /^[+-]?\d+(?:[.,]\d+)?e[+-]?\d+$/i.test(text)
      ? { ok: false, error: `ani "${text}" is in scientific notation (a spreadsheet rounded it): format the column as text` }
      : { ok: false, error: `ani "${text}" contains letters (only the number, without extension)` };
  }
  let digits = text.replace(/\D+/g, '');
  if (digits.length === 11 && digits.startsWith('1')) digits = digits.slice(1);
  if (digits.length < 10 || digits.length > 15) {
    return { ok: false, error: `ani "${text}" has ${digits.length} digits (expected 10–15)` };
  }
  return { ok: true, ani: digits };
}

/** Reads an action name case-insensitively. */
export function parseNrmAction(raw: string): NrmAction | undefined {
  const name = raw.trim().toLowerCase();
  return NRM_ACTIONS.find((action) => action === name);
}

/**
 * Checks one row and builds its request. The action comes from the row, else `defaultAction`
 * (`--action`). `date` is required by activate, optional for pause and never sent for remediate
 * (the API's remediate takes none); the word `now` stands for the current time (UTC). Empty
 * optional fields are left out of the request.
 */
export function prepareAction(
  fields: readonly string[],
  columns: ActionColumns,
  defaultAction?: NrmAction,
  now: Date = new Date(),
): PreparedAction {
  const cell = (index: number | undefined): string => (index === undefined ? '' : (fields[index] ?? '').trim());
  const ani = normaliseAni(cell(columns.ani));
  if (!ani.ok) return ani;

  const actionText = cell(columns.action);
  const action = actionText === '' ? defaultAction : parseNrmAction(actionText);
  if (action === undefined) {
    return actionText === ''
      ? { ok: false, error: 'no action (expected pause, activate or remediate in the action column or --action)' }
      : { ok: false, error: `unknown action "${actionText}" (expected pause, activate or remediate)` };
  }

  const request: NrmActionRequest = { ani: ani.ani };
  const carrier = cell(columns.carrier);
  if (carrier !== '') {
    if (!/^\d{6}$/.test(carrier)) return { ok: false, error: `carrier "${carrier}" is not a 6-digit carrier ID` };
    request.carrier = carrier;
  }
  const note = cell(columns.note);
  if (note !== '') request.note = note;

  if (action !== 'remediate') {
    const dateText = cell(columns.date);
    if (dateText === '' && action === 'activate') {
      return { ok: false, error: 'activate needs a date (YYYYMMDDHHmmss or ISO-8601)' };
    }
    if (dateText !== '') {
      const date = dateText.toLowerCase() === 'now' ? { ok: true as const, date: formatApiDate(now) } : normaliseActionDate(dateText);
      if (!date.ok) return date;
      request.date = date.date;
    }
  }
  return { ok: true, action, request };
}
