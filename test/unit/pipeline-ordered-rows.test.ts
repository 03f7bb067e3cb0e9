import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OrderedRows } from '../../src/pipeline/ordered-rows.js';

const row = (i: number) => ({ fields: [String(i)], status: 'assigned', error: '' });

describe('OrderedRows', () => {
  it('releases rows in input order whatever order they finish in', () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { minLength: 1, maxLength: 200 }).chain((skips) => fc.tuple(fc.constant(skips), fc.shuffledSubarray([...skips.keys()], { minLength: skips.length, maxLength: skips.length }), fc.constantFrom(1, 2, 8, 1024))), ([skips, order, capacity]) => {
        // A small ring must grow (keeping every held row) when rows finish far ahead.
        const ordered = new OrderedRows(0, capacity);
        const out: string[] = [];
        for (const i of order) {
          ordered.finish(i, skips[i] ? null : row(i));
          out.push(...ordered.take().map((r) => r.fields[0]!));
        }
        const expected = skips.flatMap((skip, i) => (skip ? [] : [String(i)]));
        expect(out).toEqual(expected);
        expect(ordered.buffered()).toBe(0);
        expect(ordered.nextIndex()).toBe(skips.length);
      }),
    );
  });

  it('holds rows behind a gap and counts them as buffered', () => {
    const ordered = new OrderedRows(10);
    ordered.finish(12, row(12));
    ordered.finish(11, row(11));
    expect(ordered.take()).toEqual([]);
    expect(ordered.buffered()).toBe(2);
    ordered.finish(10, row(10));
    expect(ordered.take().map((r) => r.fields[0])).toEqual(['10', '11', '12']);
  });

  it('refuses a row finished twice, whether it has left or is still held', () => {
    const ordered = new OrderedRows(0, 2);
    ordered.finish(0, row(0));
    expect(() => ordered.finish(0, row(0))).toThrow(/twice/);
    ordered.finish(5, null);
    expect(() => ordered.finish(5, row(5))).toThrow(/twice/);
    ordered.finish(3, row(3));
    expect(() => ordered.finish(3, row(3))).toThrow(/twice/);
    expect(ordered.buffered()).toBe(3); // row 0 ready, rows 3 and 5 held
    expect(ordered.take().map((r) => r.fields[0])).toEqual(['0']);
  });
});
