/**
 * The NRM routes: GET /nrm/anis (paged listing with a phone-prefix filter) and the pause / activate /
 * remediate state machine. Pure apart from the inventory's state and the remediation log.
 */
import { NRM_STATUS, type NrmAction } from '../api/schemas.js';
import { STATUS_LABELS, formatSimDate, type Inventory } from './inventory.js';
import type { AniState, HandlerResult, ParsedBody } from './types.js';

/** The docs' default and maximum page size. */
const MAX_PAGE_SIZE = 1000;

/** What the NRM routes act on. */
export interface NrmContext {
  inventory: Inventory;
  /** ANIs remediated during this simulator's life: a second request is "within cooldown". */
  remediated: Set<string>;
}

/** An NRM action's answer, and whether the state machine ran (the ANI was found). */
export interface NrmActionOutcome {
  result: HandlerResult;
  acted: boolean;
}

function refuse(status: number, message: string): HandlerResult {
  return { status, payload: { success: false, message } };
}

/** A positive integer query parameter, its default when absent, or undefined when malformed. */
function parsePositiveInt(raw: string | null, fallback: number): number | undefined {
  if (raw === null || raw === '') return fallback;
  if (!/^\d{1,9}$/.test(raw)) return undefined;
  const value = Number(raw);
  return value >= 1 ? value : undefined;
}

/**
 * GET /nrm/anis. `page_size` above the documented maximum is clamped to 1000 rather than refused
 * (liberal, and what a client asking for "everything" expects); a non-positive or non-numeric page
 * or page_size is a 400. A page past the end answers an empty `data`.
 */
export function listAnis(inventory: Inventory, query: URLSearchParams): HandlerResult {
  const page = parsePositiveInt(query.get('page'), 1);
  if (page === undefined) return refuse(400, 'page must be a positive integer');
  const requestedSize = parsePositiveInt(query.get('page_size'), MAX_PAGE_SIZE);
  if (requestedSize === undefined) return refuse(400, 'page_size must be a positive integer');
  const pageSize = Math.min(requestedSize, MAX_PAGE_SIZE);
  const prefix = (query.get('number') ?? '').replace(/\D/g, '');
  const matching = prefix === '' ? inventory.anis : inventory.anis.filter((ani) => ani.phone.startsWith(prefix));
  const totalPages = Math.ceil(matching.length / pageSize);
  const data = matching.slice((page - 1) * pageSize, page * pageSize).map((ani) => ({ ...ani }));
  return {
    status: 200,
    payload: {
      result: 'success',
      count: data.length,
      total_anis: matching.length,
      can_next_page: page < totalPages,
      can_prev_page: page > 1,
      total_pages: totalPages,
      data,
    },
  };
}

/** Digits of an ANI as the inventory keys it: non-digits stripped, a leading NANP 1 dropped. */
function normalizeAni(raw: unknown): string | undefined {
  if (typeof raw !== 'string' && typeof raw !== 'number') return undefined;
  const digits = String(raw).replace(/\D/g, '');
  const national = digits.length === 11 && digits.startsWith('1') ? digits.slice(1) : digits;
  return /^\d{10,15}$/.test(national) ? national : undefined;
}

/** "20250126120000" → "2025-01-26". */
function toIsoDay(date: string): string {
  return `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}`;
}

function setStatus(ani: AniState, status: string): void {
  ani.status = status;
  ani.statusLabel = STATUS_LABELS[status] ?? status;
}

/** Checks an action body; returns the ANI's digits and the optional date, or a 400. */
function checkActionBody(action: NrmAction, parsed: ParsedBody): { ani: string; date: string | undefined } | HandlerResult {
  if ('error' in parsed) return refuse(400, parsed.error);
  const body = parsed.value;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return refuse(400, 'Request body must be a JSON object');
  }
  const fields = body as Record<string, unknown>;
  const ani = normalizeAni(fields.ani);
  if (ani === undefined) return refuse(400, 'ani is required (10-15 digits)');
  const carrier = fields.carrier;
  if (carrier !== undefined && carrier !== null && !(typeof carrier === 'string' && /^\d{6}$/.test(carrier))) {
    return refuse(400, 'carrier must be a 6-digit carrier ID');
  }
  const note = fields.note;
  if (note !== undefined && note !== null && typeof note !== 'string') return refuse(400, 'note must be a string');
  const date = fields.date;
  const hasDate = date !== undefined && date !== null && date !== '';
  if (hasDate && !(typeof date === 'string' && /^\d{14}$/.test(date))) {
    return refuse(400, action === 'activate' ? 'date is required (YYYYMMDDHHmmss)' : 'date must be YYYYMMDDHHmmss');
  }
  if (!hasDate && action === 'activate') return refuse(400, 'date is required (YYYYMMDDHHmmss)');
  return { ani, date: hasDate ? (date as string) : undefined };
}

/** POST /nrm/{pause,activate,remediate}. */
export function applyNrmAction(ctx: NrmContext, action: NrmAction, parsed: ParsedBody): NrmActionOutcome {
  const checked = checkActionBody(action, parsed);
  if ('status' in checked) return { result: checked, acted: false };
  const ani = ctx.inventory.byPhone.get(checked.ani);
  if (ani === undefined) return { result: refuse(404, 'ANI not found in inventory'), acted: false };
  return { result: runAction(ctx, action, ani, checked.date), acted: true };
}

function runAction(ctx: NrmContext, action: NrmAction, ani: AniState, date: string | undefined): HandlerResult {
  switch (action) {
    case 'pause':
      if (ani.status !== NRM_STATUS.active) return refuse(200, 'Only active and managed ANIs can be paused');
      setStatus(ani, NRM_STATUS.coolingOff);
      ani.dateDeactivated = date === undefined ? formatSimDate(0) : toIsoDay(date);
      return { status: 200, payload: { status: 'paused', ani: ani.phone } };
    case 'activate':
      if (ani.status !== NRM_STATUS.coolingOff) {
        return refuse(200, 'Only ANIs in cooling off status can be activated');
      }
      setStatus(ani, NRM_STATUS.active);
      ani.dateActivated = date === undefined ? formatSimDate(0) : toIsoDay(date);
      ani.dateDeactivated = null;
      return { status: 200, payload: { status: 'active', ani: ani.phone } };
    case 'remediate':
      if (ctx.remediated.has(ani.phone)) return { status: 200, payload: { status: 'within cooldown', ani: ani.phone } };
      ctx.remediated.add(ani.phone);
      setStatus(ani, NRM_STATUS.remediation);
      return { status: 200, payload: { status: 'received request', ani: ani.phone } };
  }
}
