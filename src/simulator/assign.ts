/**
 * The ANI selector: validates a prospect, geo-matches it against the inventory (area code, then the
 * area code's state, then the zip's state) and rotates among the candidates. Hot path: plain string
 * checks, no allocation beyond the answer.
 */
import { NRM_STATUS } from '../api/schemas.js';
import { findAreaCodeState, findPhoneAreaCode, findZipState } from './geo.js';
import type { Inventory } from './inventory.js';
import type { AniState } from './types.js';

/** Row error of a prospect phone that is not 10–15 digits (or has an impossible area code). */
export const INVALID_PHONE = 'Invalid prospect_phone';
/** Row error when no active ANI matches the prospect. */
export const NO_ANI = 'No available ANI found';

const PHONE_DIGITS = /^\d{10,15}$/;

/** True when `phone` is 10–15 digits and, if 10 digits, its area code does not start with 0 or 1. */
export function isValidProspectPhone(phone: unknown): phone is string {
  if (typeof phone !== 'string' || !PHONE_DIGITS.test(phone)) return false;
  if (phone.length !== 10) return true;
  const first = phone.charCodeAt(0);
  return first !== 48 && first !== 49;
}

/** The active ANI with the lowest rotation counter (the first such one on ties), or undefined. */
function pickLeastAssigned(candidates: readonly AniState[] | undefined): AniState | undefined {
  if (candidates === undefined) return undefined;
  let best: AniState | undefined;
  for (const ani of candidates) {
    if (ani.status !== NRM_STATUS.active) continue;
    if (best === undefined || ani.frequencyAssigned < best.frequencyAssigned) best = ani;
  }
  return best;
}

/**
 * Assigns an ANI to a valid prospect and moves its rotation counter; undefined when nothing matches.
 * `zip` is used only when the phone's area code finds nothing (liberal: any string, prefix-matched).
 */
export function assignAni(inventory: Inventory, phone: string, zip: string | undefined): string | undefined {
  const areaCode = findPhoneAreaCode(phone);
  let ani: AniState | undefined;
  if (areaCode !== undefined) {
    ani = pickLeastAssigned(inventory.byAreaCode.get(areaCode));
    if (ani === undefined) {
      const state = findAreaCodeState(areaCode);
      if (state !== undefined) ani = pickLeastAssigned(inventory.byState.get(state));
    }
  }
  if (ani === undefined && zip !== undefined) {
    const state = findZipState(zip);
    if (state !== undefined) ani = pickLeastAssigned(inventory.byState.get(state));
  }
  if (ani === undefined) return undefined;
  ani.frequencyAssigned++;
  return ani.phone;
}
