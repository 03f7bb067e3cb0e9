/**
 * A fast reader of the batch bodies clients actually send: one pass over the text that pulls out each
 * lead's fields without JSON.parse's object per lead. It accepts only a strict subset of JSON whose
 * meaning is unambiguous — a top-level object of `real_time` (true, false or null) and a non-empty
 * `leads` array of objects holding only `row_id` (a non-empty string), `prospect_phone`,
 * `prospect_zip` and `dialer_campaign` (strings or null), each key at most once, the whole body
 * printable ASCII without a backslash (so no escapes, and only spaces between tokens). Anything else
 * answers undefined and the caller falls back to JSON.parse and the general checks, so this reader
 * never decides a refusal.
 */

/** The leads of a batch body, as columns (index i is leads[i]). */
export interface ScannedBatch {
  /** Each row_id with its quotes, exactly as JSON.stringify writes it. */
  readonly quotedRowIds: string[];
  /** prospect_phone, or undefined when null or absent. */
  readonly phones: Array<string | undefined>;
  /** prospect_zip, or undefined when null or absent. */
  readonly zips: Array<string | undefined>;
}

// Checked once over the whole body: with no backslash, the next quote always closes a string.
const OUTSIDE_SUBSET = /[^\x20-\x5b\x5d-\x7e]/;

const SPACE = 32;
const QUOTE = 34;
const COMMA = 44;
const COLON = 58;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;
const OPEN_BRACKET = 91;
const CLOSE_BRACKET = 93;

// Lead keys as bits, so a repeated key (JSON.parse: the last one wins) is noticed and left to it.
const ROW_ID = 1;
const PHONE = 2;
const ZIP = 4;
const CAMPAIGN = 8;

function skipSpaces(text: string, pos: number): number {
  while (text.charCodeAt(pos) === SPACE) pos++;
  return pos;
}

/** Position after `:` and the spaces around it, or -1 when there is no colon. */
function skipColon(text: string, pos: number): number {
  const at = skipSpaces(text, pos);
  return text.charCodeAt(at) === COLON ? skipSpaces(text, at + 1) : -1;
}

/** The lead key whose name is text[start, start + length), as a bit; 0 for any other key. */
function leadKeyBit(text: string, start: number, length: number): number {
  switch (length) {
    case 6:
      return text.startsWith('row_id', start) ? ROW_ID : 0;
    case 14:
      return text.startsWith('prospect_phone', start) ? PHONE : 0;
    case 12:
      return text.startsWith('prospect_zip', start) ? ZIP : 0;
    case 15:
      return text.startsWith('dialer_campaign', start) ? CAMPAIGN : 0;
    default:
      return 0;
  }
}

/** Reads the lead object at `pos` into the columns; the position after it, or -1 outside the subset. */
function readLead(text: string, pos: number, out: ScannedBatch): number {
  if (text.charCodeAt(pos) !== OPEN_BRACE) return -1;
  let seen = 0;
  let quotedRowId: string | undefined;
  let phone: string | undefined;
  let zip: string | undefined;
  pos = skipSpaces(text, pos + 1);
  while (text.charCodeAt(pos) === QUOTE) {
    const keyEnd = text.indexOf('"', pos + 1);
    const key = keyEnd === -1 ? 0 : leadKeyBit(text, pos + 1, keyEnd - pos - 1);
    if (key === 0 || (seen & key) !== 0) return -1;
    seen |= key;
    pos = skipColon(text, keyEnd + 1);
    if (pos === -1) return -1;
    if (text.charCodeAt(pos) === QUOTE) {
      const end = text.indexOf('"', pos + 1);
      if (end === -1 || (key === ROW_ID && end === pos + 1)) return -1;
      if (key === ROW_ID) quotedRowId = text.slice(pos, end + 1);
      else if (key === PHONE) phone = text.slice(pos + 1, end);
      else if (key === ZIP) zip = text.slice(pos + 1, end);
      pos = end + 1;
    } else if (key !== ROW_ID && text.startsWith('null', pos)) {
      pos += 4;
    } else {
      return -1;
    }
    pos = skipSpaces(text, pos);
    if (text.charCodeAt(pos) !== COMMA) break;
    pos = skipSpaces(text, pos + 1);
    if (text.charCodeAt(pos) !== QUOTE) return -1;
  }
  if (text.charCodeAt(pos) !== CLOSE_BRACE || quotedRowId === undefined) return -1;
  out.quotedRowIds.push(quotedRowId);
  out.phones.push(phone);
  out.zips.push(zip);
  return pos + 1;
}

/** Reads the non-empty leads array at `pos`; the position after it, or -1 outside the subset. */
function readLeads(text: string, pos: number, out: ScannedBatch): number {
  if (text.charCodeAt(pos) !== OPEN_BRACKET) return -1;
  do {
    pos = readLead(text, skipSpaces(text, pos + 1), out);
    if (pos === -1) return -1;
    pos = skipSpaces(text, pos);
  } while (text.charCodeAt(pos) === COMMA);
  return text.charCodeAt(pos) === CLOSE_BRACKET ? pos + 1 : -1;
}

/** The position after a true, false or null at `pos`, or -1. */
function skipRealTime(text: string, pos: number): number {
  if (text.startsWith('false', pos)) return pos + 5;
  if (text.startsWith('true', pos) || text.startsWith('null', pos)) return pos + 4;
  return -1;
}

/** The leads of a batch body in the accepted subset (see the module comment), or undefined. */
export function scanBatchBody(text: string): ScannedBatch | undefined {
  if (OUTSIDE_SUBSET.test(text)) return undefined;
  const out: ScannedBatch = { quotedRowIds: [], phones: [], zips: [] };
  let pos = skipSpaces(text, 0);
  if (text.charCodeAt(pos) !== OPEN_BRACE) return undefined;
  let sawLeads = false;
  let sawRealTime = false;
  do {
    pos = skipSpaces(text, pos + 1);
    if (!sawLeads && text.startsWith('"leads"', pos)) {
      sawLeads = true;
      pos = skipColon(text, pos + 7);
      if (pos !== -1) pos = readLeads(text, pos, out);
    } else if (!sawRealTime && text.startsWith('"real_time"', pos)) {
      sawRealTime = true;
      pos = skipColon(text, pos + 11);
      if (pos !== -1) pos = skipRealTime(text, pos);
    } else {
      return undefined;
    }
    if (pos === -1) return undefined;
    pos = skipSpaces(text, pos);
  } while (text.charCodeAt(pos) === COMMA);
  if (text.charCodeAt(pos) !== CLOSE_BRACE || !sawLeads) return undefined;
  return skipSpaces(text, pos + 1) === text.length ? out : undefined;
}
