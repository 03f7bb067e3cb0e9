import { access, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CsvSource } from '../../src/csv/index.js';
import { openCsvSource, openCsvWriter, tempPathFor } from '../../src/csv/index.js';

const fixture = (name: string): string => fileURLToPath(new URL(`../../fixtures/${name}`, import.meta.url));
const LF = { delimiter: ',', recordDelimiter: '\n', bom: false } as const;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'oiq-csv-writer-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const exists = (path: string): Promise<boolean> => access(path).then(() => true, () => false);

/** Collects what is written to it; with `hold`, each write stays pending until `release()`. */
function createSlowSink(highWaterMark: number): { stream: Writable; chunks: Buffer[]; release(): void; pending(): number } {
  const chunks: Buffer[] = [];
  const waiting: Array<() => void> = [];
  const stream = new Writable({
    highWaterMark,
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk);
      waiting.push(callback);
    },
  });
  return {
    stream,
    chunks,
    release: () => {
      for (const callback of waiting.splice(0)) callback();
    },
    pending: () => waiting.length,
  };
}

/** Reads a whole file back into rows (header first). */
async function readRows(source: CsvSource): Promise<string[][]> {
  const rows = [source.header];
  for await (const record of source.records) rows.push(record.fields);
  return rows;
}

describe('tempPathFor', () => {
  it('is a hidden .partial file next to the output', () => {
    expect(tempPathFor('/data/out/leads.enriched.csv')).toBe('/data/out/.leads.enriched.csv.partial');
    expect(tempPathFor('out.csv')).toBe('.out.csv.partial');
  });
});

describe('openCsvWriter', () => {
  it('quotes only when needed and keeps values unchanged', async () => {
    const path = join(dir, 'quoting.csv');
    const writer = await openCsvWriter({ path, header: ['a', 'b', 'c'], format: LF });
    await writer.writeRows([
      ['plain', ' spaced ', 'with,comma'],
      ['say "hi"', 'multi\nline', 'cr\ronly'],
      ['=SUM(A1)', '+1 310 555 0102', ''],
    ]);
    await writer.commit();
    expect(await readFile(path, 'utf8')).toBe(
      'a,b,c\nplain, spaced ,"with,comma"\n"say ""hi""","multi\nline","cr\ronly"\n=SUM(A1),+1 310 555 0102,\n',
    );
  });

  it('writes the input dialect: BOM, CRLF, semicolons', async () => {
    const path = join(dir, 'dialect.csv');
    const writer = await openCsvWriter({ path, header: ['x', 'y'], format: { delimiter: ';', recordDelimiter: '\r\n', bom: true } });
    await writer.writeRows([['1;2', 'Zoë']]);
    expect(writer.bytesWritten()).toBe(Buffer.byteLength('\uFEFFx;y\r\n"1;2";Zoë\r\n'));
    await writer.commit();
    expect(await readFile(path)).toEqual(Buffer.from('\uFEFFx;y\r\n"1;2";Zoë\r\n'));
  });

  it('excel-safe prefixes formula-like cells (phones with + included), only when asked', async () => {
    const path = join(dir, 'excel.csv');
    const writer = await openCsvWriter({ path, header: ['a', 'b', 'c', 'd', 'e'], format: LF, excelSafe: true });
    await writer.writeRows([['=1+1', '+1 310 555 0102', '-5', '@cmd', 'safe']]);
    await writer.commit();
    expect(await readFile(path, 'utf8')).toBe("a,b,c,d,e\n'=1+1,'+1 310 555 0102,'-5,'@cmd,safe\n");
  });

  it('writes to a temp file and renames it into place on commit', async () => {
    const path = join(dir, 'atomic.csv');
    const writer = await openCsvWriter({ path, header: ['h'], format: LF });
    await writer.writeRows([['1']]);
    await writer.sync();
    expect(await readFile(tempPathFor(path), 'utf8')).toBe('h\n1\n');
    expect(await exists(path)).toBe(false);
    await writer.commit();
    expect(await exists(tempPathFor(path))).toBe(false);
    expect(await readFile(path, 'utf8')).toBe('h\n1\n');
  });

  it('abort keeps the temp file flushed and does not create the output', async () => {
    const path = join(dir, 'aborted.csv');
    const writer = await openCsvWriter({ path, header: ['h'], format: LF });
    await writer.writeRows([['1'], ['2']]);
    await writer.abort();
    expect(await exists(path)).toBe(false);
    expect(await readFile(tempPathFor(path), 'utf8')).toBe('h\n1\n2\n');
  });

  it('resumes: truncates the temp file at the checkpoint and appends without a second header', async () => {
    const path = join(dir, 'resumed.csv');
    const first = await openCsvWriter({ path, header: ['h'], format: LF });
    await first.writeRows([['1'], ['2']]);
    await first.sync();
    const checkpoint = first.bytesWritten();
    await first.writeRows([['3-written-after-the-checkpoint']]);
    await first.abort();

    const second = await openCsvWriter({ path, header: ['h'], format: LF, resumeAtBytes: checkpoint });
    expect(second.bytesWritten()).toBe(checkpoint);
    await second.writeRows([['3'], ['4']]);
    await second.commit();
    expect(await readFile(path, 'utf8')).toBe('h\n1\n2\n3\n4\n');
  });

  it('refuses to resume without a partial file, or with one shorter than the checkpoint', async () => {
    const path = join(dir, 'never-started.csv');
    await expect(openCsvWriter({ path, header: ['h'], format: LF, resumeAtBytes: 2 })).rejects.toMatchObject({
      code: 'E_RESUME',
      message: expect.stringContaining('is missing') as unknown,
    });
    await writeFile(tempPathFor(path), 'h\n');
    await expect(openCsvWriter({ path, header: ['h'], format: LF, resumeAtBytes: 10 })).rejects.toMatchObject({
      code: 'E_RESUME',
    });
  });

  it('reports an unwritable output path as a usage error naming it', async () => {
    const path = join(dir, 'no-such-dir', 'out.csv');
    await expect(openCsvWriter({ path, header: ['h'], format: LF })).rejects.toMatchObject({
      code: 'E_USAGE',
      message: expect.stringContaining(tempPathFor(path)) as unknown,
    });
  });

  it('writes to stdout without a temp file', async () => {
    const sink = createSlowSink(1024 * 1024);
    const writer = await openCsvWriter({ path: '-', stdout: sink.stream, header: ['h'], format: LF });
    await writer.writeRows([['1']]);
    const committed = writer.commit();
    sink.release();
    await committed;
    sink.release();
    expect(Buffer.concat(sink.chunks).toString()).toBe('h\n1\n');
    expect(sink.stream.writableEnded).toBe(false); // stdout is never closed by the writer
  });

  it('batches small rows into large chunks', async () => {
    const sink = createSlowSink(16 * 1024 * 1024);
    const writer = await openCsvWriter({ path: '-', stdout: sink.stream, header: ['phone'], format: LF });
    for (let i = 0; i < 10_000; i++) await writer.writeRows([['2125550101']]); // 110 KB in 10 000 calls
    expect(sink.chunks.length).toBe(1);
    const done = writer.commit();
    sink.release();
    await done;
    expect(sink.chunks.length).toBe(2);
    expect(Buffer.concat(sink.chunks).length).toBe(writer.bytesWritten());
  });

  it('honours back-pressure: writeRows resolves only after the slow sink drains', async () => {
    const sink = createSlowSink(1024);
    const writer = await openCsvWriter({ path: '-', stdout: sink.stream, header: ['note'], format: LF });
    const rows = Array.from({ length: 1000 }, (_, i) => [`row ${i} ${'x'.repeat(80)}`]); // > 64 KiB
    let resolved = false;
    const writing = writer.writeRows(rows).then(() => {
      resolved = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(sink.pending()).toBe(1);
    expect(resolved).toBe(false);
    sink.release();
    await writing;
    expect(resolved).toBe(true);
    expect(Buffer.concat(sink.chunks).toString().split('\n')).toHaveLength(1002);
  });
});

describe('round trip', () => {
  it('writing a parsed file again gives identical bytes (messy CRM export)', async () => {
    const source = await openCsvSource(fixture('leads-demo.csv'));
    const firstPath = join(dir, 'demo-1.csv');
    const first = await openCsvWriter({ path: firstPath, header: source.header, format: source.format });
    const original: string[][] = [source.header];
    for await (const record of source.records) {
      original.push(record.fields);
      await first.writeRows([record.fields]);
    }
    await first.commit();

    // Values are unchanged, and the writer's own output is a fixed point of parse → write.
    const again = await openCsvSource(firstPath);
    expect(again.format).toEqual(source.format);
    const rows = await readRows(again);
    expect(rows).toEqual(original);
    const secondPath = join(dir, 'demo-2.csv');
    const second = await openCsvWriter({ path: secondPath, header: rows[0] as string[], format: again.format });
    await second.writeRows(rows.slice(1));
    await second.commit();
    expect(await readFile(secondPath)).toEqual(await readFile(firstPath));
  });

  it('round-trips TSV, UTF-16 input (written back as UTF-8) and gzip input', async () => {
    for (const name of ['leads-basic.tsv', 'utf16le-bom.csv', 'leads.csv.gz', 'ragged-rows.csv']) {
      const source = await openCsvSource(fixture(name));
      const rows = await readRows(source);
      const path = join(dir, `rt-${name}.csv`);
      const writer = await openCsvWriter({ path, header: rows[0] as string[], format: source.format });
      await writer.writeRows(rows.slice(1));
      await writer.commit();
      expect(await readRows(await openCsvSource(path))).toEqual(rows);
    }
  });
});
