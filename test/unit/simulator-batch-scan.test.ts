import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BatchResponse } from '../../src/api/schemas.js';
import { handleBatch, handleScannedBatch, type AssignmentContext, type BatchOptions } from '../../src/simulator/assignment-routes.js';
import { scanBatchBody } from '../../src/simulator/batch-scan.js';
import { parseJsonBody } from '../../src/simulator/http-io.js';
import { createInventory } from '../../src/simulator/inventory.js';
import { createRng } from '../../src/simulator/prng.js';
import type { HandlerResult } from '../../src/simulator/types.js';

/** What one batch did: its answer text, the phones it acted on in order, the rotation counters after. */
interface Outcome {
  status: number;
  text: string;
  processed: string[];
  counters: number[];
}

interface Knobs {
  maxBatchSize: number | undefined;
  rejectBatchOnInvalidRow: boolean;
  shuffle: boolean;
  skip: number;
}

function textOf(result: HandlerResult): string {
  return 'json' in result ? result.json : JSON.stringify(result.payload);
}

/** Runs one batch body through `route` against a fresh seeded inventory. */
function run(route: (ctx: AssignmentContext, options: BatchOptions) => HandlerResult, knobs: Knobs): Outcome {
  const inventory = createInventory(3, 200);
  const processed: string[] = [];
  const ctx: AssignmentContext = { inventory, onProcessed: (phone) => processed.push(phone) };
  const options: BatchOptions = {
    maxBatchSize: knobs.maxBatchSize,
    rejectBatchOnInvalidRow: knobs.rejectBatchOnInvalidRow,
    shuffleRng: knobs.shuffle ? createRng(11) : undefined,
    missingRowIndex: (count) => (knobs.skip < count ? knobs.skip : -1),
  };
  const result = route(ctx, options);
  return { status: result.status, text: textOf(result), processed, counters: inventory.anis.map((ani) => ani.frequencyAssigned) };
}

function runGeneric(text: string, knobs: Knobs): Outcome {
  return run((ctx, options) => handleBatch(parseJsonBody(text), ctx, options), knobs);
}

// Values a lead field may hold: the usual ones, and every kind the fast reader must leave alone.
const fieldValue = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('2125550101', '13105550102', '7755550103', '8605550104', '12345', '0125550101', '', '10016', '90210-1234', 'winback') },
  { weight: 3, arbitrary: fc.string({ maxLength: 8 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 4 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 4 }) },
  { weight: 1, arbitrary: fc.constantFrom('a"b', 'a\\b', 'tab\there', 'line\nbreak', '\u2028', '\ud800', 'é') },
  { weight: 2, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.boolean(), fc.constant([]), fc.constant({})) },
);
const leadKey = fc.constantFrom('row_id', 'prospect_phone', 'prospect_zip', 'dialer_campaign', 'row_id', 'prospect_phone', 'other', '__proto__');

function leadJson(pairs: ReadonlyArray<readonly [string, unknown]>): string {
  return `{${pairs.map(([key, value]) => `${JSON.stringify(key)}:${JSON.stringify(value)}`).join(',')}}`;
}

const usualValue = fc.constantFrom('2125550101', '13105550102', '7755550103', '8605550104', '12345', '', '10016', '90210-1234', 'winback', null);
const rowId = fc.oneof(fc.integer({ min: 1, max: 999 }).map(String), fc.string({ minLength: 1, maxLength: 4 }));

/** A lead as a client writes it: row_id, then the other known keys at most once, in any order. */
const cleanLead = fc
  .tuple(
    rowId,
    fc.shuffledSubarray(['prospect_phone', 'prospect_zip', 'dialer_campaign', 'prospect_phone']),
    fc.array(usualValue, { minLength: 4, maxLength: 4 }),
  )
  .map(([id, keys, values]) => leadJson([['row_id', id], ...keys.map((key, i) => [key, values[i]] as const)]));

/** A lead with anything in it: keys repeated or unknown, values of every kind. */
const messyLead = fc
  .tuple(fc.array(fc.tuple(leadKey, fieldValue), { maxLength: 5 }), rowId)
  .map(([fields, id]) => leadJson([['row_id', id], ...fields]));

/** `usual` most of the time, one of `odd` now and then. */
function mostly<T>(usual: readonly T[], odd: readonly T[]): fc.Arbitrary<T> {
  return fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...usual) }, { weight: 1, arbitrary: fc.constantFrom(...odd) });
}

const space = mostly(['', '', ' ', '  '], ['\n', '\t', '\r\n ']);

/** Bodies near the batch shape: valid ones mostly, with damage, odd spacing and odd top-level keys. */
const batchText = fc
  .tuple(
    fc.array(
      fc.oneof({ weight: 20, arbitrary: cleanLead }, { weight: 2, arbitrary: messyLead }, { weight: 1, arbitrary: fc.constantFrom('null', '1', '[]', '"x"', '{}') }),
      { minLength: 1, maxLength: 6 },
    ),
    mostly(['false', 'true', 'null', undefined], ['"yes"', '0']),
    mostly([undefined], ['"extra":1', '"leads":[]', '"real_time":true']),
    space,
    fc.nat(),
    mostly(['none'], ['truncate', 'append', 'wrap']),
  )
  .map(([leads, realTime, extra, ws, cut, damage]) => {
    const members = [`"leads"${ws}:${ws}[${leads.join(`,${ws}`)}]`];
    if (realTime !== undefined) members.unshift(`"real_time":${ws}${realTime}`);
    if (extra !== undefined) members.push(extra);
    const text = `${ws}{${ws}${members.join(`${ws},`)}${ws}}${ws}`;
    if (damage === 'truncate') return text.slice(0, cut % (text.length + 1));
    if (damage === 'append') return `${text}x`;
    if (damage === 'wrap') return `[${text}]`;
    return text;
  });

const knobs = fc.record({
  maxBatchSize: fc.option(fc.integer({ min: 1, max: 6 }), { nil: undefined }),
  rejectBatchOnInvalidRow: fc.boolean(),
  shuffle: fc.boolean(),
  skip: fc.integer({ min: -1, max: 6 }),
});

describe('simulator fast batch reader', () => {
  it('reads only what JSON.parse reads, and then answers exactly as the general path does', () => {
    let scanned = 0;
    fc.assert(
      fc.property(fc.oneof({ weight: 9, arbitrary: batchText }, { weight: 1, arbitrary: fc.json() }), knobs, (text, k) => {
        const leads = scanBatchBody(text);
        if (leads === undefined) return;
        scanned++;
        expect(() => JSON.parse(text)).not.toThrow();
        expect(run((ctx, options) => handleScannedBatch(leads, ctx, options), k)).toEqual(runGeneric(text, k));
      }),
      { numRuns: 3000, seed: 20260528 },
    );
    // The property means something only if the fast reader took a good share of the bodies.
    expect(scanned).toBeGreaterThan(300);
  });

  it('reads the compact bodies clients send, whatever the key order and optional fields', () => {
    const body = {
      real_time: false,
      leads: [
        { row_id: '1', prospect_phone: '2125550101', prospect_zip: '10016', dialer_campaign: 'winback' },
        { dialer_campaign: null, prospect_zip: null, prospect_phone: '12345', row_id: 'r "2"'.replace(/"/g, '') },
        { row_id: '3' },
      ],
    };
    expect(scanBatchBody(JSON.stringify(body))).toEqual({
      quotedRowIds: ['"1"', '"r 2"', '"3"'],
      phones: ['2125550101', '12345', undefined],
      zips: ['10016', undefined, undefined],
    });
    expect(scanBatchBody(JSON.stringify({ leads: body.leads }, null, 2).replace(/\n/g, ' '))).toBeDefined();
  });

  it.each([
    ['an escape', '{"leads":[{"row_id":"a\\"b","prospect_phone":"2125550101"}]}'],
    ['a non-ASCII character', '{"leads":[{"row_id":"é","prospect_phone":"2125550101"}]}'],
    ['a line break between tokens', '{"leads":[{"row_id":"1",\n"prospect_phone":"2125550101"}]}'],
    ['a repeated key', '{"leads":[{"row_id":"1","row_id":"2","prospect_phone":"2125550101"}]}'],
    ['an unknown key', '{"leads":[{"row_id":"1","prospect_phone":"2125550101","x":"y"}]}'],
    ['a number', '{"leads":[{"row_id":"1","prospect_phone":2125550101}]}'],
    ['an empty row_id', '{"leads":[{"row_id":"","prospect_phone":"2125550101"}]}'],
    ['a null row_id', '{"leads":[{"row_id":null,"prospect_phone":"2125550101"}]}'],
    ['no leads', '{"real_time":false}'],
    ['empty leads', '{"leads":[]}'],
    ['a string real_time', '{"real_time":"no","leads":[{"row_id":"1"}]}'],
    ['trailing text', '{"leads":[{"row_id":"1"}]}x'],
    ['a trailing comma', '{"leads":[{"row_id":"1"},]}'],
  ])('leaves a body with %s to JSON.parse', (_label, text) => {
    expect(scanBatchBody(text)).toBeUndefined();
  });

  it('writes answers that are JSON.stringify’s own text and the documented shape, on both paths', () => {
    const leads = [
      { row_id: '1', prospect_phone: '2125550101' },
      { row_id: 'a"b\\c\u2028é', prospect_phone: '7755550103', prospect_zip: '89501' },
      { row_id: '\ud800x', prospect_phone: 'bad' },
      { row_id: '4', prospect_phone: '9995550106' },
      { row_id: '5', prospect_phone: '2125550101', prospect_zip: 7 },
    ];
    const k: Knobs = { maxBatchSize: undefined, rejectBatchOnInvalidRow: false, shuffle: true, skip: -1 };
    const generic = runGeneric(JSON.stringify({ leads }), k);
    const ascii = leads.filter((lead) => /^[ -~]*$/.test(lead.row_id) && typeof lead.prospect_zip !== 'number');
    const fast = scanBatchBody(JSON.stringify({ leads: ascii }));
    expect(fast).toBeDefined();
    const scanned = run((ctx, options) => handleScannedBatch(fast as NonNullable<typeof fast>, ctx, options), k);
    for (const outcome of [generic, scanned]) {
      expect(JSON.stringify(JSON.parse(outcome.text))).toBe(outcome.text);
      expect(BatchResponse.safeParse(JSON.parse(outcome.text)).success).toBe(true);
    }
    const rows = JSON.parse(generic.text).results as Array<{ row_id: string; outboundani: string; error: string }>;
    expect(new Map(rows.map((row) => [row.row_id, row.error]))).toEqual(
      new Map([
        ['1', ''],
        ['a"b\\c\u2028é', ''],
        ['\ud800x', 'Invalid prospect_phone'],
        ['4', 'No available ANI found'],
        ['5', 'Invalid prospect_zip'],
      ]),
    );
  });
});
