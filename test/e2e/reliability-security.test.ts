/**
 * Security and the key: a refused key stops the run at once (exit 3) after a handful of requests; the
 * key never appears in stdout, stderr, the report or any file the run leaves, at trace level, even when
 * the server echoes the Authorization header back in its error messages; TLS verification cannot be
 * switched off behind our back; --excel-safe is opt-in.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIMULATOR_WRONG_TYPE_KEY, startSimulator, type RunningSimulator } from '../../src/simulator/index.js';
import { runCli, simEnv, tempDir, type CliResult } from './harness.js';
import { checkEnriched, goodLeads, parseCsv, readText, writeText } from './reliability-support.js';

const SECRET = 'sk_live_9f8e7d6c5b4a39281706SECRET';

let sim: RunningSimulator;
beforeAll(async () => {
  sim = await startSimulator({ seed: 8, keys: { valid: ['sim-key', SECRET] } });
});
afterAll(async () => {
  await sim.close();
});

/** Everything a run could have leaked into: its output streams and every file in its folder (hidden ones too). */
function everything(r: CliResult, dir: string): string {
  const files = readdirSync(dir).map((name) => readFileSync(join(dir, name), 'utf8'));
  return [r.stdout, r.stderr, ...files].join('\n');
}

function noStack(r: CliResult): void {
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

describe('a refused key', () => {
  for (const [what, key, status] of [
    ['an unknown key', 'sk_live_0000000000WRONGKEY', '401 Unauthorized'],
    ['a key of the wrong type', SIMULATOR_WRONG_TYPE_KEY, '403 Forbidden'],
  ] as const) {
    it(`${what}: exit 3 after a handful of requests, never printed, even at trace level`, async () => {
      const dir = tempDir();
      const input = writeText(join(dir, 'leads.csv'), goodLeads(5000));
      const before = sim.stats().requests;
      const r = await runCli(['assign', input, '--batch-size', '10', '--concurrency', '4', '--log-level', 'trace'], { env: simEnv(sim.url, { OUTBOUNDIQ_API_KEY: key }) });
      noStack(r);
      expect(r.code).toBe(3);
      expect(r.stderr).toContain(`the API refused the key (${status}): check OUTBOUNDIQ_API_KEY / OUTBOUNDIQ_API_KEY_FILE`);
      // Stopped at once: the requests already in flight, no retries, nothing after.
      expect(sim.stats().requests - before).toBeLessThanOrEqual(4);
      const summary = JSON.parse(readText(join(dir, 'leads.enriched.csv.summary.json')));
      expect(summary.exitCode).toBe(3);
      expect(summary.requests.retries).toBe(0);
      expect(everything(r, dir)).not.toContain(key);
    });
  }

  it('the key file wins over the variable, and its key never shows either', async () => {
    const dir = tempDir();
    const keyFile = writeText(join(dir, 'key'), `${SECRET}\n`);
    const input = writeText(join(dir, 'leads.csv'), goodLeads(30));
    const r = await runCli(['assign', input, '--log-level', 'trace'], { env: simEnv(sim.url, { OUTBOUNDIQ_API_KEY: 'refused-if-used', OUTBOUNDIQ_API_KEY_FILE: keyFile }) });
    noStack(r);
    expect(r.code).toBe(0);
    const leaked = everything(r, dir).replace(readFileSync(keyFile, 'utf8'), '');
    expect(leaked).not.toContain(SECRET);
  });
});

describe('a server that echoes the Authorization header in its errors', () => {
  let server: Server;
  let url: string;
  /** How the echo server answers a batch: status and whether the body is JSON. */
  let mode: { status: number; json: boolean } = { status: 400, json: true };
  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const echoed = `you sent Authorization: ${req.headers.authorization ?? ''}`;
        res.writeHead(mode.status, { 'content-type': mode.json ? 'application/json' : 'text/html' });
        res.end(mode.json ? JSON.stringify({ success: false, message: echoed, error: echoed }) : `<html>${echoed}</html>`);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  // Ambiguous failures are not retried here (--no-retry-ambiguous) so their rows end failed, with the
  // server's words in `error`; retried, a server failing everything is an outage (exit 4, see the resume tests).
  for (const m of [
    { status: 400, json: true, exit: 0, rowStatus: 'rejected' },
    { status: 500, json: true, exit: 1, rowStatus: 'failed' },
    { status: 200, json: false, exit: 1, rowStatus: 'failed' },
    { status: 401, json: true, exit: 3, rowStatus: undefined },
  ]) {
    it(`HTTP ${m.status}${m.json ? '' : ' with an HTML body'}: the echoed key is redacted everywhere, at trace level`, async () => {
      mode = m;
      const dir = tempDir();
      const csv = goodLeads(6);
      const input = writeText(join(dir, 'leads.csv'), csv);
      const output = join(dir, 'leads.enriched.csv');
      const r = await runCli(['assign', input, '-o', output, '--batch-size', '3', '--log-level', 'trace', '--no-retry-ambiguous'], { env: simEnv(url, { OUTBOUNDIQ_API_KEY: SECRET }) });
      noStack(r);
      expect(r.code).toBe(m.exit);
      if (m.rowStatus) {
        const rows = checkEnriched(csv, readText(output));
        for (const row of rows) {
          expect(row.status).toBe(m.rowStatus);
          expect(row.error).toContain('[redacted]');
        }
      }
      expect(everything(r, dir)).not.toContain(SECRET);
    });
  }
});

describe('TLS verification', () => {
  it('NODE_TLS_REJECT_UNAUTHORIZED=0 is refused (exit 2, says why) unless --insecure is given', async () => {
    const dir = tempDir();
    const input = writeText(join(dir, 'leads.csv'), goodLeads(5));
    const before = sim.stats().requests;
    const refused = await runCli(['assign', input], { env: simEnv(sim.url, { NODE_TLS_REJECT_UNAUTHORIZED: '0' }) });
    noStack(refused);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('NODE_TLS_REJECT_UNAUTHORIZED=0 turns TLS verification off; refusing to send the API key that way');
    expect(sim.stats().requests).toBe(before);
    const allowed = await runCli(['assign', input, '--insecure'], { env: simEnv(sim.url, { NODE_TLS_REJECT_UNAUTHORIZED: '0' }) });
    expect(allowed.code).toBe(0);
  });
});

describe('--excel-safe', () => {
  const csv = ['name,phone,notes', 'Ada,2125550101,"=HYPERLINK(""http://example.test"")"', 'Alan,3105550102,@SUM(1+1)', 'Grace,4155550103,-2+3', 'Kay,6175550104,plain text', ''].join('\n');

  it('is off by default: cells are written as they came', async () => {
    const dir = tempDir();
    const input = writeText(join(dir, 'leads.csv'), csv);
    const r = await runCli(['assign', input], { env: simEnv(sim.url) });
    expect(r.code).toBe(0);
    const rows = checkEnriched(csv, readText(join(dir, 'leads.enriched.csv')));
    expect(rows.map((x) => x.status)).toEqual(['assigned', 'assigned', 'assigned', 'assigned']);
  });

  it('neutralises formula-looking cells with a leading quote, and only those', async () => {
    const dir = tempDir();
    const input = writeText(join(dir, 'leads.csv'), csv);
    const r = await runCli(['assign', input, '--excel-safe'], { env: simEnv(sim.url) });
    expect(r.code).toBe(0);
    const out = parseCsv(readText(join(dir, 'leads.enriched.csv')));
    expect(out.slice(1).map((row) => row[2])).toEqual([`'=HYPERLINK("http://example.test")`, `'@SUM(1+1)`, `'-2+3`, 'plain text']);
    expect(out.slice(1).map((row) => [row[0], row[1], row[5]])).toEqual([
      ['Ada', '2125550101', 'assigned'],
      ['Alan', '3105550102', 'assigned'],
      ['Grace', '4155550103', 'assigned'],
      ['Kay', '6175550104', 'assigned'],
    ]);
  });
});
