/**
 * POST /assignment and POST /assignment/batch: envelope checks (cheap, no zod), per-lead checks and
 * the selector. Pure apart from the inventory's rotation counters and the `onProcessed` callback.
 * A batch answer is written as JSON text directly, row by row: no object per row to stringify.
 */
import { INVALID_PHONE, NO_ANI, assignAni, isValidProspectPhone } from './assign.js';
import type { ScannedBatch } from './batch-scan.js';
import type { Inventory } from './inventory.js';
import { shuffleInPlace, type Rng } from './prng.js';
import type { HandlerResult, ParsedBody } from './types.js';

/** What the assignment routes act on. */
export interface AssignmentContext {
  inventory: Inventory;
  /** Called once per lead the server acts on (a valid lead whose assignment is attempted). */
  onProcessed(phone: string): void;
}

/** The batch-only fault knobs, resolved for this request. */
export interface BatchOptions {
  maxBatchSize: number | undefined;
  rejectBatchOnInvalidRow: boolean;
  /** Shuffles the answer rows when set. */
  shuffleRng: Rng | undefined;
  /** Index of the lead to drop (not processed, not answered), or -1. */
  missingRowIndex(leadCount: number): number;
}

type Lead = Record<string, unknown>;

function refuse(status: number, message: string): HandlerResult {
  return { status, payload: { success: false, message } };
}

function isObject(value: unknown): value is Lead {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The row error of a lead, or '' when it can be assigned. Null optional fields count as absent. */
function checkLead(lead: Lead): string {
  if (!isValidProspectPhone(lead.prospect_phone)) return INVALID_PHONE;
  const zip = lead.prospect_zip;
  if (zip !== undefined && zip !== null && typeof zip !== 'string') return 'Invalid prospect_zip';
  const campaign = lead.dialer_campaign;
  if (campaign !== undefined && campaign !== null && typeof campaign !== 'string') return 'Invalid dialer_campaign';
  return '';
}

function assignLead(ctx: AssignmentContext, phone: string, zip: string | undefined): string | undefined {
  ctx.onProcessed(phone);
  return assignAni(ctx.inventory, phone, zip);
}

function zipOf(lead: Lead): string | undefined {
  return typeof lead.prospect_zip === 'string' ? lead.prospect_zip : undefined;
}

/** The end of an unassigned answer row, `,"outboundani":"","error":"…"}`, for each row error. */
const ERROR_TAILS = new Map(
  [INVALID_PHONE, 'Invalid prospect_zip', 'Invalid dialer_campaign', NO_ANI].map((error) => [error, `,"outboundani":"","error":${JSON.stringify(error)}}`]),
);

function errorTail(error: string): string {
  return ERROR_TAILS.get(error) ?? `,"outboundani":"","error":${JSON.stringify(error)}}`;
}

/**
 * Acts on every lead without a row error (except the dropped one) and writes the answer as the same
 * text JSON.stringify gives for `{success: true, results}`; row i is `quotedRowIds[i]`, `phones[i]`
 * (a valid phone when `errors[i]` is ''), `zips[i]`.
 */
function answerBatch(ctx: AssignmentContext, options: BatchOptions, leads: ScannedBatch, errors: readonly string[]): HandlerResult {
  const { quotedRowIds, phones, zips } = leads;
  const skip = options.missingRowIndex(quotedRowIds.length);
  const rows: string[] = [];
  for (let i = 0; i < quotedRowIds.length; i++) {
    if (i === skip) continue;
    const head = `{"row_id":${quotedRowIds[i] as string}`;
    const error = errors[i] as string;
    if (error !== '') {
      rows.push(head + errorTail(error));
      continue;
    }
    const ani = assignLead(ctx, phones[i] as string, zips[i]);
    // Inventory phones are digits only (createInventory), so they need no escaping.
    rows.push(ani === undefined ? head + errorTail(NO_ANI) : `${head},"outboundani":"${ani}","error":""}`);
  }
  if (options.shuffleRng !== undefined) shuffleInPlace(options.shuffleRng, rows);
  return { status: 200, json: `{"success":true,"results":[${rows.join(',')}]}` };
}

/** Checks the parts of a body both routes share: a JSON object whose real_time, if any, is boolean. */
function checkBody(parsed: ParsedBody): { body: Lead } | { refusal: HandlerResult } {
  if ('error' in parsed) return { refusal: refuse(400, parsed.error) };
  if (!isObject(parsed.value)) return { refusal: refuse(400, 'Request body must be a JSON object') };
  const realTime = parsed.value.real_time;
  if (realTime !== undefined && realTime !== null && typeof realTime !== 'boolean') {
    return { refusal: refuse(400, 'real_time must be a boolean') };
  }
  return { body: parsed.value };
}

/** Number of leads in a batch body, for the leadsReceived counter (0 when it has none). */
export function countBatchLeads(parsed: ParsedBody): number {
  if ('error' in parsed || !isObject(parsed.value)) return 0;
  const leads = parsed.value.leads;
  return Array.isArray(leads) ? leads.length : 0;
}

/** POST /assignment: one prospect → `{success, ani, message}`. */
export function handleAssign(parsed: ParsedBody, ctx: AssignmentContext): HandlerResult {
  const checked = checkBody(parsed);
  if ('refusal' in checked) return checked.refusal;
  const body = checked.body;
  const error = checkLead(body);
  if (error !== '') return refuse(400, error);
  const ani = assignLead(ctx, body.prospect_phone as string, zipOf(body));
  if (ani === undefined) return refuse(200, NO_ANI);
  return { status: 200, payload: { success: true, ani, message: 'ANI assigned successfully' } };
}

/** POST /assignment/batch: every lead independently → `{success: true, results}`. */
export function handleBatch(parsed: ParsedBody, ctx: AssignmentContext, options: BatchOptions): HandlerResult {
  const checked = checkBody(parsed);
  if ('refusal' in checked) return checked.refusal;
  const leads = checked.body.leads;
  if (!Array.isArray(leads)) return refuse(400, 'leads is required (a non-empty array of leads)');
  if (leads.length === 0) return refuse(400, 'leads must not be empty');
  if (options.maxBatchSize !== undefined && leads.length > options.maxBatchSize) {
    return refuse(413, `Batch too large: ${leads.length} leads (max ${options.maxBatchSize})`);
  }
  const errors: string[] = new Array<string>(leads.length);
  for (let i = 0; i < leads.length; i++) {
    const lead: unknown = leads[i];
    if (!isObject(lead)) return refuse(400, `leads[${i}] must be an object`);
    if (typeof lead.row_id !== 'string' || lead.row_id === '') {
      return refuse(400, `leads[${i}].row_id is required (a non-empty string)`);
    }
    const error = checkLead(lead);
    if (error !== '' && options.rejectBatchOnInvalidRow) return refuse(400, `${error} (row_id ${lead.row_id})`);
    errors[i] = error;
  }

  const columns: ScannedBatch = { quotedRowIds: [], phones: [], zips: [] };
  for (let i = 0; i < leads.length; i++) {
    const lead = leads[i] as Lead;
    columns.quotedRowIds.push(JSON.stringify(lead.row_id));
    columns.phones.push(errors[i] === '' ? (lead.prospect_phone as string) : undefined);
    columns.zips.push(zipOf(lead));
  }
  return answerBatch(ctx, options, columns, errors);
}

/**
 * POST /assignment/batch for a body scanBatchBody could read: the same checks and answer as
 * handleBatch gives for that body (every lead there is an object with a non-empty string row_id and
 * optional fields that are strings or null, so only the phone can be wrong).
 */
export function handleScannedBatch(leads: ScannedBatch, ctx: AssignmentContext, options: BatchOptions): HandlerResult {
  const count = leads.quotedRowIds.length;
  if (options.maxBatchSize !== undefined && count > options.maxBatchSize) {
    return refuse(413, `Batch too large: ${count} leads (max ${options.maxBatchSize})`);
  }
  const errors: string[] = new Array<string>(count);
  for (let i = 0; i < count; i++) {
    const error = isValidProspectPhone(leads.phones[i]) ? '' : INVALID_PHONE;
    if (error !== '' && options.rejectBatchOnInvalidRow) {
      return refuse(400, `${error} (row_id ${(leads.quotedRowIds[i] as string).slice(1, -1)})`);
    }
    errors[i] = error;
  }
  return answerBatch(ctx, options, leads, errors);
}
