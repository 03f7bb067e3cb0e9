/** `nrm apply` end to end through the built CLI, against the simulator (issue 4: Number reputation). */
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NRM_STATUS } from '../../src/api/schemas.js';
import { startSimulator, type AniState, type RunningSimulator } from '../../src/simulator/index.js';
import { runCli, simEnv, tempDir } from './harness.js';

const PAUSE_REFUSAL = 'Only active and managed ANIs can be paused';

let sim: RunningSimulator;
beforeAll(async () => {
  sim = await startSimulator({ port: 0, seed: 31 });
});
afterAll(async () => {
  await sim.close();
});

const parseCsv = (text: string): string[][] => parse(text, { relax_column_count: true });

/** Fresh ANIs of a simulator in a status, not used by an earlier test (the state machine remembers). */
const taken = new Set<string>();
function anisIn(from: RunningSimulator, status: string, count: number): AniState[] {
  const found = from.inventory().filter((ani) => ani.status === status && !taken.has(ani.phone)).slice(0, count);
  if (found.length < count) throw new Error(`only ${found.length} fresh ${status} ANIs`);
  for (const ani of found) taken.add(ani.phone);
  return found;
}

function statusOf(from: RunningSimulator, phone: string): string | undefined {
  return from.inventory().find((ani) => ani.phone === phone)?.status;
}

/** A loopback proxy in front of the simulator that records each request body, to see exactly what was sent. */
async function startRecordingProxy(target: string): Promise<{ url: string; sent: Array<{ path: string; body: Record<string, unknown> }>; close(): Promise<void> }> {
  const sent: Array<{ path: string; body: Record<string, unknown> }> = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (req.method === 'POST') sent.push({ path: req.url ?? '', body: JSON.parse(body.toString('utf8')) as Record<string, unknown> });
      const upstream = request(`${target}${req.url ?? ''}`, { method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      upstream.on('error', () => res.destroy());
      upstream.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    sent,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('nrm apply', () => {
  it('applies a mixed actions file: done, rejected and invalid exactly as the API and the rules say; carriers pass through', async () => {
    const [pauseA, pauseB, remediateMe] = anisIn(sim, NRM_STATUS.active, 3);
    const [activateMe, coolingOff] = anisIn(sim, NRM_STATUS.coolingOff, 2);
    const dir = tempDir();
    const input = join(dir, 'actions.csv');
    writeFileSync(
      input,
      [
        'ani,action,carrier,note,date',
        `${pauseA!.phone},pause,130077,Spam tag identified,`,
        `1${pauseB!.phone},pause,,,`,
        `${activateMe!.phone},activate,130078,,2026-01-26T12:00:00Z`,
        `${remediateMe!.phone},remediate,130079,"flagged, twice",`,
        `${coolingOff!.phone},pause,,,`,
        `${pauseA!.phone},activate,,no date,`,
        '2125550100,remediate,,unknown ANI,',
        `${remediateMe!.phone},pause,13007,bad carrier,`,
      ].join('\r\n'),
    );
    const proxy = await startRecordingProxy(sim.url);
    const before = sim.stats().nrmActions;
    try {
      const r = await runCli(['nrm', 'apply', input, '--concurrency', '1'], { env: simEnv(proxy.url) });
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(r.code).toBe(0);
      const out = join(dir, 'actions.applied.csv');
      const rows = parseCsv(readFileSync(out, 'utf8'));
      expect(rows[0]).toEqual(['ani', 'action', 'carrier', 'note', 'date', 'result', 'error', 'status']);
      expect(rows.slice(1).map((row) => row.slice(5))).toEqual([
        ['paused', '', 'done'],
        ['paused', '', 'done'],
        ['active', '', 'done'],
        ['received request', '', 'done'],
        ['', PAUSE_REFUSAL, 'rejected'], // the API's HTTP 200 {success: false}
        ['', 'activate needs a date (YYYYMMDDHHmmss or ISO-8601)', 'invalid'],
        ['', 'ANI not found in inventory', 'rejected'],
        ['', 'carrier "13007" is not a 6-digit carrier ID', 'invalid'],
      ]);
      // Exactly the valid rows were sent, with the API's forms; empty optional fields left out.
      expect(proxy.sent).toEqual([
        { path: '/nrm/pause', body: { ani: pauseA!.phone, carrier: '130077', note: 'Spam tag identified' } },
        { path: '/nrm/pause', body: { ani: pauseB!.phone } },
        { path: '/nrm/activate', body: { ani: activateMe!.phone, carrier: '130078', date: '20260126120000' } },
        { path: '/nrm/remediate', body: { ani: remediateMe!.phone, carrier: '130079', note: 'flagged, twice' } },
        { path: '/nrm/pause', body: { ani: coolingOff!.phone } },
        { path: '/nrm/remediate', body: { ani: '2125550100', note: 'unknown ANI' } },
      ]);
      expect(sim.stats().nrmActions - before).toBe(5); // the unknown ANI was not acted on
      expect(statusOf(sim, pauseA!.phone)).toBe(NRM_STATUS.coolingOff);
      expect(statusOf(sim, activateMe!.phone)).toBe(NRM_STATUS.active);
      const summary = JSON.parse(readFileSync(`${out}.summary.json`, 'utf8'));
      expect(summary.rows).toEqual({ total: 8, done: 4, rejected: 2, invalid: 2, failed: 0 });
      expect(summary.exitCode).toBe(0);
      expect(r.stderr).toContain('8 rows: 4 done, 2 rejected, 2 invalid, 0 failed');
    } finally {
      await proxy.close();
    }
  });

  it('reports ambiguous retried pauses truthfully: done, confirmed by reading the status back', async () => {
    // 500 after processing on ~30% of requests (seeded): a retried pause is refused because the first one worked.
    const flaky = await startSimulator({ port: 0, seed: 3, faults: { error500Rate: 0.3 } });
    try {
      const anis = flaky.inventory().filter((ani) => ani.status === NRM_STATUS.active).slice(0, 30);
      const dir = tempDir();
      const input = join(dir, 'pauses.txt');
      writeFileSync(input, `${anis.map((ani) => ani.phone).join('\n')}\n`);
      const r = await runCli(['nrm', 'apply', input, '--action', 'pause', '--concurrency', '1'], { env: simEnv(flaky.url) });
      expect(r.code).toBe(0);
      const rows = parseCsv(readFileSync(join(dir, 'pauses.applied.csv'), 'utf8'));
      expect(rows[0]).toEqual(['ani', 'result', 'error', 'status']);
      expect(rows.slice(1).map((row) => row[0])).toEqual(anis.map((ani) => ani.phone));
      expect(rows.slice(1).every((row) => row[3] === 'done')).toBe(true);
      const confirmed = rows.filter((row) => row[1] === 'paused (confirmed by read-back)');
      expect(confirmed.length).toBeGreaterThan(0);
      for (const ani of anis) expect(statusOf(flaky, ani.phone)).toBe(NRM_STATUS.coolingOff);
      const summary = JSON.parse(readFileSync(join(dir, 'pauses.applied.csv.summary.json'), 'utf8'));
      expect(summary.requests.ambiguousRetries).toBeGreaterThanOrEqual(confirmed.length);
      expect(summary.requests.byStatus['500']).toBeGreaterThan(0);
    } finally {
      await flaky.close();
    }
  });

  it('with --no-retry-ambiguous leaves those rows failed (exit 1), saying the server may have acted', async () => {
    const flaky = await startSimulator({ port: 0, seed: 3, faults: { error500Rate: 0.3 } });
    try {
      const anis = flaky.inventory().filter((ani) => ani.status === NRM_STATUS.active).slice(0, 20);
      const dir = tempDir();
      const input = join(dir, 'pauses.csv');
      writeFileSync(input, `ani,action\n${anis.map((ani) => `${ani.phone},pause`).join('\n')}\n`);
      const r = await runCli(['nrm', 'apply', input, '--no-retry-ambiguous'], { env: simEnv(flaky.url) });
      expect(r.code).toBe(1);
      const rows = parseCsv(readFileSync(join(dir, 'pauses.applied.csv'), 'utf8')).slice(1);
      const failed = rows.filter((row) => row[4] === 'failed');
      expect(failed.length).toBeGreaterThan(0);
      expect(failed.every((row) => row[3]!.includes('the server may have acted'))).toBe(true);
      const applied = join(dir, 'pauses.applied.csv');
      expect(r.stderr).toContain(`run oiq-batch nrm apply ${applied} --statuses failed -o ${applied}`);

      // The suggested recovery: the failed rows are sent again, and a refusal caused by the earlier attempt having acted is read back.
      flaky.setFaults({});
      const again = await runCli(['nrm', 'apply', applied, '--statuses', 'failed', '-o', applied], { env: simEnv(flaky.url) });
      expect(again.code).toBe(0);
      const after = parseCsv(readFileSync(applied, 'utf8')).slice(1);
      expect(after.length).toBe(rows.length);
      expect(after.every((row) => row[4] === 'done')).toBe(true);
      for (const ani of anis) expect(statusOf(flaky, ani.phone)).toBe(NRM_STATUS.coolingOff);
    } finally {
      await flaky.close();
    }
  });

  it('after SIGTERM, --resume finishes the file without sending any answered row again', async () => {
    const slow = await startSimulator({ port: 0, seed: 41, faults: { latencyMs: 40 } });
    try {
      const anis = slow.inventory().filter((ani) => ani.status === NRM_STATUS.active).slice(0, 40);
      const dir = tempDir();
      const input = join(dir, 'pauses.csv');
      writeFileSync(input, `ani,action\n${anis.map((ani) => `${ani.phone},pause`).join('\n')}\n`);
      const args = ['nrm', 'apply', input, '--concurrency', '2'];
      const first = await runCli(args, {
        env: simEnv(slow.url),
        onSpawn: (child) => {
          const timer = setInterval(() => {
            if (slow.stats().nrmActions >= 8) {
              clearInterval(timer);
              child.kill('SIGTERM');
            }
          }, 5);
          child.on('exit', () => clearInterval(timer));
        },
      });
      expect(first.code).toBe(143);
      const actedBefore = slow.stats().nrmActions;
      expect(actedBefore).toBeLessThan(40);

      const second = await runCli([...args, '--resume'], { env: simEnv(slow.url) });
      expect(second.code).toBe(0);
      const rows = parseCsv(readFileSync(join(dir, 'pauses.applied.csv'), 'utf8')).slice(1);
      expect(rows.map((row) => row[0])).toEqual(anis.map((ani) => ani.phone));
      // A pause sent twice would be refused the second time: every row is done, each ANI acted on once.
      expect(rows.map((row) => row[4])).toEqual(anis.map(() => 'done'));
      expect(slow.stats().nrmActions).toBe(40);
    } finally {
      await slow.close();
    }
  });

  it('refuses a plain ANI list without --action (exit 2), sending nothing', async () => {
    const dir = tempDir();
    const input = join(dir, 'list.txt');
    writeFileSync(input, '2125550100\n2125550101\n');
    const before = sim.stats().requests;
    const r = await runCli(['nrm', 'apply', input], { env: simEnv(sim.url) });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('is a plain list of ANIs: pass --action pause|activate|remediate');
    expect(sim.stats().requests).toBe(before);
  });
});
