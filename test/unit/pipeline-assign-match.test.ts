import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BatchResponse, BatchResult } from '../../src/api/schemas.js';
import { matchResults, rowOf } from '../../src/pipeline/assign-job.js';
import type { JobItem, RowOutcome } from '../../src/pipeline/types.js';

/** A row's row_id as the lead store writes it: its 1-based number. */
const rowIdOf = (index: number): string => String(index + 1);

/** Sent rows as the job builds them: row_id is the row's number, so ids are unique. */
function sent(indexes: readonly number[]): JobItem<string>[] {
  return indexes.map((index) => ({ index, payload: rowIdOf(index) }));
}

const ok = (rowId: string, ani = `55501${rowId.padStart(5, '0')}`): BatchResult => ({ row_id: rowId, outboundani: ani, error: '' });

function match(items: JobItem<string>[], results: BatchResult[] | undefined, e164 = false): { out: [number, RowOutcome][]; missing: number[] } {
  const out = new Map<number, RowOutcome>();
  const body: BatchResponse = results === undefined ? { success: true } : { success: true, results };
  const missing = matchResults(items, body, out, e164);
  return { out: [...out], missing: missing.map((item) => item.index) };
}

/** The matching as it was before the in-order fast path: everything through one map. The oracle. */
function matchByMap(items: readonly JobItem<string>[], results: readonly BatchResult[]): { out: [number, RowOutcome][]; missing: number[] } {
  const byId = new Map(items.map((item) => [item.payload, item]));
  const out: [number, RowOutcome][] = [];
  for (const r of results) {
    const item = byId.get(r.row_id);
    if (!item) continue;
    byId.delete(r.row_id);
    const ani = r.outboundani ?? '';
    const error = r.error ?? '';
    out.push([item.index, error === '' && ani !== '' ? { status: 'assigned', value: ani, error: '' } : { status: 'rejected', value: '', error: error || 'the API returned no ANI and no reason' }]);
  }
  return { out, missing: [...byId.values()].map((item) => item.index) };
}

describe('matchResults', () => {
  it('an answer in request order: every row matched, nothing missing', () => {
    const { out, missing } = match(sent([0, 1, 2]), [ok('1'), ok('2'), { row_id: '3', outboundani: null, error: 'No ANI available' }]);
    expect(out).toEqual([
      [0, { status: 'assigned', value: '5550100001', error: '' }],
      [1, { status: 'assigned', value: '5550100002', error: '' }],
      [2, { status: 'rejected', value: '', error: 'No ANI available' }],
    ]);
    expect(missing).toEqual([]);
  });

  it('out of order: matched by row_id, never by position, outcomes in answer order', () => {
    const { out, missing } = match(sent([4, 5, 6, 7]), [ok('5'), ok('7'), ok('6', '5550100066'), ok('8', '5550100088')]);
    expect(out).toEqual([
      [4, { status: 'assigned', value: '5550100005', error: '' }],
      [6, { status: 'assigned', value: '5550100007', error: '' }],
      [5, { status: 'assigned', value: '5550100066', error: '' }],
      [7, { status: 'assigned', value: '5550100088', error: '' }],
    ]);
    expect(missing).toEqual([]);
  });

  it('rows missing from the answer (at the end, in the middle, or no results at all) are returned, in request order, to be re-sent', () => {
    expect(match(sent([0, 1, 2, 3]), [ok('1'), ok('2')]).missing).toEqual([2, 3]);
    const middle = match(sent([0, 1, 2, 3]), [ok('1'), ok('4'), ok('2')]);
    expect(middle.out.map(([index]) => index)).toEqual([0, 3, 1]);
    expect(middle.missing).toEqual([2]);
    expect(match(sent([0, 1]), []).missing).toEqual([0, 1]);
    expect(match(sent([0, 1]), undefined)).toEqual({ out: [], missing: [0, 1] });
  });

  it('a duplicate row_id counts once (the first answer wins); unknown row_ids are never credited to another row', () => {
    const { out, missing } = match(sent([0, 1, 2]), [ok('1'), ok('1', '5550100999'), ok('99'), ok('2'), { row_id: '2', outboundani: null, error: 'late' }]);
    expect(out).toEqual([
      [0, { status: 'assigned', value: '5550100001', error: '' }],
      [1, { status: 'assigned', value: '5550100002', error: '' }],
    ]);
    expect(missing).toEqual([2]);
    // A duplicate of an in-order row after the last sent row, and extra rows past the end, change nothing.
    expect(match(sent([0, 1]), [ok('1'), ok('2'), ok('2', 'x'), ok('3')])).toEqual(match(sent([0, 1]), [ok('1'), ok('2')]));
  });

  it('no ANI and no error is a rejection that says so; --e164 formats the ANI', () => {
    expect(match(sent([0]), [{ row_id: '1' }]).out).toEqual([[0, { status: 'rejected', value: '', error: 'the API returned no ANI and no reason' }]]);
    expect(match(sent([0]), [ok('1', '2155550117')], true).out).toEqual([[0, { status: 'assigned', value: '+12155550117', error: '' }]]);
  });

  it('agrees with matching everything through a map, on answers that reorder, drop, repeat and invent rows', () => {
    const answer = (n: number) =>
      fc
        .tuple(
          fc.array(fc.oneof({ arbitrary: fc.nat({ max: n + 2 }), weight: 1 }, { arbitrary: fc.constant(-1), weight: 4 }), { maxLength: n + 4 }),
          fc.boolean(),
          fc.array(fc.constantFrom<Pick<BatchResult, 'outboundani' | 'error'>>({ outboundani: '5550100999', error: '' }, { outboundani: null, error: 'No ANI' }, {}), { minLength: n + 4, maxLength: n + 4 }),
        )
        // -1 is "the next row in order", so most answers are mostly in order, like the real API's.
        .map(([picks, shuffle, fields]) => {
          let next = 0;
          const ids = picks.map((p) => (p === -1 ? next++ : p));
          if (shuffle) ids.reverse();
          return ids.map((id, i) => ({ row_id: String(id + 1), ...fields[i] }));
        });
    const scenario = fc.integer({ min: 0, max: 8 }).chain((n) => fc.tuple(fc.constant(n), answer(n)));
    fc.assert(
      fc.property(scenario, ([n, results]) => {
        const items = sent(Array.from({ length: n }, (_, i) => i));
        expect(match(items, results)).toEqual(matchByMap(items, results));
      }),
      { numRuns: 2_000 },
    );
  });

  it('reads a row_id as the row it names, and anything not written as a row number as no row', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 ** 14 }), (row) => {
        expect(rowOf(rowIdOf(row))).toBe(row);
      }),
    );
    for (const id of ['', '0', '01', '1.0', '+1', ' 1', '1 ', '-1', '1e3', '\u0661', 'x', '1234567890123456']) expect(rowOf(id)).toBe(-1);
    fc.assert(
      fc.property(fc.string({ maxLength: 6 }), (id) => {
        expect(rowOf(id) === -1 || rowIdOf(rowOf(id)) === id).toBe(true);
      }),
    );
  });
});
