/**
 * Phone and zip clean-up before a lead is sent: what a CRM export or a spreadsheet did to them is
 * undone where it is safe, and refused with a reason where it is not. Pure, and on the hot path.
 */

/** A phone ready to send (10–15 digits), or why the row is invalid. */
export type NormalisedPhone = { ok: true; phone: string } | { ok: false; reason: string };

/** A zip ready to send (5 digits), or nothing; a warning when a value was dropped. */
export interface NormalisedZip {
  zip?: string;
  warning?: string;
}

/** Any letter, in any script: a phone never contains one. */
const LETTER = /\p{L}/u;
/** What a spreadsheet writes for a long number in a "General" cell: 5.55988E+09, 5,55988E+09, 1.2e10. */
const SCIENTIFIC = /^[+-]?\d+(?:[.,]\d+)?e[+-]?\d+$/i;
const NON_DIGITS = /\D+/g;
const ALL_DIGITS = /^\d+$/;

/**
 * Normalises a phone to digits only; an 11-digit NANP number (leading 1) becomes its 10-digit form.
 * Letters are refused, extensions too ("x123", "ext. 45"): their digits would be glued onto the
 * number and could pass as a 12–15 digit international number, silently dialling someone else.
 * Idempotent: a normalised phone normalises to itself.
 */
export function normalisePhone(raw: string): NormalisedPhone {
  const value = raw.trim();
  if (value === '') return { ok: false, reason: 'phone is empty' };
  let digits = value;
  if (!ALL_DIGITS.test(value)) {
    if (LETTER.test(value)) {
      if (SCIENTIFIC.test(value)) {
        return {
          ok: false,
          reason: `phone ${value} is in scientific notation (a spreadsheet rounded it): re-export the column as text`,
        };
      }
      return { ok: false, reason: 'phone contains letters' };
    }
    digits = value.replace(NON_DIGITS, '');
  }
  if (digits.length === 11 && digits.charCodeAt(0) === 49) digits = digits.slice(1);
  if (digits.length < 10 || digits.length > 15) {
    return { ok: false, reason: `phone has ${digits.length} digits (expected 10–15)` };
  }
  return { ok: true, phone: digits };
}

/**
 * Normalises a US zip to its 5 digits: zip+4 (`90210-1234`, `902101234`) is cut to 5; a zip whose
 * leading zeros a spreadsheet dropped (`2134` → `02134`, `501` → `00501`, also as zip+4) gets them
 * back. Anything else is not sent, with a warning. Empty is simply no zip.
 */
export function normaliseZip(raw: string): NormalisedZip {
  const value = raw.trim();
  if (value === '') return {};
  const dash = value.indexOf('-');
  const base = dash === -1 ? value : value.slice(0, dash);
  const plus4 = dash === -1 ? '' : value.slice(dash + 1);
  if (ALL_DIGITS.test(base) && (dash === -1 || (plus4.length === 4 && ALL_DIGITS.test(plus4)))) {
    if (base.length === 5 || (base.length === 9 && dash === -1)) return { zip: base.slice(0, 5) };
    if (base.length === 4 || base.length === 3) return { zip: base.padStart(5, '0') };
  }
  return { warning: `zip "${value}" is not a US zip; sent without it` };
}
