import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRowFormatter } from '../../src/csv/row-text.js';
import { StagedRows, type RowDialect } from '../../src/pipeline/staged-rows.js';
import type { ResultColumns, RowOutcome } from '../../src/pipeline/types.js';

/**
 * The output row as the contract states it: the input's cells under the header (a short row padded),
 * the result cells set (in place when the input has those columns), a shard's position, and a longer
 * row's extra cells after all of them.
 */
function modelRow(fields: readonly string[], columns: ResultColumns, index: number, outcome?: RowOutcome): string[] {
  const row = Array.from({ length: columns.width }, (_, i) => (i < columns.inputWidth ? (fields[i] ?? '') : ''));
  if (outcome) {
    row[columns.value] = outcome.value;
    row[columns.error] = outcome.error;
    row[columns.status] = outcome.status;
  }
  if (columns.position !== undefined) row[columns.position] = String(index);
  return [...row, ...fields.slice(columns.inputWidth)];
}

const CELL_CHARS = [',', ';', '"', '\n', '\r', '=', '-', 'a', '5', ' ', 'é', '😀'];
const cell = fc.array(fc.constantFrom(...CELL_CHARS), { maxLength: 6 }).map((c) => c.join(''));
/** Now and then a cell of a few KiB (chunks of 64 KiB fill and are reused), or one longer than a chunk. */
const bigCell = fc.oneof(
  { weight: 30, arbitrary: cell },
  { weight: 4, arbitrary: fc.integer({ min: 1_000, max: 30_000 }).map((n) => 'y'.repeat(n)) },
  { weight: 1, arbitrary: fc.constantFrom('x'.repeat(70_000), 'é'.repeat(40_000)) },
);
const outcome = fc.record({ status: fc.constantFrom('assigned', 'rejected', 'failed'), value: cell, error: cell });

/** A layout: the input's width, and where the three result columns (and a shard position) go. */
const layout = fc
  .record({ inputWidth: fc.integer({ min: 1, max: 5 }), inPlace: fc.boolean(), shard: fc.boolean() })
  .chain(({ inputWidth, inPlace, shard }) => {
    if (!inPlace || inputWidth < 3) {
      const width = inputWidth + 3;
      const base = { value: inputWidth, error: inputWidth + 1, status: inputWidth + 2, inputWidth, width };
      return fc.constant<ResultColumns>(shard ? { ...base, position: width, width: width + 1 } : base);
    }
    // A rerun's input: the three columns already there, in any order.
    return fc.shuffledSubarray([...Array(inputWidth).keys()], { minLength: 3, maxLength: 3 }).map(([value, error, status]) => ({ value: value!, error: error!, status: status!, inputWidth, width: inputWidth }));
  });

type Plan = { kind: 'open' | 'keep' | 'done' | 'skip'; fields: string[]; outcome: RowOutcome };
const plan = (width: number) =>
  fc.record({
    kind: fc.constantFrom('open', 'open', 'keep', 'done', 'skip'),
    fields: fc.array(bigCell, { minLength: 0, maxLength: width + 2, size: 'max' }),
    outcome,
  }) as fc.Arbitrary<Plan>;

const dialects = fc.record({ delimiter: fc.constantFrom(',', ';', '\t'), recordDelimiter: fc.constantFrom('\n', '\r\n'), excelSafe: fc.boolean() });

describe('StagedRows', () => {
  it('writes every row, in input order, byte for byte as the formatter writes the contract’s row, whatever order answers come in', async () => {
    await fc.assert(
      fc.asyncProperty(
        dialects,
        layout.chain((columns) => fc.tuple(fc.constant(columns), fc.array(plan(columns.width), { minLength: 1, maxLength: 80, size: 'max' }))),
        fc.constantFrom(1, 2, 8, 1024),
        fc.integer({ min: 0, max: 1000 }),
        fc.infiniteStream(fc.nat()),
        async (dialect: RowDialect, [columns, plans], capacity, firstIndex, picks) => {
          const staged = new StagedRows({ dialect, columns, firstIndex, capacity });
          const chunks: Buffer[] = [];
          const counted: string[] = [];
          const target = {
            writeBytes: async (bytes: Buffer) => void chunks.push(Buffer.from(bytes)),
            countRow: (status: string, error: string, warning: string | undefined) => void counted.push(`${status}|${error}|${warning ?? ''}`),
          };
          const open: number[] = [];
          const pick = picks[Symbol.iterator]();
          for (let i = 0; i < plans.length; i++) {
            const { kind, fields, outcome: o } = plans[i]!;
            const index = firstIndex + i;
            if (kind === 'open') {
              staged.stageOpen(index, fields, `w${i}`);
              open.push(i);
            } else if (kind === 'keep') staged.stageFinished(index, fields, undefined, 'kept', '', undefined);
            else if (kind === 'done') staged.stageFinished(index, fields, o, o.status, o.error, undefined);
            else staged.skip(index);
            // Now and then, answer a random open row and write what is ready.
            if (open.length > 0 && pick.next().value % 3 === 0) {
              const [r] = open.splice(pick.next().value % open.length, 1);
              staged.finish(firstIndex + r!, plans[r!]!.outcome);
              await staged.writeReady(target);
            }
          }
          while (open.length > 0) {
            const [r] = open.splice(pick.next().value % open.length, 1);
            staged.finish(firstIndex + r!, plans[r!]!.outcome);
          }
          await staged.writeReady(target);

          const format = createRowFormatter(dialect);
          const expected = plans.flatMap(({ kind, fields, outcome: o }, i) => {
            if (kind === 'skip') return [];
            const row = modelRow(fields, columns, firstIndex + i, kind === 'keep' ? undefined : o);
            return [format(row) + dialect.recordDelimiter];
          });
          expect(Buffer.concat(chunks).toString('utf8')).toBe(expected.join(''));
          const expectedCounts = plans.flatMap(({ kind, outcome: o }, i) =>
            kind === 'skip' ? [] : kind === 'keep' ? ['kept||'] : kind === 'done' ? [`${o.status}|${o.error}|`] : [`${o.status}|${o.error}|w${i}`],
          );
          expect(counted).toEqual(expectedCounts);
          expect(staged.buffered()).toBe(0);
          expect(staged.writtenNext()).toBe(firstIndex + plans.length);
        },
      ),
      { numRuns: 400, seed: 11 },
    );
  });

  it('holds rows behind an open one, and counts them as buffered and not ready', async () => {
    const columns: ResultColumns = { value: 1, error: 2, status: 3, inputWidth: 1, width: 4 };
    const staged = new StagedRows({ dialect: { delimiter: ',', recordDelimiter: '\n', excelSafe: false }, columns, firstIndex: 10 });
    const out: string[] = [];
    const target = { writeBytes: async (b: Buffer) => void out.push(b.toString()), countRow: () => undefined };
    staged.stageOpen(10, ['a'], undefined);
    staged.stageFinished(11, ['b'], { status: 'invalid', value: '', error: 'bad' }, 'invalid', 'bad', undefined);
    await staged.writeReady(target);
    expect(out).toEqual([]);
    expect([staged.buffered(), staged.readyCount(), staged.writtenNext()]).toEqual([2, 0, 10]);
    staged.finish(10, { status: 'assigned', value: '2125550101', error: '' });
    expect(staged.readyCount()).toBe(2);
    await staged.writeReady(target);
    expect(out.join('')).toBe('a,2125550101,,assigned\nb,,bad,invalid\n');
    expect(staged.writtenNext()).toBe(12);
  });

  it('refuses a row answered twice, never staged, or staged out of order', () => {
    const columns: ResultColumns = { value: 1, error: 2, status: 3, inputWidth: 1, width: 4 };
    const staged = new StagedRows({ dialect: { delimiter: ',', recordDelimiter: '\n', excelSafe: false }, columns });
    const answer = { status: 'assigned', value: 'x', error: '' };
    staged.stageOpen(0, ['a'], undefined);
    staged.finish(0, answer);
    expect(() => staged.finish(0, answer)).toThrow(/not waiting/);
    expect(() => staged.finish(5, answer)).toThrow(/not waiting/);
    expect(() => staged.stageOpen(3, ['c'], undefined)).toThrow(/out of order/);
  });
});
