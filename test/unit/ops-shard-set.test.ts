import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkShardSet, expectedShardRows, type ShardCandidate } from '../../src/ops/shard-set.js';
import { INPUT_A, makeSummary } from './ops-summaries.js';

const shard = (index: number, count: number, over: Partial<ShardCandidate> = {}, input = INPUT_A): ShardCandidate => ({
  path: `out/leads.shard-${index}.csv`,
  summary: makeSummary({ shard: { index, count, input } }),
  unfinished: false,
  ...over,
});

const refusal = (candidates: ShardCandidate[]): string => {
  try {
    checkShardSet(candidates);
  } catch (err) {
    expect((err as { code: string }).code).toMatch(/^E_(INPUT|USAGE)$/); // both exit 2
    return (err as Error).message;
  }
  throw new Error('expected a refusal');
};

describe('checkShardSet', () => {
  it('accepts a complete set in any order and returns it by index', () => {
    const set = checkShardSet([shard(2, 3), shard(0, 3), shard(1, 3)]);
    expect(set.map((s) => [s.index, s.count, s.path])).toEqual([
      [0, 3, 'out/leads.shard-0.csv'],
      [1, 3, 'out/leads.shard-1.csv'],
      [2, 3, 'out/leads.shard-2.csv'],
    ]);
    expect(checkShardSet([shard(0, 1)])).toHaveLength(1);
  });

  it('refuses missing shards, naming them and what was given', () => {
    expect(refusal([shard(0, 3), shard(1, 3)])).toBe('missing shard 2/3 (given: 0/3, 1/3): merge needs all 3');
    expect(refusal([shard(1, 4)])).toBe('missing shards 0/4, 2/4, 3/4 (given: 1/4): merge needs all 4');
    expect(refusal([])).toMatch(/no shard files given/);
  });

  it('refuses a shard given twice, shards of different splits and shards of different inputs', () => {
    expect(refusal([shard(0, 2), shard(1, 2), shard(1, 2, { path: 'elsewhere/s1.csv' })])).toBe('shard 1/2 given twice: out/leads.shard-1.csv and elsewhere/s1.csv');
    expect(refusal([shard(0, 2), shard(1, 3)])).toBe('shards of different splits: out/leads.shard-0.csv is shard 0/2, out/leads.shard-1.csv is 1/3');
    const other = { ...INPUT_A, tail: 'c'.repeat(64) }; // same size and start, different end: another file
    expect(refusal([shard(0, 2), shard(1, 2, {}, other)])).toMatch(/^shards from different inputs: out\/leads\.shard-0\.csv was cut from leads\.csv \(1234 bytes/);
  });

  it('refuses shards whose run did not finish or that are not shard files', () => {
    expect(refusal([shard(0, 2), shard(1, 2, { unfinished: true })])).toMatch(/shard-1\.csv: its run has not finished .*--resume/);
    expect(refusal([shard(0, 2), shard(1, 2, { summary: undefined })])).toBe('out/leads.shard-1.csv: no summary (out/leads.shard-1.csv.summary.json), so its run did not finish or the file is not a shard file');
    expect(refusal([shard(0, 2, { summary: makeSummary() })])).toMatch(/not a shard file \(its summary has no "shard"/);
    const stopped = makeSummary({ shard: { index: 1, count: 2, input: INPUT_A }, exitCode: 143, stoppedBecause: 'interrupted; run the same command with --resume to continue' });
    expect(refusal([shard(0, 2), shard(1, 2, { summary: stopped })])).toMatch(/its run stopped early \(interrupted; run the same command with --resume/);
    expect(refusal([shard(0, 1, { summary: makeSummary({ shard: { index: 0, count: 1, input: INPUT_A }, dryRun: true }) })])).toMatch(/dry run/);
  });
});

describe('expectedShardRows', () => {
  it('splits any number of rows over N shards exactly, position mod N', () => {
    fc.assert(
      fc.property(fc.nat(5000), fc.integer({ min: 1, max: 17 }), (total, count) => {
        let sum = 0;
        for (let k = 0; k < count; k++) {
          let direct = 0;
          for (let p = k; p < total; p += count) direct++;
          expect(expectedShardRows(total, k, count)).toBe(direct);
          sum += direct;
        }
        expect(sum).toBe(total);
      }),
      { numRuns: 200 },
    );
  });
});
