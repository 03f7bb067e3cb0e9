import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCsvWriter } from '../../src/csv/index.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'oiq-csv-chunks-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('openCsvWriter encoding rows into chunks', () => {
  it('writes records larger than a chunk, multi-byte text across chunk ends, and counts every byte', async () => {
    const path = join(dir, 'big.csv');
    const writer = await openCsvWriter({ path, header: ['id', 'note'], format: { delimiter: ',', recordDelimiter: '\r\n', bom: true } });
    const rows: string[][] = [];
    for (let i = 0; i < 3_000; i++) {
      // Mostly small rows; now and then a cell of 40k to 200k characters (emoji: 4 bytes, 2 UTF-16 units).
      const note = i % 500 === 7 ? `${'Ł😀"x,'.repeat(8_000 * (1 + (i % 5)))}` : `note ${i} — ça va`;
      rows.push([String(i), note]);
    }
    for (let i = 0; i < rows.length; i += 64) await writer.writeRows(rows.slice(i, i + 64));
    const counted = writer.bytesWritten();
    await writer.commit();
    expect((await stat(path)).size).toBe(counted);
    const text = await readFile(path, 'utf8');
    expect(text.startsWith('\uFEFFid,note\r\n')).toBe(true);
    expect(parse(text, { bom: true })).toEqual([['id', 'note'], ...rows]);
  });
});
