import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { openCsvWriter } from '../../src/csv/index.js';
import { mergeShards } from '../../src/ops/merge.js';
import { INPUT_A, makeSummary } from './ops-summaries.js';

const logger = pino({ level: 'silent' });
const HEADER = ['name', 'phone', 'notes', 'outboundani', 'error', 'status'];
type Format = { delimiter: string; recordDelimiter: '\n' | '\r\n'; bom: boolean };
const CSV: Format = { delimiter: ',', recordDelimiter: '\r\n', bom: true };

/** Writes `rows` as one run would, and as N shard files with their summaries, the way assign --shard does. */
async function writeRun(dir: string, rows: string[][], n: number, format: Format = CSV): Promise<{ single: string; shards: string[] }> {
  const single = join(dir, 'single.csv');
  const w = await openCsvWriter({ path: single, header: HEADER, format });
  await w.writeRows(rows);
  await w.commit();
  const shards: string[] = [];
  for (let k = 0; k < n; k++) {
    const path = join(dir, `shard-${k}.csv`);
    const mine = rows.flatMap((r, p) => (p % n === k ? [[...r.slice(0, HEADER.length), String(p), ...r.slice(HEADER.length)]] : []));
    const sw = await openCsvWriter({ path, header: [...HEADER, 'oiq_row'], format });
    await sw.writeRows(mine);
    await sw.commit();
    const failed = mine.filter((r) => r[5] === 'failed').length;
    writeFileSync(`${path}.summary.json`, JSON.stringify(makeSummary({ rows: { total: mine.length, assigned: mine.length - failed, rejected: 0, invalid: 0, failed }, shard: { index: k, count: n, input: INPUT_A } })));
    shards.push(path);
  }
  return { single, shards };
}

const tmp = () => mkdtempSync(join(tmpdir(), 'oiq-merge-'));
const row = (i: number, status = 'assigned', extra: string[] = []) => [`Person ${i}`, `212555${String(i).padStart(4, '0')}`, i % 3 ? 'a, "quoted"\r\nnote' : '', status === 'assigned' ? '2125550000' : '', status === 'assigned' ? '' : 'why', status, ...extra];

describe('mergeShards', () => {
  it('rebuilds the single run\'s bytes for any content, dialect and shard count', async () => {
    const text = fc.string({ unit: fc.constantFrom('a', 'Z', '7', ' ', ',', ';', '\t', '|', '"', '\r', '\n', 'é', '☎', "'", '='), maxLength: 12 });
    const record = fc.tuple(fc.array(text, { minLength: HEADER.length, maxLength: HEADER.length }), fc.array(text, { maxLength: 2 })).map(([cells, extra]) => [...cells, ...extra]);
    const format = fc.record({ delimiter: fc.constantFrom(',', ';', '\t', '|'), recordDelimiter: fc.constantFrom('\n' as const, '\r\n' as const), bom: fc.boolean() });
    await fc.assert(
      fc.asyncProperty(fc.array(record, { maxLength: 40 }), fc.integer({ min: 1, max: 5 }), format, async (rows, n, f) => {
        const dir = tmp();
        const { single, shards } = await writeRun(dir, rows, n, f);
        const out = join(dir, 'merged.csv');
        const summary = await mergeShards({ shards: [...shards].reverse(), output: out, logger });
        expect(readFileSync(out).equals(readFileSync(single))).toBe(true);
        expect(summary.rows.total).toBe(rows.length);
      }),
      { numRuns: 60 },
    );
  });

  it('writes the summed summary (exit 1 when rows failed) next to the output, or to --report', async () => {
    const dir = tmp();
    const { shards } = await writeRun(dir, [row(0), row(1, 'failed'), row(2), row(3), row(4, 'failed')], 2);
    const out = join(dir, 'merged.csv');
    const summary = await mergeShards({ shards, output: out, logger });
    expect(summary.exitCode).toBe(1);
    expect(summary.rows).toMatchObject({ total: 5, failed: 2, assigned: 3 });
    expect(summary.mergedFrom).toEqual(shards);
    expect(JSON.parse(readFileSync(`${out}.summary.json`, 'utf8'))).toEqual(summary);
    await mergeShards({ shards, output: out, report: join(dir, 'r.json'), logger });
    expect(JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')).rows.total).toBe(5);
  });

  const refused = async (dir: string, shards: string[], message: RegExp) => {
    const out = join(dir, 'merged.csv');
    await expect(mergeShards({ shards, output: out, logger })).rejects.toThrow(message);
    expect(readdirSync(dir).filter((n) => n.includes('merged'))).toEqual([]); // no output, no temporary file
  };
  const rows10 = Array.from({ length: 10 }, (_, i) => row(i));

  it('refuses a shard cut short, one with rows added, and rows out of place, leaving nothing behind', async () => {
    let dir = tmp();
    let { shards } = await writeRun(dir, rows10, 3);
    const lines = (p: string) => readFileSync(p, 'utf8').split(/\r\n(?=Person|$)/);
    const cut = lines(shards[1]!);
    writeFileSync(shards[1]!, `${cut.slice(0, -2).join('\r\n')}\r\n`);
    await refused(dir, shards, /shard-1\.csv: ends before the row at position 7 \(its summary counts 3 rows\)/);

    ({ shards } = await writeRun((dir = tmp()), rows10, 3));
    writeFileSync(shards[0]!, `${readFileSync(shards[0]!, 'utf8')}Person 99,,,,,assigned,12\r\n`);
    await refused(dir, shards, /shard-0\.csv, line \d+: more rows than its summary counts \(4\)/);

    ({ shards } = await writeRun((dir = tmp()), rows10, 2));
    const swapped = lines(shards[0]!);
    [swapped[1], swapped[2]] = [swapped[2]!, swapped[1]!];
    writeFileSync(shards[0]!, swapped.join('\r\n'));
    await refused(dir, shards, /shard-0\.csv, line 2: oiq_row is "2", expected 0/);
  });

  it('refuses shards with different columns, an unfinished shard, a file that is not a shard, and an output that is a shard', async () => {
    let dir = tmp();
    let { shards } = await writeRun(dir, rows10, 2);
    writeFileSync(shards[1]!, readFileSync(shards[1]!, 'utf8').replace('notes', 'comments'));
    await refused(dir, shards, /shard-1\.csv: its header differs from .*shard-0\.csv's/);

    ({ shards } = await writeRun((dir = tmp()), rows10, 2));
    writeFileSync(join(dir, '.shard-1.csv.partial'), 'half');
    await refused(dir, shards, /shard-1\.csv: its run has not finished/);

    ({ shards } = await writeRun((dir = tmp()), rows10, 1));
    writeFileSync(shards[0]!, readFileSync(join(dir, 'single.csv')));
    await refused(dir, shards, /not a shard file \(its header does not end with the oiq_row column/);

    ({ shards } = await writeRun((dir = tmp()), rows10, 1));
    await expect(mergeShards({ shards, output: shards[0]!, logger })).rejects.toThrow(/the output .* is also one of the shard files/);
    expect(existsSync(`${shards[0]}.summary.json`)).toBe(true);
  });
});
