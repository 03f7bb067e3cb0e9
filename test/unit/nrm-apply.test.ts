/** `nrm apply` in-process: the real client over loopback HTTP to the simulator, real files in a temp folder. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiClient, type ApiClient } from '../../src/api/client.js';
import { ApiError } from '../../src/api/errors.js';
import { NRM_STATUS, type NrmAction } from '../../src/api/schemas.js';
import { NrmApplyConfig, parseConfig } from '../../src/config/schema.js';
import { layoutNrmOutput, runNrmApply } from '../../src/nrm/apply.js';
import { SIMULATOR_KEY, SIMULATOR_WRONG_TYPE_KEY, startSimulator, type AniState, type RunningSimulator } from '../../src/simulator/index.js';

const SAMPLE = fileURLToPath(new URL('../../fixtures/nrm-actions-sample.csv', import.meta.url));
const logger = pino({ level: 'silent' });
const PAUSE_REFUSAL = 'Only active and managed ANIs can be paused';
const ACTIVATE_REFUSAL = 'Only ANIs in cooling off status can be activated';

let sim: RunningSimulator;
let dir: string;

beforeAll(async () => {
  sim = await startSimulator({ seed: 11 });
  dir = mkdtempSync(join(tmpdir(), 'oiq-nrm-apply-'));
});
afterAll(async () => {
  await sim.close();
});

function clientFor(apiKey = SIMULATOR_KEY): ApiClient {
  return createApiClient({ baseUrl: sim.url, apiKey, timeoutMs: 5_000, connections: 4, userAgent: 'oiq-batch-test' });
}

function configFor(input: string, extra: Record<string, unknown> = {}) {
  return parseConfig(NrmApplyConfig, {
    input,
    output: `${input}.out.csv`,
    api: { baseUrl: sim.url, apiKey: SIMULATOR_KEY },
    retry: { minDelayMs: 0, maxDelayMs: 1 },
    ...extra,
  });
}

async function apply(input: string, extra: Record<string, unknown> = {}, client = clientFor()) {
  try {
    const summary = await runNrmApply(configFor(input, extra), { client, logger, signal: new AbortController().signal });
    const [header, ...rows] = parse(readFileSync(`${input}.out.csv`, 'utf8'), { relax_column_count: true }) as string[][];
    return { summary, header: header!, rows };
  } finally {
    await client.close();
  }
}

function writeFile(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** Fresh ANIs of the simulator in a status, not used by an earlier test (the state machine remembers). */
const taken = new Set<string>();
function anisIn(status: string, count: number): AniState[] {
  const found = sim.inventory().filter((ani) => ani.status === status && !taken.has(ani.phone)).slice(0, count);
  if (found.length < count) throw new Error(`the simulator has only ${found.length} fresh ${status} ANIs`);
  for (const ani of found) taken.add(ani.phone);
  return found;
}

function statusOf(phone: string): string | undefined {
  return sim.inventory().find((ani) => ani.phone === phone)?.status;
}

/** The real client, except that the first answer to `action` is lost after the server acted (a reset after sending). */
function losingFirstAnswer(client: ApiClient, action: NrmAction): ApiClient {
  let lost = false;
  return {
    ...client,
    async nrmAction(a, body, signal) {
      const reply = await client.nrmAction(a, body, signal);
      if (a === action && !lost) {
        lost = true;
        throw new ApiError('E_API_RESET', { endpoint: `POST /nrm/${a}`, method: 'POST', sent: true, summary: 'the connection broke after the request was sent (UND_ERR_SOCKET)' });
      }
      return reply;
    },
  };
}

describe('nrm apply against the simulator', () => {
  it('applies a mixed file: done, rejected (HTTP 200 and 404 refusals) and invalid rows, exactly as the API and the rules say', async () => {
    const [pauseMe, pauseMe2] = anisIn(NRM_STATUS.active, 2);
    const [activateMe, coolingOff] = anisIn(NRM_STATUS.coolingOff, 2);
    const [remediateMe] = anisIn(NRM_STATUS.active, 1);
    const before = sim.stats();
    const input = writeFile(
      'mixed.csv',
      [
        'ani,action,carrier,note,date',
        `${pauseMe!.phone},pause,130077,spam tag,`,
        `"(${pauseMe2!.phone.slice(0, 3)}) ${pauseMe2!.phone.slice(3, 6)}-${pauseMe2!.phone.slice(6)}",PAUSE,,,`,
        `${activateMe!.phone},activate,,,2026-01-26T12:00:00Z`,
        `${remediateMe!.phone},remediate,130077,"note, with a comma",`,
        `${coolingOff!.phone},pause,,already cooling off,`,
        `${pauseMe!.phone},activate,,,`,
        '2125550100,pause,,not in the inventory,',
        `${remediateMe!.phone},remediate,,second time,`,
      ].join('\n'),
    );
    const { summary, header, rows } = await apply(input);

    expect(header).toEqual(['ani', 'action', 'carrier', 'note', 'date', 'result', 'error', 'status']);
    expect(rows.map((r) => r.slice(5))).toEqual([
      ['paused', '', 'done'],
      ['paused', '', 'done'],
      ['active', '', 'done'],
      ['received request', '', 'done'],
      ['', PAUSE_REFUSAL, 'rejected'],
      ['', 'activate needs a date (YYYYMMDDHHmmss or ISO-8601)', 'invalid'],
      ['', 'ANI not found in inventory', 'rejected'],
      ['within cooldown', '', 'done'],
    ]);
    // The input columns come back unchanged.
    expect(rows.map((r) => r.slice(0, 5))).toEqual(parse(readFileSync(input, 'utf8')).slice(1));
    expect(summary.rows).toMatchObject({ total: 8, done: 5, rejected: 2, invalid: 1, failed: 0 });
    expect(summary.exitCode).toBe(0);
    // Seven requests: the dateless activate was never sent; the unknown ANI was sent but not acted on.
    expect(summary.requests.sent).toBe(7);
    expect(sim.stats().nrmActions - before.nrmActions).toBe(6);
    expect(statusOf(pauseMe!.phone)).toBe(NRM_STATUS.coolingOff);
    expect(statusOf(activateMe!.phone)).toBe(NRM_STATUS.active);
    expect(statusOf(remediateMe!.phone)).toBe(NRM_STATUS.remediation);
  });

  it('never sends invalid rows and words why each one is invalid', async () => {
    const before = sim.stats();
    const { summary, rows } = await apply(copyOf(SAMPLE, 'sample.csv'));
    expect(rows.map((r) => [r[7], r[6]])).toEqual([
      ['rejected', 'ANI not found in inventory'],
      ['rejected', 'ANI not found in inventory'],
      ['invalid', 'activate needs a date (YYYYMMDDHHmmss or ISO-8601)'],
      ['invalid', 'carrier "13007" is not a 6-digit carrier ID'],
      ['invalid', 'unknown action "shutdown" (expected pause, activate or remediate)'],
      ['invalid', expect.stringContaining('scientific notation')],
      ['invalid', 'ani "555010010" has 9 digits (expected 10–15)'],
      ['invalid', expect.stringContaining('2026-02-30')],
      ['invalid', 'no action (expected pause, activate or remediate in the action column or --action)'],
    ]);
    expect(summary.requests.sent).toBe(2);
    const after = sim.stats();
    expect((after.byPath['/nrm/pause'] ?? 0) - (before.byPath['/nrm/pause'] ?? 0)).toBe(1);
    expect((after.byPath['/nrm/activate'] ?? 0) - (before.byPath['/nrm/activate'] ?? 0)).toBe(1);
    expect(after.byPath['/nrm/remediate'] ?? 0).toBe(before.byPath['/nrm/remediate'] ?? 0);
  });

  it('refuses a file without an action column unless --action is given', async () => {
    const input = writeFile('no-action.csv', 'ani,note\n2125550100,x\n');
    await expect(apply(input)).rejects.toMatchObject({ code: 'E_USAGE', message: expect.stringContaining('--action') });
  });

  it('reads a plain list of ANIs (no header) with --action, the first line included', async () => {
    const anis = anisIn(NRM_STATUS.active, 3);
    const input = writeFile('list.txt', `${anis.map((a) => a.phone).join('\n')}\n`);
    const { summary, header, rows } = await apply(input, { action: 'pause' });
    expect(header).toEqual(['ani', 'result', 'error', 'status']);
    expect(rows).toEqual(anis.map((a) => [a.phone, 'paused', '', 'done']));
    expect(summary.rows).toMatchObject({ total: 3, done: 3 });
  });

  it('fills --activate-date into activate rows without a date (and a file without a date column)', async () => {
    const [a, b] = anisIn(NRM_STATUS.coolingOff, 2);
    const [p] = anisIn(NRM_STATUS.active, 1);
    const input = writeFile('activate.csv', `ani,action\n${a!.phone},activate\n${b!.phone},\n${p!.phone},pause\n`);
    const { rows } = await apply(input, { action: 'activate', activateDate: '2026-07-01' });
    expect(rows.map((r) => r.slice(2))).toEqual([
      ['active', '', 'done'],
      ['active', '', 'done'],
      ['paused', '', 'done'],
    ]);
    const activated = sim.inventory().find((ani) => ani.phone === a!.phone)!;
    expect(activated.dateActivated).toBe('2026-07-01');
    // The pause got no date: the simulator dates a dateless pause with its own today.
    expect(sim.inventory().find((ani) => ani.phone === p!.phone)!.dateDeactivated).not.toBe('2026-07-01');
  });

  it('refuses a row with more fields than the header (misaligned data is never sent)', async () => {
    const [ani] = anisIn(NRM_STATUS.active, 1);
    const input = writeFile('ragged.csv', `ani,action\n${ani!.phone},pause,extra\n`);
    const { rows } = await apply(input);
    // The extra field is kept, after the result columns.
    expect(rows[0]).toEqual([ani!.phone, 'pause', '', 'row has 3 fields, header has 2: misaligned data is never sent', 'invalid', 'extra']);
    expect(statusOf(ani!.phone)).toBe(NRM_STATUS.active);
  });

  it('reports a pause whose answer was lost and whose retry was refused as done, after reading the status back', async () => {
    const [ani] = anisIn(NRM_STATUS.active, 1);
    const input = writeFile('ambiguous.csv', `ani,action\n${ani!.phone},pause\n`);
    const before = sim.stats();
    const { summary, rows } = await apply(input, {}, losingFirstAnswer(clientFor(), 'pause'));
    expect(rows[0]).toEqual([ani!.phone, 'pause', 'paused (confirmed by read-back)', '', 'done']);
    expect(summary.requests.ambiguousRetries).toBe(1);
    const after = sim.stats();
    expect((after.byPath['/nrm/pause'] ?? 0) - (before.byPath['/nrm/pause'] ?? 0)).toBe(2);
    expect((after.byPath['/nrm/anis'] ?? 0) - (before.byPath['/nrm/anis'] ?? 0)).toBe(1);
  });

  it('keeps the refusal when the read-back shows the action did not take effect', async () => {
    const [ani] = anisIn(NRM_STATUS.remediation, 1);
    const input = writeFile('ambiguous-refused.csv', `ani,action,date\n${ani!.phone},activate,20260126120000\n`);
    const { rows } = await apply(input, {}, losingFirstAnswer(clientFor(), 'activate'));
    expect(rows[0]!.slice(3)).toEqual(['', ACTIVATE_REFUSAL, 'rejected']);
    expect(statusOf(ani!.phone)).toBe(NRM_STATUS.remediation);
  });

  it('reports a failed read-back as failed (a rerun asks again), never as rejected', async () => {
    const [ani] = anisIn(NRM_STATUS.active, 1);
    const input = writeFile('readback-fails.csv', `ani,action\n${ani!.phone},pause\n`);
    const client = losingFirstAnswer(clientFor(), 'pause');
    const broken: ApiClient = {
      ...client,
      listAnis: async () => {
        throw new ApiError('E_API_STATUS', { endpoint: 'GET /nrm/anis', method: 'GET', sent: true, status: 404, summary: '404 Not Found' });
      },
    };
    const { summary, rows } = await apply(input, {}, broken);
    expect(rows[0]![4]).toBe('failed');
    expect(rows[0]![3]).toContain(PAUSE_REFUSAL);
    expect(rows[0]![3]).toContain('read-back failed (404 Not Found)');
    expect(summary.exitCode).toBe(1);
  });

  it('with --statuses re-sends only the selected rows of an earlier output and keeps the others as they were', async () => {
    const [a, b] = anisIn(NRM_STATUS.active, 2);
    const input = writeFile(
      'earlier.applied.csv',
      [
        'ani,action,carrier,note,date,result,error,status',
        `${a!.phone},pause,,,,,"POST /nrm/pause: 503 Service Unavailable (gave up after 5 attempts)",failed`,
        `${b!.phone},pause,,,,paused,,done`,
        '2125550100,pause,,,,,ANI not found in inventory,rejected',
      ].join('\n'),
    );
    const before = sim.stats();
    const { summary, header, rows } = await apply(input, { statuses: ['failed'] });
    expect(header).toEqual(['ani', 'action', 'carrier', 'note', 'date', 'result', 'error', 'status']);
    expect(rows).toEqual([
      [a!.phone, 'pause', '', '', '', 'paused', '', 'done'],
      [b!.phone, 'pause', '', '', '', 'paused', '', 'done'],
      ['2125550100', 'pause', '', '', '', '', 'ANI not found in inventory', 'rejected'],
    ]);
    expect(summary.requests.sent).toBe(1);
    expect(sim.stats().nrmActions - before.nrmActions).toBe(1);
    expect(statusOf(b!.phone)).toBe(NRM_STATUS.active); // kept, not sent
  });

  it('refuses --statuses on a file without a status column', async () => {
    const input = writeFile('plain.csv', 'ani,action\n2125550100,pause\n');
    await expect(apply(input, { statuses: ['failed'] })).rejects.toMatchObject({ code: 'E_INPUT' });
  });

  it('stops with exit 3 when the key is refused, sending nothing more', async () => {
    const anis = anisIn(NRM_STATUS.active, 3);
    const input = writeFile('auth.csv', `ani,action\n${anis.map((a) => `${a.phone},pause`).join('\n')}\n`);
    const config = configFor(input);
    const summary = await runNrmApply(config, { client: clientFor(SIMULATOR_WRONG_TYPE_KEY), logger, signal: new AbortController().signal });
    expect(summary.exitCode).toBe(3);
    expect(summary.requests.sent).toBeLessThanOrEqual(config.concurrency);
    for (const ani of anis) expect(statusOf(ani.phone)).toBe(NRM_STATUS.active);
  });
});

describe('layoutNrmOutput', () => {
  it('appends result, error, status after the input columns', () => {
    expect(layoutNrmOutput(['ani', 'action'])).toEqual({
      header: ['ani', 'action', 'result', 'error', 'status'],
      result: { value: 2, error: 3, status: 4, inputWidth: 2, width: 5 },
    });
  });

  it('replaces them in place when the input has them (any case)', () => {
    expect(layoutNrmOutput(['ani', 'Status', 'action', 'result', 'error'])).toEqual({
      header: ['ani', 'Status', 'action', 'result', 'error'],
      result: { value: 3, error: 4, status: 1, inputWidth: 5, width: 5 },
    });
  });
});

function copyOf(path: string, name: string): string {
  return writeFile(name, readFileSync(path, 'utf8'));
}
