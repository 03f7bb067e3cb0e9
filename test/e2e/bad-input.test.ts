/**
 * The bad-input corpus through the built CLI, one case each: every file gets a clear message (what,
 * where), the right exit code, no stack trace, and no row silently dropped. Fixtures live in
 * fixtures/ and fixtures/bad/; the two large cases (a 1 MB field, a line that never ends) and a late
 * invalid byte are generated into a temporary folder instead of being committed.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../src/simulator/index.js';
import { FIXTURES, runCli, simEnv, tempDir, type CliResult } from './harness.js';
import { parseCsv, readText } from './reliability-support.js';

const BAD = join(FIXTURES, 'bad');

let sim: RunningSimulator;
beforeAll(async () => {
  sim = await startSimulator({ seed: 21 });
});
afterAll(async () => {
  await sim.close();
});

/** Runs assign on `input` into a fresh folder; returns the result, the output path and what the API received. */
async function assign(input: string, ...flags: string[]): Promise<{ r: CliResult; output: string; received: number }> {
  const output = join(tempDir(), 'out.csv');
  const before = sim.stats().leadsReceived;
  const r = await runCli(['assign', input, '-o', output, ...flags], { env: simEnv(sim.url) });
  expect(r.stderr).not.toMatch(/\n\s+at /);
  return { r, output, received: sim.stats().leadsReceived - before };
}

/** Expects exit 2 with `message` on stderr, nothing sent and no enriched file. */
async function expectRefused(input: string, message: string | RegExp): Promise<void> {
  const { r, output, received } = await assign(input);
  expect(r.code).toBe(2);
  if (typeof message === 'string') expect(r.stderr).toContain(message);
  else expect(r.stderr).toMatch(message);
  expect(received).toBe(0);
  expect(existsSync(output)).toBe(false);
}

describe('files that cannot be read: exit 2, a message naming what and where', () => {
  it('an unclosed quote names the line where its record starts', async () => {
    await expectRefused(join(FIXTURES, 'unclosed-quote.csv'), 'unclosed-quote.csv: unclosed quote in the record starting at line 4 (field 3): the file ends inside a quoted field');
  });

  it('binary garbage', async () => {
    await expectRefused(join(FIXTURES, 'binary-garbage.bin'), 'binary-garbage.bin: looks like a binary file, not CSV/TSV (it contains NUL bytes)');
  });

  it('an empty file, and one of blank lines only', async () => {
    await expectRefused(join(FIXTURES, 'empty.csv'), 'empty.csv: the file is empty (no header row)');
    await expectRefused(join(BAD, 'blank-lines.csv'), 'blank-lines.csv: the file is empty (no header row)');
  });

  it('no phone column names the columns it found', async () => {
    await expectRefused(join(FIXTURES, 'no-phone-column.csv'), /no phone column found \(looked for .*\); columns are: name, email, zip\. Use --phone-column NAME\./);
  });

  it('two columns that could both be the phone: names both, and --phone-column settles it', async () => {
    await expectRefused(join(FIXTURES, 'duplicate-headers.csv'), 'columns "Phone" (column 2) and "phone" (column 4) could both be the phone column: choose one with --phone-column');
    const { r, output } = await assign(join(FIXTURES, 'duplicate-headers.csv'), '--phone-column', '4');
    expect(r.code).toBe(0);
    expect(parseCsv(readText(output))).toEqual([
      ['Name', 'Phone', 'Email', 'phone', 'outboundani', 'error', 'status'],
      ['Ada', '2125550101', 'ada@example.com', '3105550102', expect.stringMatching(/^310\d{7}$/), '', 'assigned'],
    ]);
  });

  it('a gzip file cut short', async () => {
    await expectRefused(join(BAD, 'truncated.csv.gz'), 'truncated.csv.gz: not a valid gzip file (unexpected end of file)');
  });

  it('a line that never ends is refused at the size limit, naming where it starts', async () => {
    const input = join(tempDir(), 'endless.csv');
    writeFileSync(input, `name,phone,notes\nAda,2125550101,ok\nAlan,3105550102,${'y'.repeat(9 * 1024 * 1024)}`);
    const { r } = await assign(input);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('endless.csv: the record starting at line 3 is larger than 8388608 bytes: a line that never ends or a quote that is never closed');
  });

  it('a byte that is not UTF-8 deep in a UTF-8 file names its line', async () => {
    const input = join(tempDir(), 'late.csv');
    const rows = Array.from({ length: 5000 }, (_, i) => `Person ${i},2125550${String(i % 1000).padStart(3, '0')}`);
    writeFileSync(input, Buffer.concat([Buffer.from(`name,phone\n${rows.join('\n')}\n`), Buffer.from([0x42, 0xe9, 0x2c, 0x31, 0x0a])]));
    const { r } = await assign(input);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('late.csv: line 5002: bytes that are not valid UTF-8');
  });
});

describe('files that can be read: every row out, values kept', () => {
  it('ragged rows: a long row is invalid with its extra fields kept, a short row is padded and sent', async () => {
    const { r, output } = await assign(join(FIXTURES, 'ragged-rows.csv'));
    expect(r.code).toBe(0);
    expect(parseCsv(readText(output))).toEqual([
      ['name', 'phone', 'zip', 'outboundani', 'error', 'status'],
      ['Ada', '2125550101', '10001', expect.stringMatching(/^\d{10}$/), '', 'assigned'],
      ['Alan', '3105550102', '', expect.stringMatching(/^\d{10}$/), '', 'assigned'],
      ['Grace', '4155550103', '94103', '', 'row has 4 fields, header has 3: misaligned data is never sent', 'invalid', 'extra'],
      ['Katherine', '', '', '', 'phone is empty', 'invalid'],
    ]);
  });

  for (const [name, file] of [
    ['UTF-16 LE', join(FIXTURES, 'utf16le-bom.csv')],
    ['UTF-16 BE', join(BAD, 'utf16be-bom.csv')],
  ] as const) {
    it(`${name} with a BOM is decoded: values intact, written as UTF-8`, async () => {
      const { r, output } = await assign(file);
      expect(r.code).toBe(0);
      const rows = parseCsv(readText(output));
      expect(rows.map((row) => [row[0], row[1], row[4]])).toEqual([
        ['name', 'phone', 'status'],
        ['Zoë', '2125550101', 'assigned'],
        ['王芳', '3105550102', 'assigned'],
      ]);
    });
  }

  it('Windows-1252 is decoded: accents and the euro sign kept as text', async () => {
    const { r, output } = await assign(join(FIXTURES, 'windows-1252.csv'));
    expect(r.code).toBe(0);
    expect(parseCsv(readText(output)).map((row) => [row[0], row[4]])).toEqual([
      ['name', 'status'],
      ['José Café', 'assigned'],
      ['Renée € Euro', 'assigned'],
    ]);
  });

  it('duplicate and empty header names (not the phone) are kept as they are', async () => {
    const { r, output } = await assign(join(BAD, 'duplicate-names.csv'));
    expect(r.code).toBe(0);
    const rows = parseCsv(readText(output));
    expect(rows[0]).toEqual(['note', 'phone', 'note', '', 'zip', 'outboundani', 'error', 'status']);
    expect(rows.slice(1).map((row) => [...row.slice(0, 5), row[7]])).toEqual([
      ['first', '2125550101', 'second', 'x', '10001', 'assigned'],
      ['third', '3105550102', 'fourth', '', '', 'assigned'],
    ]);
    const empty = await assign(join(FIXTURES, 'empty-header-names.csv'));
    expect(empty.r.code).toBe(0);
    expect(parseCsv(readText(empty.output))[0]).toEqual(['', 'Phone', '', 'Zip', 'outboundani', 'error', 'status']);
  });

  it('quoted fields holding delimiters, quotes and line breaks: one record each, values intact', async () => {
    const { r, output } = await assign(join(BAD, 'quoted-newlines.csv'));
    expect(r.code).toBe(0);
    expect(parseCsv(readText(output)).map((row) => [row[0], row[2], row[5]])).toEqual([
      ['name', 'notes', 'status'],
      ['Lovelace, Ada', 'line one\nline two', 'assigned'],
      ['Alan Turing', 'said "call me" twice', 'assigned'],
      ['Grace Hopper', 'a\r\nb, c', 'assigned'],
      ['Katherine', '', 'assigned'],
    ]);
  });

  it('a 1 MB field is kept whole', async () => {
    const input = join(tempDir(), 'big.csv');
    const big = `${'lorem ipsum, "dolor" '.repeat(50_000)}\nend`;
    writeFileSync(input, `name,phone,notes\nAda,2125550101,"${big.replace(/"/g, '""')}"\nAlan,3105550102,short\n`);
    const { r, output } = await assign(input);
    expect(r.code).toBe(0);
    const rows = parseCsv(readText(output));
    expect(rows.length).toBe(3);
    expect(rows[1]![2]!.length).toBeGreaterThan(1_000_000);
    expect(rows[1]![2]).toBe(big);
    expect(rows.map((row) => row[5])).toEqual(['status', 'assigned', 'assigned']);
  });
});
