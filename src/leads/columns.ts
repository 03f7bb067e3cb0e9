/**
 * Which input column holds the phone, zip, campaign and row id (by header name, or as the user says),
 * and where the enriched file's outboundani / error / status columns go. Pure.
 */
import { AppError } from '../errors.js';

/** Column names or 1-based numbers given on the command line (--phone-column …). */
export interface ColumnOverrides {
  phone?: string;
  zip?: string;
  campaign?: string;
  id?: string;
}

/** 0-based indexes of the columns a lead is built from. */
export interface ColumnMap {
  phone: number;
  zip?: number;
  campaign?: number;
  id?: number;
}

/** The enriched file's header and the indexes of the three columns oiq-batch fills. */
export interface OutputLayout {
  header: string[];
  outboundani: number;
  error: number;
  status: number;
  width: number;
}

type Role = keyof ColumnOverrides;

/** Header aliases per role, best first; the first is the API's canonical field name. */
const ALIASES: Readonly<Record<Role, readonly string[]>> = {
  phone: [
    'prospect_phone', 'phone', 'phone number', 'mobile', 'mobile phone', 'mobile number', 'cell',
    'cell phone', 'cell number', 'telephone', 'telephone number', 'tel', 'primary phone',
    'contact phone', 'contact number', 'phone 1', 'home phone', 'work phone', 'business phone',
  ],
  zip: ['prospect_zip', 'zip', 'zip code', 'zipcode', 'postal code', 'postcode', 'postal', 'zip5', 'zip 5'],
  campaign: ['dialer_campaign', 'campaign', 'campaign id', 'campaign code', 'campaign name'],
  id: ['row_id', 'id', 'lead id', 'record id', 'row id', 'contact id', 'external id'],
};

const FLAGS: Readonly<Record<Role, string>> = {
  phone: '--phone-column',
  zip: '--zip-column',
  campaign: '--campaign-column',
  id: '--id-column',
};

/** A header name as matched: lower case, without spaces, `_`, `-` or `.` ("Phone_Number" → "phonenumber"). */
function normaliseName(name: string): string {
  return name.toLowerCase().replace(/[\s_.-]+/g, '');
}

const NORMALISED_ALIASES: Readonly<Record<Role, readonly string[]>> = {
  phone: ALIASES.phone.map(normaliseName),
  zip: ALIASES.zip.map(normaliseName),
  campaign: ALIASES.campaign.map(normaliseName),
  id: ALIASES.id.map(normaliseName),
};

/** The header names for messages (an unnamed column shows as its position). */
function listColumns(header: readonly string[]): string {
  return header.map((name, i) => (name.trim() === '' ? `(unnamed column ${i + 1})` : name)).join(', ');
}

/** Resolves an override (a header name matched loosely, or a 1-based column number). */
function findOverride(header: readonly string[], role: Role, value: string): number {
  const flag = FLAGS[role];
  if (/^\d+$/.test(value.trim())) {
    const index = Number(value.trim()) - 1;
    if (index < 0 || index >= header.length) {
      throw new AppError('E_USAGE', `${flag} ${value.trim()} is out of range: the file has ${header.length} columns`, {});
    }
    return index;
  }
  const wanted = normaliseName(value);
  const matches = header.flatMap((name, i) => (normaliseName(name) === wanted && wanted !== '' ? [i] : []));
  if (matches.length === 0) {
    throw new AppError('E_USAGE', `${flag} "${value}" matches no column; columns are: ${listColumns(header)}`, {});
  }
  if (matches.length > 1) {
    throw new AppError(
      'E_USAGE',
      `${flag} "${value}" matches ${matches.length} columns (${matches.map((i) => i + 1).join(', ')}); give the column number instead`,
      {},
    );
  }
  return matches[0] as number;
}

/**
 * The column that best matches a role's aliases: an exact canonical name first, then alias order.
 * Two columns equally good (e.g. "Phone" and "phone") are refused: guessing could send the wrong data.
 */
function findByAlias(header: readonly string[], role: Role): number | undefined {
  const canonical = ALIASES[role][0];
  const aliases = NORMALISED_ALIASES[role];
  let best: number[] = [];
  let bestRank = Number.POSITIVE_INFINITY;
  header.forEach((name, i) => {
    const alias = aliases.indexOf(normaliseName(name));
    if (alias === -1) return;
    const rank = name.trim() === canonical ? -1 : alias;
    if (rank < bestRank) {
      best = [i];
      bestRank = rank;
    } else if (rank === bestRank) best.push(i);
  });
  if (best.length > 1) {
    const names = best.map((i) => `"${header[i]}" (column ${i + 1})`).join(' and ');
    throw new AppError('E_USAGE', `columns ${names} could both be the ${role} column: choose one with ${FLAGS[role]}`, {});
  }
  return best[0];
}

/**
 * Maps the header to the lead's columns. Overrides win over aliases. Throws E_USAGE for an override
 * that names no column or an ambiguous header, E_NO_PHONE_COLUMN when nothing looks like a phone.
 */
export function resolveColumns(header: readonly string[], overrides: ColumnOverrides = {}, file?: string): ColumnMap {
  const find = (role: Role): number | undefined => {
    const override = overrides[role];
    return override !== undefined ? findOverride(header, role, override) : findByAlias(header, role);
  };
  const phone = find('phone');
  if (phone === undefined) {
    const looked = 'prospect_phone, phone, phone number, mobile, cell, telephone';
    throw new AppError(
      'E_NO_PHONE_COLUMN',
      `${file ?? 'the input'}: no phone column found (looked for ${looked}, …); ` +
        `columns are: ${listColumns(header)}. Use --phone-column NAME.`,
      file === undefined ? {} : { file, line: 1 },
    );
  }
  const map: ColumnMap = { phone };
  const zip = find('zip');
  if (zip !== undefined) map.zip = zip;
  const campaign = find('campaign');
  if (campaign !== undefined) map.campaign = campaign;
  const id = find('id');
  if (id !== undefined) map.id = id;
  return map;
}

/** The output columns oiq-batch fills, in the order they are appended. */
const OUTPUT_COLUMNS = ['outboundani', 'error', 'status'] as const;

/**
 * The enriched file's header: the input's, then outboundani, error, status appended — unless the input
 * already has them (case-insensitively, as a rerun's input does), in which case they are reused in place.
 */
export function layoutOutput(header: readonly string[]): OutputLayout {
  const out = [...header];
  const lower = header.map((name) => name.trim().toLowerCase());
  const place = (name: (typeof OUTPUT_COLUMNS)[number]): number => {
    const at = lower.indexOf(name);
    if (at !== -1) return at;
    out.push(name);
    return out.length - 1;
  };
  const outboundani = place('outboundani');
  const error = place('error');
  const status = place('status');
  return { header: out, outboundani, error, status, width: out.length };
}
