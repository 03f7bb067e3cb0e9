import { inspect } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseBatchResponse } from '../../src/api/batch-check.js';
import { createApiClient } from '../../src/api/client.js';
import { LeadStore, type LeadRef } from '../../src/api/lead-store.js';
import { BatchLead, BatchRequest, BatchResponse } from '../../src/api/schemas.js';
import { AppError, isAppError } from '../../src/errors.js';
import { sendJson, startHttpServer, useCleanup } from './api-servers.js';

// Every detail counts: key order (JSON.stringify follows it), keys present with undefined, types.
const show = (value: unknown): string => inspect(value, { depth: null, maxArrayLength: null, maxStringLength: null, sorted: false });

/** An answer as a caller reads it: the schema's keys, inherited ones included, and nothing else. */
function readAnswer(answer: BatchResponse): unknown {
  const results = answer.results?.map((r) => ({ row_id: r.row_id, outboundani: r.outboundani, error: r.error }));
  return { success: answer.success, results, message: answer.message };
}

/** The hand check accepts iff zod does, every schema key then reads as in zod's output, and its input is left alone. */
function expectAnswerAsZod(value: unknown): void {
  const before = show(value);
  const hand = parseBatchResponse(value);
  const parsed = BatchResponse.safeParse(value);
  expect(hand !== undefined, `hand check ${hand === undefined ? 'refused' : 'accepted'} ${before}`).toBe(parsed.success);
  if (parsed.success) expect(readAnswer(hand!)).toStrictEqual(readAnswer(parsed.data));
  expect(show(value)).toBe(before);
}

// Any JSON-ish value, including undefined (a key present with nothing in it).
const wrong = fc.oneof(
  fc.constant(null),
  fc.constant(undefined),
  fc.boolean(),
  fc.integer(),
  fc.double(),
  fc.string({ maxLength: 6 }),
  fc.constant([]),
  fc.constant({}),
  fc.jsonValue({ maxDepth: 2 }),
);
/** Mostly the valid value, sometimes anything else. */
const mostly = <T>(valid: fc.Arbitrary<T>): fc.Arbitrary<unknown> => fc.oneof({ arbitrary: valid, weight: 8 }, { arbitrary: wrong, weight: 1 });
/** An object with each key sometimes absent, plus sometimes unknown keys (which may shadow nothing or a known key). */
const nearObject = <T extends Record<string, fc.Arbitrary<unknown>>>(fields: T): fc.Arbitrary<Record<string, unknown>> =>
  fc
    .tuple(
      fc.record(fields, { requiredKeys: [] }),
      fc.oneof({ arbitrary: fc.constant({}), weight: 4 }, { arbitrary: fc.dictionary(fc.constantFrom('x', 'request_id', 'row_id', 'leads', 'results', '__proto__', 'toString'), wrong, { maxKeys: 2 }), weight: 1 }),
    )
    // Spread defines keys (never calls the __proto__ setter), as JSON.parse does.
    .map(([known, extra]) => ({ ...extra, ...known }));

const digits = (min: number, max: number): fc.Arbitrary<string> => fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: min, maxLength: max });
const phone = fc.oneof(
  { arbitrary: digits(10, 15), weight: 6 },
  { arbitrary: digits(0, 18), weight: 2 },
  { arbitrary: fc.constantFrom('5550100123\n', ' 5550100123', '+15550100123', '٥٥٥٠١٠٠١٢٣٤', '５５５０１００１２３', '555-010-0123'), weight: 1 },
);
const rowId = fc.oneof(fc.integer({ min: 1, max: 1_000_000 }).map(String), fc.string({ maxLength: 4 }));
/** Any UTF-16 text: control characters, quotes, backslashes and lone surrogates are what JSON escapes. */
const anyText = fc.oneof(fc.string({ maxLength: 5 }), fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 5 }));
const lead = nearObject({ row_id: mostly(fc.oneof(rowId, anyText)), prospect_phone: mostly(phone), prospect_zip: mostly(anyText), dialer_campaign: mostly(anyText) });

const nullishString = fc.oneof(fc.string({ maxLength: 10 }), fc.constant(null), fc.constant(undefined));
// Every JSON value is a valid row_id (z.coerce.string()); strings most often.
const resultRowId = fc.oneof({ arbitrary: rowId, weight: 4 }, { arbitrary: fc.jsonValue({ maxDepth: 1 }), weight: 1 });
const result = nearObject({ row_id: resultRowId, outboundani: mostly(nullishString), error: mostly(nullishString) });
const response = nearObject({ success: mostly(fc.boolean()), results: mostly(fc.oneof(fc.array(mostly(result), { maxLength: 5 }), fc.constant(undefined))), message: mostly(nullishString) });

const RUNS = { numRuns: 2_000 };

/** The lead a store accepts for row `row`, or the error it refuses it with. */
function addLead(store: LeadStore, value: unknown, row = 0): LeadRef | AppError {
  try {
    return store.add(value, row);
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
}

/** What is sent for a lead of row `row`: the lead with the row's number as its row_id (its other keys read as zod reads them, inherited ones included). */
function sentFor(value: unknown, row: number): unknown {
  const isObject = typeof value === 'object' && value !== null && !Array.isArray(value);
  return isObject ? Object.assign(Object.create(value) as object, { row_id: String(row + 1) }) : value;
}

/** A held lead's JSON text, read back from a body of that lead alone. */
function leadText(store: LeadStore, ref: LeadRef): string {
  return store.body(undefined, [ref]).toString('utf8').slice('{"leads":['.length, -']}'.length);
}

/** The store accepts a lead iff zod's BatchLead accepts what is sent for it, encoding the JSON of zod's output byte for byte, and refuses in zod's words. */
function expectLeadAsZod(value: unknown, row = 0): void {
  const before = show(value);
  const store = new LeadStore();
  const ref = addLead(store, value, row);
  const parsed = BatchLead.safeParse(sentFor(value, row));
  expect(typeof ref === 'number', `store ${typeof ref === 'number' ? 'accepted' : 'refused'} ${before} as row ${row}`).toBe(parsed.success);
  if (parsed.success) expect(leadText(store, ref as LeadRef)).toBe(JSON.stringify(parsed.data));
  else expect((ref as AppError).message).toMatch(/^refusing to send an invalid request to POST \/assignment\/batch: /);
  expect(show(value)).toBe(before);
}

/** A body from the leads zod accepts is what JSON.stringify writes for zod's BatchRequest output. */
function expectRequestAsZod(realTime: boolean | undefined, leads: readonly unknown[]): void {
  const store = new LeadStore();
  const refs = leads.map((l, row) => addLead(store, l, row)).filter((r): r is LeadRef => typeof r === 'number');
  const body = { real_time: realTime, leads: refs.map((r) => JSON.parse(leadText(store, r)) as unknown) };
  const parsed = BatchRequest.safeParse(body);
  if (parsed.success) expect(store.body(realTime, refs).toString('utf8')).toBe(JSON.stringify(parsed.data));
  else expect(() => store.body(realTime, refs)).toThrow(/^refusing to send an invalid request to POST \/assignment\/batch: leads: Too small/);
}

describe('LeadStore ≡ JSON.stringify(BatchLead.parse(…)) and JSON.stringify(BatchRequest.parse(…))', () => {
  it('on nearly valid leads (fields wrong, absent, undefined, unknown keys)', () => {
    fc.assert(fc.property(lead, (value) => expectLeadAsZod(value)), RUNS);
  });

  it('on arbitrary values', () => {
    fc.assert(fc.property(fc.oneof(fc.jsonValue(), fc.anything()), (value) => expectLeadAsZod(value)), RUNS);
  });

  it('on requests of any leads, with or without real_time', () => {
    fc.assert(fc.property(fc.oneof(fc.boolean(), fc.constant(undefined)), fc.array(lead, { maxLength: 5 }), expectRequestAsZod), RUNS);
  });

  it('on what the pipeline sends, and on the edges of the phone pattern and row_id', () => {
    const ok = { row_id: '1', prospect_phone: '5550100123' };
    const cases: unknown[] = [
      { row_id: '1', prospect_phone: '5550100123', prospect_zip: '90210', dialer_campaign: '9001' },
      { row_id: '2', prospect_phone: '555010012345678' },
      { ...ok, prospect_zip: undefined, extra: 1 },
      { ...ok, dialer_campaign: 'Renewals "Q3", \\ north\n' },
      { ...ok, dialer_campaign: 'Zoë \ud83d' },
      { ...ok, row_id: '' },
      { ...ok, row_id: 1 },
      { ...ok, prospect_phone: '555010012' },
      { ...ok, prospect_phone: '5550100123456789' },
      { ...ok, prospect_phone: '5550100123\n' },
      null,
      // Inherited keys count for zod, so they count here too.
      Object.create(ok) as unknown,
    ];
    for (const value of cases) expectLeadAsZod(value);
    expectRequestAsZod(false, [ok, { ...ok, row_id: '2' }]);
    expectRequestAsZod(undefined, [ok]);
    expectRequestAsZod(true, []);
  });

  it('writes any row number as the row_id, in digits', () => {
    const rowNumber = fc.oneof(fc.nat(20), fc.nat(), fc.integer({ min: 0, max: 2 ** 50 }));
    fc.assert(fc.property(lead, rowNumber, (value, row) => expectLeadAsZod(value, row)), RUNS);
  });

  it('keeps each lead intact until its row is written, however many chunks it takes and reuses', () => {
    // Campaigns of up to 8 KiB: 64 KiB chunks fill every few dozen leads and are reused.
    const campaign = fc.oneof(fc.string({ maxLength: 8 }), fc.integer({ min: 100, max: 8000 }).map((n) => 'c'.repeat(n)));
    fc.assert(
      fc.property(fc.array(fc.tuple(campaign, fc.nat(3)), { minLength: 1, maxLength: 400, size: 'max' }), (plan) => {
        const store = new LeadStore(2);
        const leads: { ref: LeadRef; row: number; json: string }[] = [];
        let written = 0;
        const expectKept = () => {
          for (let k = leads.length - 1; k >= 0 && leads[k]!.row >= written; k--) expect(leadText(store, leads[k]!.ref)).toBe(leads[k]!.json);
        };
        plan.forEach(([text, release], row) => {
          const value = { row_id: String(row + 1), prospect_phone: '2125550101', dialer_campaign: text };
          leads.push({ ref: store.add(value, row), row, json: JSON.stringify(value) });
          // Now and then the writer moves on (never past the rows still in flight).
          if (release === 0) {
            written = Math.max(written, row - 5);
            store.releaseBefore(written);
            expectKept();
          }
        });
        expectKept();
        for (const k of leads.filter((l) => l.row < written)) expect(() => leadText(store, k.ref)).toThrow(/no longer held/);
      }),
      { numRuns: 100 },
    );
  });
});

describe('parseBatchResponse ≡ BatchResponse.safeParse, as callers read it', () => {
  it('on nearly valid answers (fields wrong, absent, null, numbers as row_id, unknown keys)', () => {
    fc.assert(fc.property(response, expectAnswerAsZod), RUNS);
  });

  it('on arbitrary values, and on JSON text as the client parses it', () => {
    fc.assert(fc.property(fc.oneof(fc.jsonValue(), fc.anything()), expectAnswerAsZod), RUNS);
    fc.assert(fc.property(response, (value) => expectAnswerAsZod(JSON.parse(JSON.stringify(value)))), RUNS);
  });

  it('on the documented answer and on the odd ones', () => {
    const cases: unknown[] = [
      { success: true, results: [{ row_id: '1', outboundani: '5550100999', error: '' }, { row_id: 2, outboundani: null, error: 'No ANI' }] },
      { success: false, message: 'batch refused' },
      { success: true, results: [{ row_id: null }, { row_id: [1, 2] }, { row_id: { a: 1 } }, { row_id: 1e21 }, { row_id: -0 }, { row_id: true }] },
      { success: true, results: [{ outboundani: '5550100999' }] },
      { success: true, results: [{ row_id: '1', error: 5 }] },
      { success: true, results: 'none' },
      { success: 'yes' },
      JSON.parse('{"success":true,"__proto__":{"x":1},"results":[{"row_id":"1","__proto__":{"error":"e"}}]}'),
      // String() throws on an object without a prototype: zod refuses it, and so do we.
      { success: true, results: [{ row_id: Object.create(null) as unknown }] },
      new Date(0),
    ];
    for (const value of cases) expectAnswerAsZod(value);
  });
});

describe('the client on POST /assignment/batch', () => {
  const { serve, defer } = useCleanup();
  const connect = (url: string) => {
    const c = createApiClient({ baseUrl: url, apiKey: 'oiq_test_key', timeoutMs: 2_000, connections: 1, userAgent: 'oiq-batch/test' });
    defer(() => c.close());
    return c;
  };

  it('sends exactly the JSON zod would have produced (unknown keys dropped, schema key order) and reads the answer as zod does', async () => {
    const answer = { success: true, request_id: 'r-1', results: [{ row_id: 1, outboundani: '5550100999', error: null, extra: true }, { error: 'No ANI', row_id: '2' }] };
    const server = await serve(startHttpServer((res) => sendJson(res, 200, answer)));
    const body = { leads: [{ prospect_phone: '5550100123', row_id: '1', note: 'x' }, { row_id: '2', dialer_campaign: '9001', prospect_phone: '5550100124' }], real_time: true };
    const store = new LeadStore();
    const reply = await connect(server.url).assignBatch(store.body(true, body.leads.map((l, row) => store.add(l, row))));
    expect(server.requests[0]?.body).toBe(JSON.stringify(BatchRequest.parse(body)));
    expect(readAnswer(reply.body)).toStrictEqual(readAnswer(BatchResponse.parse(answer)));
  });

  it('words a refused request and a refused answer with zod\'s messages', async () => {
    const server = await serve(startHttpServer((res) => sendJson(res, 200, { success: true, results: [{ row_id: '1', outboundani: 5 }] })));
    const api = connect(server.url);
    const store = new LeadStore();
    const refused = addLead(store, { row_id: '1', prospect_phone: '12' });
    expect(isAppError(refused, 'E_INTERNAL')).toBe(true);
    expect((refused as Error).message).toBe('refusing to send an invalid request to POST /assignment/batch: prospect_phone: Invalid string: must match pattern /^\\d{10,15}$/');
    const bad = await api.assignBatch(store.body(undefined, [store.add({ row_id: '1', prospect_phone: '5550100123' }, 0)])).catch((err: unknown) => err);
    expect((bad as Error).message).toContain('does not match the documented shape (results.0.outboundani: Invalid input: expected string, received number)');
    expect(server.requests).toHaveLength(1);
  });
});
