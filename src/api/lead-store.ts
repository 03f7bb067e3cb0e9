/**
 * The leads of POST /assignment/batch, from their row being read until it is written: each checked
 * against BatchLead and encoded once, as the JSON bytes JSON.stringify writes for zod's output, into
 * chunks that are reused once their rows are written. A request's body is assembled from them by
 * copying bytes. A lead in flight is thus no object at all: as strings (one per lead, built by
 * concatenation) they outlived young-generation collections by the thousand, and a body was a joined
 * string copied again into a buffer.
 */
import { ByteChunks, copyBytes } from '../byte-chunks.js';
import { AppError } from '../errors.js';
import { putAscii, putBytes as copy, putJsonString, putQuotedNumber } from '../json-bytes.js';
import { refuseRequest } from './request-check.js';
import { BatchLead, BatchRequest } from './schemas.js';

declare const leadRef: unique symbol;
/** A lead held by a LeadStore (its number in the store). */
export type LeadRef = number & { readonly [leadRef]: true };

declare const batchBody: unique symbol;
/** A POST /assignment/batch body assembled from checked leads. */
export type BatchBody = Buffer & { readonly [batchBody]: true };

// The same pattern as BatchLead.prospect_phone (without the u flag, \d is ASCII 0-9 only).
const PHONE = /^\d{10,15}$/;
const ascii = (text: string): Buffer => Buffer.from(text, 'latin1');
const OPEN_ROW_ID = ascii('{"row_id":');
const OPEN_PHONE = ascii(',"prospect_phone":"');
const OPEN_ZIP = ascii('","prospect_zip":');
const OPEN_CAMPAIGN = ascii(',"dialer_campaign":');
const CLOSE_PHONE = ascii('"');
const CLOSE_LEAD = ascii('}');
const OPEN_LEADS = ascii('"leads":[');
const CLOSE_BODY = ascii(']}');

/** Leads between reading and writing (see the module comment). */
export class LeadStore {
  // A ring indexed by lead number & mask: where each lead's bytes are, and its row.
  private mask: number;
  private chunkOf: (Buffer | undefined)[];
  private start: Int32Array;
  private end: Int32Array;
  private rowOf: Float64Array;
  private first = 0; // the oldest lead kept
  private next = 0; // the next lead's number

  private readonly bytes = new ByteChunks();

  constructor(capacity = 1024) {
    this.mask = capacity - 1;
    this.chunkOf = new Array<Buffer | undefined>(capacity);
    this.start = new Int32Array(capacity);
    this.end = new Int32Array(capacity);
    this.rowOf = new Float64Array(capacity);
  }

  /**
   * Checks a lead against BatchLead and encodes it with row `row`'s row_id, its number (row + 1: rowOf
   * reads it back), kept until that row is written (`releaseBefore`). Rows come in input order; a
   * `row_id` in `lead` is not read. The row_id is written as digits, never built as a string: String(n)
   * keeps its result in V8's number-string cache, where a million row ids outlived young-generation
   * collections. E_INTERNAL, in zod's words, for a lead the API would refuse (a bug upstream).
   */
  add(lead: unknown, row: number): LeadRef {
    if (!isObject(lead)) return refuseRequest(BatchLead, lead, 'POST /assignment/batch');
    const phone = lead.prospect_phone;
    const zip = 'prospect_zip' in lead ? lead.prospect_zip : undefined;
    const campaign = 'dialer_campaign' in lead ? lead.dialer_campaign : undefined;
    if (typeof phone !== 'string' || !PHONE.test(phone) || !isOptionalString(zip) || !isOptionalString(campaign)) {
      // What is sent: the lead with its row_id (its own keys and inherited ones, as zod reads them).
      return refuseRequest(BatchLead, Object.assign(Object.create(lead) as object, { row_id: String(row + 1) }), 'POST /assignment/batch');
    }
    // JSON escapes take at most 6 bytes per UTF-16 unit; a row number has at most 16 digits.
    const most = 112 + phone.length + 6 * ((zip?.length ?? 0) + (campaign?.length ?? 0));
    if (this.next - this.first > this.mask) this.grow();
    const buf = this.bytes.room(most);
    const start = this.bytes.start();
    let at = copy(OPEN_ROW_ID, buf, start);
    at = putQuotedNumber(row + 1, buf, at);
    at = copy(OPEN_PHONE, buf, at);
    at = putAscii(phone, buf, at); // digits only: nothing to escape
    if (zip !== undefined) at = putJsonString(zip, buf, copy(OPEN_ZIP, buf, at));
    else at = copy(CLOSE_PHONE, buf, at);
    if (campaign !== undefined) at = putJsonString(campaign, buf, copy(OPEN_CAMPAIGN, buf, at));
    at = copy(CLOSE_LEAD, buf, at);
    const ref = this.next++;
    const slot = ref & this.mask;
    this.chunkOf[slot] = buf;
    this.start[slot] = start;
    this.end[slot] = at;
    this.rowOf[slot] = row;
    this.bytes.commit(at);
    return ref as LeadRef;
  }

  /**
   * The body of POST /assignment/batch for these leads: the bytes JSON.stringify writes for zod's
   * BatchRequest output. E_INTERNAL, in zod's words, for no leads.
   */
  body(realTime: boolean | undefined, refs: readonly LeadRef[]): BatchBody {
    if (refs.length === 0) return refuseRequest(BatchRequest, { real_time: realTime, leads: [] }, 'POST /assignment/batch');
    const open = ascii(realTime === undefined ? '{' : `{"real_time":${realTime},`);
    let size = open.length + OPEN_LEADS.length + refs.length - 1 + CLOSE_BODY.length;
    for (const ref of refs) {
      const slot = this.slotOf(ref);
      size += this.end[slot]! - this.start[slot]!;
    }
    const body = Buffer.allocUnsafe(size);
    let at = copy(OPEN_LEADS, body, copy(open, body, 0));
    for (let i = 0; i < refs.length; i++) {
      if (i > 0) body[at++] = 0x2c; // ,
      const slot = this.slotOf(refs[i]!);
      at = copyBytes(this.chunkOf[slot]!, this.start[slot]!, this.end[slot]!, body, at);
    }
    copy(CLOSE_BODY, body, at);
    return body as BatchBody;
  }

  /** Forgets the leads of rows before `row` (every row before it is written); a chunk none of whose leads is kept is reused. */
  releaseBefore(row: number): void {
    while (this.first < this.next && this.rowOf[this.first & this.mask]! < row) {
      const slot = this.first & this.mask;
      this.bytes.release(this.chunkOf[slot]!);
      this.chunkOf[slot] = undefined;
      this.first += 1;
    }
  }

  private slotOf(ref: LeadRef): number {
    if (ref < this.first || ref >= this.next) throw new AppError('E_INTERNAL', `lead ${ref} is no longer held (its row was written)`);
    return ref & this.mask;
  }

  /** Doubles the ring, keeping each lead at its number. */
  private grow(): void {
    const capacity = (this.mask + 1) * 2;
    const mask = capacity - 1;
    const chunkOf = new Array<Buffer | undefined>(capacity);
    const start = new Int32Array(capacity);
    const end = new Int32Array(capacity);
    const rowOf = new Float64Array(capacity);
    for (let ref = this.first; ref < this.next; ref++) {
      const from = ref & this.mask;
      const to = ref & mask;
      chunkOf[to] = this.chunkOf[from];
      start[to] = this.start[from]!;
      end[to] = this.end[from]!;
      rowOf[to] = this.rowOf[from]!;
    }
    Object.assign(this, { mask, chunkOf, start, end, rowOf });
  }
}

function isOptionalString(value: unknown): value is string | undefined {
  return value === undefined || typeof value === 'string';
}

// zod's object check: any non-null object that is not an array (a Date or a class instance included).
function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
