/** The assign job end to end through the built CLI, against the simulator (issue: the assign job). */
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../src/simulator/index.js';
import { FIXTURES, runCli, simEnv, tempDir } from './harness.js';

let sim: RunningSimulator;
beforeAll(async () => {
  sim = await startSimulator({ port: 0, seed: 11 });
});
afterAll(async () => {
  await sim.close();
});

const parseCsv = (text: string, delimiter = ','): string[][] => parse(text, { bom: true, relax_column_count: true, delimiter });

describe('assign on a messy spreadsheet export', () => {
  it('keeps every row, in order, values untouched, with truthful statuses and a matching summary', async () => {
    const dir = tempDir();
    const out = join(dir, 'leads.enriched.csv');
    const received = sim.stats().leadsReceived;
    const r = await runCli(['assign', join(FIXTURES, 'leads-demo.csv'), '-o', out, '--batch-size', '17', '--concurrency', '3'], { env: simEnv(sim.url) });
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.code).toBe(0);

    const inputText = readFileSync(join(FIXTURES, 'leads-demo.csv'), 'utf8');
    const outputText = readFileSync(out, 'utf8');
    expect(outputText.startsWith('\uFEFF')).toBe(true); // the input's BOM is kept for spreadsheet users
    expect(outputText).toContain('\r\n'); // and its CRLF line ends
    const input = parseCsv(inputText);
    const output = parseCsv(outputText);
    const header = input[0]!;
    expect(output[0]).toEqual([...header, 'outboundani', 'error', 'status']);
    expect(output.length).toBe(input.length);
    for (let i = 1; i < input.length; i++) {
      const inRow = input[i]!;
      const outRow = output[i]!;
      // Input values unchanged and in place (a misaligned row keeps its extra fields after the result columns).
      expect(outRow.slice(0, header.length)).toEqual([...inRow.slice(0, header.length), ...Array(Math.max(0, header.length - inRow.length)).fill('')]);
      if (inRow.length > header.length) expect(outRow.slice(header.length + 3)).toEqual(inRow.slice(header.length));
      const [ani, error, status] = outRow.slice(header.length, header.length + 3);
      expect(['assigned', 'rejected', 'invalid', 'failed']).toContain(status);
      if (status === 'assigned') {
        expect(ani).toMatch(/^\d{10}$/);
        expect(error).toBe('');
      } else {
        expect(ani).toBe('');
        expect(error).not.toBe('');
      }
    }
    const statuses = output.slice(1).map((row) => row[header.length + 2]);
    const count = (s: string) => statuses.filter((x) => x === s).length;
    const summary = JSON.parse(readFileSync(`${out}.summary.json`, 'utf8'));
    expect(summary.rows).toEqual({ total: input.length - 1, assigned: count('assigned'), rejected: count('rejected'), invalid: count('invalid'), failed: 0 });
    expect(summary.exitCode).toBe(0);
    expect(summary.latencyMs.p50).toBeGreaterThan(0);
    // Invalid rows never reach the API.
    expect(sim.stats().leadsReceived - received).toBe(input.length - 1 - count('invalid'));

    const byPhone = new Map(output.slice(1).map((row) => [row[3], row]));
    expect(byPhone.get('')?.[header.length + 1]).toBe('phone is empty');
    expect(byPhone.get('5.55988E+09')?.[header.length + 1]).toMatch(/scientific notation/);
    expect(output.slice(1).filter((row) => row[header.length + 2] === 'invalid').map((row) => row[header.length + 1])).toContain('phone contains letters');
    // Formatted phones are sent in national form and assigned by geography.
    expect(byPhone.get('+1 832-555-0102')?.[header.length + 2]).toBe('assigned');
  });
});

describe('input forms', () => {
  it('reads TSV by extension and writes TSV', async () => {
    const dir = tempDir();
    const out = join(dir, 'basic.enriched.tsv');
    const r = await runCli(['assign', join(FIXTURES, 'leads-basic.tsv'), '-o', out], { env: simEnv(sim.url) });
    expect(r.code).toBe(0);
    const rows = parseCsv(readFileSync(out, 'utf8'), '\t');
    expect(rows[0]).toEqual(['prospect_phone', 'prospect_zip', 'dialer_campaign', 'name', 'outboundani', 'error', 'status']);
    expect(rows[2]![0]).toBe('(310) 555-0102');
    expect(rows[2]![6]).toBe('assigned');
  });

  it('reads gzip, and stdin to stdout', async () => {
    const gz = await runCli(['assign', join(FIXTURES, 'leads.csv.gz'), '-o', '-'], { env: simEnv(sim.url) });
    expect(gz.code).toBe(0);
    const viaFile = parseCsv(gz.stdout);
    expect(viaFile[0]).toEqual(['phone', 'zip', 'outboundani', 'error', 'status']);
    const piped = await runCli(['assign', '-'], { env: simEnv(sim.url), stdin: gzipSync(readFileSync(join(FIXTURES, 'leads-basic.tsv'))) });
    expect(piped.code).toBe(0);
    const rows = parseCsv(piped.stdout, '\t');
    expect(rows.length).toBe(readFileSync(join(FIXTURES, 'leads-basic.tsv'), 'utf8').trim().split('\n').length);
    expect(rows.slice(1).every((row) => row.at(-1) !== '')).toBe(true);
  });

  it('writes a header-only file for a header-only input, exit 0', async () => {
    const dir = tempDir();
    const out = join(dir, 'empty.enriched.csv');
    const r = await runCli(['assign', join(FIXTURES, 'header-only.csv'), '-o', out], { env: simEnv(sim.url) });
    expect(r.code).toBe(0);
    expect(readFileSync(out, 'utf8').trim()).toBe('phone,zip,campaign,outboundani,error,status');
  });

  it('honours explicit column flags and a default campaign', async () => {
    const dir = tempDir();
    const input = join(dir, 'odd.csv');
    writeFileSync(input, 'who,dial this,where\nAda,212-555-0101,10001\nAlan,310 555 0102,90210\n');
    const out = join(dir, 'odd.enriched.csv');
    const r = await runCli(['assign', input, '-o', out, '--phone-column', 'dial this', '--zip-column', '3', '--campaign', '9001'], { env: simEnv(sim.url) });
    expect(r.code).toBe(0);
    const rows = parseCsv(readFileSync(out, 'utf8'));
    expect(rows.slice(1).map((row) => row[5])).toEqual(['assigned', 'assigned']);
  });
});

describe('logs', () => {
  it('name rows by number and --id-column, never by their contents', async () => {
    const dir = tempDir();
    const input = join(dir, 'ids.csv');
    writeFileSync(input, 'lead_ref,phone\nL-1,2125550101\nL-2,CALL-ME-NOW\nL-3,9075550100\n');
    const r = await runCli(['assign', input, '-o', join(dir, 'ids.enriched.csv'), '--id-column', 'lead_ref', '--log-level', 'debug', '--progress', 'off'], { env: simEnv(sim.url, { OIQ_BATCH_LOG_LEVEL: undefined }) });
    expect(r.code).toBe(0);
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
    const notDone = lines.filter((l) => l.msg === 'row not done');
    expect(notDone.map((l) => [l.row, l.id, l.status])).toEqual(expect.arrayContaining([[2, 'L-2', 'invalid'], [3, 'L-3', 'rejected']]));
    expect(r.stderr).not.toContain('CALL-ME-NOW');
    expect(r.stderr).not.toContain('9075550100');
  });
});

describe('usage and input errors', () => {
  it('exits 2 naming the columns when there is no phone column', async () => {
    const r = await runCli(['assign', join(FIXTURES, 'no-phone-column.csv'), '-o', join(tempDir(), 'x.csv')], { env: simEnv(sim.url) });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no phone column/);
    expect(r.stderr).toMatch(/name, email, zip/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('exits 2 naming the line of an unclosed quote', async () => {
    const r = await runCli(['assign', join(FIXTURES, 'unclosed-quote.csv'), '-o', join(tempDir(), 'x.csv')], { env: simEnv(sim.url) });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unclosed quote.*line 4/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('exits 2 for a missing file and for a bad flag, with --help and --version exiting 0', async () => {
    const missing = await runCli(['assign', join(tempDir(), 'nope.csv')], { env: simEnv(sim.url) });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/nope\.csv/);
    const bad = await runCli(['assign', 'x.csv', '--batch-size', 'lots'], { env: simEnv(sim.url) });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--batch-size must be a whole number/);
    const help = await runCli(['assign', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--phone-column/);
    const version = await runCli(['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('--dry-run validates and reports without sending anything', async () => {
    const dir = tempDir();
    const before = sim.stats().requests;
    const out = join(dir, 'dry.csv');
    const r = await runCli(['assign', join(FIXTURES, 'leads-demo.csv'), '-o', out, '--dry-run'], { env: simEnv(sim.url) });
    expect(r.code).toBe(0);
    expect(sim.stats().requests).toBe(before);
    expect(existsSync(out)).toBe(false);
    const summary = JSON.parse(readFileSync(`${out}.summary.json`, 'utf8'));
    expect(summary.dryRun).toBe(true);
    expect(summary.rows.invalid).toBeGreaterThan(0);
    expect(summary.rows.valid + summary.rows.invalid).toBe(summary.rows.total);
    expect(summary.requests.sent).toBe(0);
  });
});

describe('next and demo', () => {
  it('next prints the ANI for a geo-matched number, the reason with exit 1 otherwise', async () => {
    const ok = await runCli(['next', '(212) 555-0101', '--zip', '10001'], { env: simEnv(sim.url) });
    expect(ok.code).toBe(0);
    expect(ok.stdout.trim()).toMatch(/^\d{10}$/);
    const e164 = await runCli(['next', '2125550101', '--e164'], { env: simEnv(sim.url) });
    expect(e164.stdout.trim()).toMatch(/^\+1\d{10}$/);
    const none = await runCli(['next', '9075550100'], { env: simEnv(sim.url) });
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/No available ANI found/);
    const invalid = await runCli(['next', '555-01'], { env: simEnv(sim.url) });
    expect(invalid.code).toBe(2);
  });

  it('demo (npm start) assigns the bundled fixture on its own simulator', async () => {
    const dir = tempDir();
    const r = await runCli(['demo'], { cwd: dir, env: { OIQ_BATCH_LOG_LEVEL: 'warn' } });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/200 rows: \d+ assigned/);
    const summary = JSON.parse(readFileSync(join(dir, 'out/leads-demo.summary.json'), 'utf8'));
    expect(summary.rows.total).toBe(200);
  });
});
