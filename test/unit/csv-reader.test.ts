import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CsvRecord, CsvSource } from '../../src/csv/index.js';
import { openCsvSource } from '../../src/csv/index.js';
import { AppError } from '../../src/errors.js';

const fixture = (name: string): string => fileURLToPath(new URL(`../../fixtures/${name}`, import.meta.url));

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'oiq-csv-reader-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Writes a temp file and returns its path. */
async function temp(name: string, content: string | Uint8Array): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

async function readAll(source: CsvSource): Promise<CsvRecord[]> {
  const out: CsvRecord[] = [];
  for await (const record of source.records) out.push(record);
  return out;
}

/** Opens and drains a file, returning the AppError it fails with (the test fails if it does not). */
async function failureOf(input: string, options?: Parameters<typeof openCsvSource>[1]): Promise<AppError> {
  try {
    await readAll(await openCsvSource(input, options));
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return err as AppError;
  }
  throw new Error(`${input} was read without error`);
}

describe('openCsvSource: fixtures', () => {
  it('reads the messy CRM export: BOM stripped, CRLF, quoted commas and a multi-line note', async () => {
    const source = await openCsvSource(fixture('leads-demo.csv'));
    expect(source.header).toEqual(['First Name', 'Last Name', 'Company', 'Phone Number', 'Email', 'Zip Code', 'Campaign', 'Notes']);
    expect(source.format).toEqual({ delimiter: ',', recordDelimiter: '\r\n', bom: true, encoding: 'utf-8', gzip: false });
    const records = await readAll(source);
    expect(records).toHaveLength(200);
    expect(records[0]?.line).toBe(2);
    const multiLine = records.find((r) => r.fields[7]?.startsWith('Met at the trade show.'));
    expect(multiLine?.fields[7]).toBe('Met at the trade show.\r\nWants a demo with the team,\r\nfollow up in May.');
    // The record after the 3-line note starts 3 lines later.
    const after = records[records.indexOf(multiLine as CsvRecord) + 1];
    expect(after?.line).toBe((multiLine as CsvRecord).line + 3);
    expect(records.at(-1)?.line).toBe(203);
    expect(records.filter((r) => r.fields.length === 9)).toHaveLength(1);
    expect(records.some((r) => r.fields.includes('王芳'))).toBe(true);
    expect(source.totalBytes).toBe(source.bytesRead());
  });

  it('reads TSV by extension', async () => {
    const source = await openCsvSource(fixture('leads-basic.tsv'));
    expect(source.format.delimiter).toBe('\t');
    expect(source.header).toEqual(['prospect_phone', 'prospect_zip', 'dialer_campaign', 'name']);
    const records = await readAll(source);
    expect(records.map((r) => r.fields[1])).toEqual(['10001', '90210-1234', '2134']);
  });

  it('reads gzip by magic bytes', async () => {
    const source = await openCsvSource(fixture('leads.csv.gz'));
    expect(source.format.gzip).toBe(true);
    expect(source.header).toEqual(['phone', 'zip']);
    expect((await readAll(source)).map((r) => r.fields)).toEqual([
      ['2125550101', '10001'],
      ['3105550102', '90210'],
    ]);
    expect(source.bytesRead()).toBe(source.totalBytes);
  });

  it('reads gzipped TSV named .tsv.gz, and gzip whatever the name', async () => {
    const tsv = await temp('x.tsv.gz', gzipSync('phone\tzip\n2125550101\t10001\n'));
    const a = await openCsvSource(tsv);
    expect([a.format.delimiter, a.format.gzip]).toEqual(['\t', true]);
    expect((await readAll(a)).map((r) => r.fields)).toEqual([['2125550101', '10001']]);
    const renamed = await temp('renamed.csv', gzipSync('phone\n2125550101\n'));
    expect((await readAll(await openCsvSource(renamed))).map((r) => r.fields)).toEqual([['2125550101']]);
  });

  it('accepts a header-only file: no records', async () => {
    const source = await openCsvSource(fixture('header-only.csv'));
    expect(source.header).toEqual(['phone', 'zip', 'campaign']);
    expect(await readAll(source)).toEqual([]);
  });

  it('keeps ragged rows as they are (short and long)', async () => {
    const records = await readAll(await openCsvSource(fixture('ragged-rows.csv')));
    expect(records.map((r) => [r.line, r.fields.length])).toEqual([
      [2, 3],
      [3, 2],
      [4, 4],
      [5, 1],
    ]);
  });

  it('decodes UTF-16LE with BOM', async () => {
    const source = await openCsvSource(fixture('utf16le-bom.csv'));
    expect(source.format).toMatchObject({ encoding: 'utf-16le', bom: true, recordDelimiter: '\r\n' });
    expect(source.header).toEqual(['name', 'phone']);
    expect((await readAll(source)).map((r) => r.fields[0])).toEqual(['Zoë', '王芳']);
  });

  it('decodes UTF-16BE with BOM', async () => {
    const le = Buffer.from('\uFEFFname,phone\nZoë,2125550101\n', 'utf16le');
    const path = await temp('be.csv', Buffer.from(le).swap16());
    const source = await openCsvSource(path);
    expect(source.format.encoding).toBe('utf-16be');
    expect((await readAll(source)).map((r) => r.fields)).toEqual([['Zoë', '2125550101']]);
  });

  it('decodes a legacy windows-1252 export and says so', async () => {
    const source = await openCsvSource(fixture('windows-1252.csv'));
    expect(source.format.encoding).toBe('windows-1252');
    expect((await readAll(source)).map((r) => r.fields[0])).toEqual(['José Café', 'Renée € Euro']);
  });

  it('reads empty header names and duplicate header names as they are', async () => {
    expect((await openCsvSource(fixture('empty-header-names.csv'))).header).toEqual(['', 'Phone', '', 'Zip']);
    expect((await openCsvSource(fixture('duplicate-headers.csv'))).header).toEqual(['Name', 'Phone', 'Email', 'phone']);
  });
});

describe('openCsvSource: refused input', () => {
  it('refuses an unclosed quote, naming the line where the record starts', async () => {
    const file = fixture('unclosed-quote.csv');
    const err = await failureOf(file);
    expect(err.code).toBe('E_CSV');
    expect(err.message).toContain(`${file}: unclosed quote in the record starting at line 4`);
    expect(err.context).toMatchObject({ file, line: 4, column: 3 });
  });

  it('names the right line for an unclosed quote after CRLF multi-line fields and blank lines', async () => {
    const path = await temp('crlf.csv', 'a,b\r\n"x\r\ny",1\r\n\r\n\r\n2,3\r\n"open,4\r\n5,6\r\n');
    const err = await failureOf(path);
    expect(err.context).toMatchObject({ line: 7 });
  });

  it('refuses an empty file and a whitespace-only file', async () => {
    for (const path of [fixture('empty.csv'), await temp('blank.csv', '\uFEFF \r\n\n  \n')]) {
      const err = await failureOf(path);
      expect(err.code).toBe('E_INPUT');
      expect(err.message).toBe(`${path}: the file is empty (no header row)`);
    }
  });

  it('refuses a binary file', async () => {
    const file = fixture('binary-garbage.bin');
    const err = await failureOf(file);
    expect(err.code).toBe('E_INPUT');
    expect(err.message).toContain(`${file}: looks like a binary file, not CSV/TSV`);
  });

  it('refuses a missing file and a directory with the OS reason', async () => {
    const missing = join(dir, 'nope.csv');
    const err = await failureOf(missing);
    expect(err.code).toBe('E_INPUT');
    expect(err.message).toBe(`${missing}: cannot read the file (ENOENT: no such file or directory)`);
    const isDir = await failureOf(dir);
    expect(isDir.code).toBe('E_INPUT');
    expect(isDir.message).toContain('it is a directory');
  });

  it('refuses corrupt gzip data', async () => {
    const good = gzipSync('phone\n' + '2125550101\n'.repeat(1000));
    const path = await temp('corrupt.csv.gz', Buffer.concat([good.subarray(0, 20), Buffer.alloc(50, 0x41)]));
    const err = await failureOf(path);
    expect(err.code).toBe('E_INPUT');
    expect(err.message).toContain(`${path}: not a valid gzip file`);
  });

  it('refuses invalid UTF-8 after the sample of a UTF-8 file, naming the line', async () => {
    const rows = Array.from({ length: 5000 }, (_, i) => `Zoë ${i},2125550101\n`).join(''); // > 64 KiB
    const path = await temp('late-bad.csv', Buffer.concat([Buffer.from(`name,phone\n${rows}`), Buffer.from([0x43, 0x61, 0x66, 0xe9, 0x2c, 0x31, 0x0a])]));
    const err = await failureOf(path);
    expect(err.code).toBe('E_INPUT');
    expect(err.message).toContain(`${path}: line 5002: bytes that are not valid UTF-8`);
    expect(err.context).toMatchObject({ file: path, line: 5002 });
  });

  it('refuses invalid UTF-8 anywhere in a file with a UTF-8 BOM', async () => {
    const path = await temp('bom-bad.csv', Buffer.concat([Buffer.from('\uFEFFa,b\n1,2\n'), Buffer.from([0xe9, 0x0a])]));
    const err = await failureOf(path);
    expect(err.message).toContain('line 3: bytes that are not valid UTF-8');
  });

  it('refuses a line that never ends (default 8 MiB limit) but keeps a 1 MB field unchanged', async () => {
    const big = 'x'.repeat(1024 * 1024);
    const ok = await temp('big-field.csv', `name,phone,notes\nAda,2125550101,"${big}"\nAlan,3105550102,short\n`);
    const records = await readAll(await openCsvSource(ok));
    expect(records.map((r) => r.fields[2]?.length)).toEqual([big.length, 5]);
    expect(records[0]?.fields[2]).toBe(big);

    const runaway = join(dir, 'runaway.csv');
    const out = createWriteStream(runaway);
    out.write('name,phone\nAda,2125550101\n');
    const chunk = 'y'.repeat(1024 * 1024);
    for (let i = 0; i < 9; i++) out.write(chunk);
    await new Promise<void>((resolve) => out.end(resolve));
    const err = await failureOf(runaway);
    expect(err.code).toBe('E_CSV');
    expect(err.message).toContain(`${runaway}: the record starting at line 3 is larger than 8388608 bytes`);
    expect(err.context).toMatchObject({ line: 3 });
  });

  it('honours a smaller maxRecordBytes', async () => {
    const path = await temp('small-limit.csv', `a,b\n1,2\n3,${'z'.repeat(200)}\n`);
    const err = await failureOf(path, { maxRecordBytes: 100 });
    expect(err.code).toBe('E_CSV');
    expect(err.context).toMatchObject({ line: 3 });
  });

  it('refuses an unusable delimiter option', async () => {
    await expect(openCsvSource(fixture('leads-basic.tsv'), { delimiter: '' })).rejects.toMatchObject({ code: 'E_USAGE' });
    await expect(openCsvSource(fixture('leads-basic.tsv'), { delimiter: '"' })).rejects.toMatchObject({ code: 'E_USAGE' });
  });
});

describe('openCsvSource: options and streaming', () => {
  it('reads stdin for "-"', async () => {
    const stdin = Readable.from([Buffer.from('phone;zip\n2125550101;'), Buffer.from('10001\n')]);
    const source = await openCsvSource('-', { stdin });
    expect(source.file).toBe('stdin');
    expect(source.totalBytes).toBeUndefined();
    expect(source.format.delimiter).toBe(';');
    expect((await readAll(source)).map((r) => r.fields)).toEqual([['2125550101', '10001']]);
  });

  it('reads gzip from stdin', async () => {
    const stdin = Readable.from([gzipSync('phone\n2125550101\n')]);
    const source = await openCsvSource('-', { stdin });
    expect(source.format.gzip).toBe(true);
    expect((await readAll(source)).map((r) => r.fields)).toEqual([['2125550101']]);
  });

  it('names stdin in errors', async () => {
    const err = await failureOf('-', { stdin: Readable.from([Buffer.from('a,b\n"open\n')]) });
    expect(err.message).toBe('stdin: unclosed quote in the record starting at line 2 (field 1): the file ends inside a quoted field');
  });

  it('lets a delimiter option override detection', async () => {
    const source = await openCsvSource(fixture('leads-basic.tsv'), { delimiter: ',' });
    expect(source.header).toHaveLength(1);
  });

  it('accepts mixed line endings and counts lines across blank lines', async () => {
    const path = await temp('mixed.csv', 'a,b\n1,2\r\n\n\n3,4\r5,6\n');
    const records = await readAll(await openCsvSource(path));
    expect(records.map((r) => [r.line, ...r.fields])).toEqual([
      [2, '1', '2'],
      [5, '3', '4'],
      [6, '5', '6'],
    ]);
  });

  it('keeps a stray quote inside an unquoted field as text, as spreadsheets do', async () => {
    const path = await temp('stray-quote.csv', 'item,phone\n27" monitor,2125550101\n"ok",3105550102\n');
    const records = await readAll(await openCsvSource(path));
    expect(records.map((r) => r.fields)).toEqual([
      ['27" monitor', '2125550101'],
      ['ok', '3105550102'],
    ]);
  });

  it('keeps a multi-byte character split across chunks intact', async () => {
    const stdin = new PassThrough();
    const bytes = Buffer.from('name\nZoë\n');
    const split = bytes.indexOf(0xc3) + 1; // inside "ë"
    const source = openCsvSource('-', { stdin });
    stdin.write(bytes.subarray(0, split));
    stdin.end(bytes.subarray(split));
    expect((await readAll(await source)).map((r) => r.fields)).toEqual([['Zoë']]);
  });

  it('streams: a large file is pulled as records are consumed, and close() stops it', async () => {
    const row = 'Ada,Lovelace,2125550101,10001,"a note, quoted"\n';
    const path = await temp('large.csv', 'a,b,c,d,e\n' + row.repeat(100_000)); // ~4.6 MB
    const source = await openCsvSource(path);
    let n = 0;
    for await (const record of source.records) {
      expect(record.fields).toHaveLength(5);
      if (++n === 10) break;
    }
    expect(source.bytesRead()).toBeLessThan((source.totalBytes as number) / 4);
    await source.close();
  });

  it('hands records over in batches of what has been parsed, a malformed record failing after every row before it', async () => {
    const rows = Array.from({ length: 3000 }, (_, i) => `2125550${String(i).padStart(3, '0')},"note ${i}"`);
    const path = await temp('batches.csv', `phone,note\n${rows.join('\n')}\n2125559999,"never closed\n`);
    const source = await openCsvSource(path);
    const sizes: number[] = [];
    const seen: CsvRecord[] = [];
    let failure: unknown;
    try {
      for await (const batch of source.batches) {
        sizes.push(batch.length);
        seen.push(...batch);
      }
    } catch (err) {
      failure = err;
    }
    expect(seen.map((r) => r.fields[1])).toEqual(rows.map((_, i) => `note ${i}`));
    expect(seen.at(-1)!.line).toBe(3001);
    expect(Math.max(...sizes)).toBeGreaterThan(100); // a 64 KiB chunk's records at once, not one at a time
    expect(sizes.every((n) => n > 0)).toBe(true);
    expect(failure).toMatchObject({ code: 'E_CSV', context: { line: 3002 } });
  });

  it('close() destroys a stdin that never ends', async () => {
    // Format detection reads a 64 KiB sample (or to the end) first: give it that much, never end.
    const stdin = new PassThrough();
    stdin.write('phone\n' + '2125550101\n'.repeat(7000));
    const source = await openCsvSource('-', { stdin });
    const iterator = source.records[Symbol.asyncIterator]();
    expect((await iterator.next()).value).toMatchObject({ fields: ['2125550101'], line: 2 });
    await source.close();
    expect(stdin.destroyed).toBe(true);
  });
});
