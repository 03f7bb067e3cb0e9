/** `nrm export` in-process: the real client over loopback HTTP to the simulator, output in a temp folder. */
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiClient, type ApiClient } from '../../src/api/client.js';
import { ANI_FIELDS } from '../../src/api/schemas.js';
import { NrmExportConfig, parseConfig } from '../../src/config/schema.js';
import { runNrmExport } from '../../src/nrm/export.js';
import { formatExportSummary } from '../../src/nrm/export-summary.js';
import { aniRecordToRow } from '../../src/nrm/export-row.js';
import { SIMULATOR_KEY, SIMULATOR_WRONG_TYPE_KEY, startSimulator, type RunningSimulator } from '../../src/simulator/index.js';

const logger = pino({ level: 'silent' });
let sim: RunningSimulator;
let dir: string;

beforeAll(async () => {
  sim = await startSimulator({ seed: 5, inventorySize: 500 });
  dir = mkdtempSync(join(tmpdir(), 'oiq-nrm-export-'));
});
afterAll(async () => {
  await sim.close();
});

function clientFor(apiKey = SIMULATOR_KEY): ApiClient {
  return createApiClient({ baseUrl: sim.url, apiKey, timeoutMs: 5_000, connections: 8, userAgent: 'oiq-batch-test' });
}

function configFor(name: string, extra: Record<string, unknown> = {}) {
  return parseConfig(NrmExportConfig, {
    output: join(dir, name),
    api: { baseUrl: sim.url, apiKey: SIMULATOR_KEY },
    retry: { minDelayMs: 0, maxDelayMs: 1, unavailableAfterMs: 0 },
    ...extra,
  });
}

async function exportWith(name: string, extra: Record<string, unknown> = {}, client = clientFor(), signal = new AbortController().signal) {
  try {
    return await runNrmExport(configFor(name, extra), { client, logger, signal });
  } finally {
    await client.close();
  }
}

/** The inventory as the export should write it: every documented field, in the API's order. */
function expectedRows(prefix = ''): string[][] {
  return sim
    .inventory()
    .filter((ani) => ani.phone.startsWith(prefix))
    .map((ani) => aniRecordToRow(ani));
}

function readCsv(path: string): string[][] {
  return parse(readFileSync(path, 'utf8')) as string[][];
}

/** Wraps listAnis: answers come back in reverse page order, and the most calls ever in flight is recorded. */
function reorderingClient(client: ApiClient): ApiClient & { maxInFlight: () => number; pagesAsked: number[] } {
  let inFlight = 0;
  let max = 0;
  const pagesAsked: number[] = [];
  return {
    ...client,
    pagesAsked,
    maxInFlight: () => max,
    async listAnis(query, signal) {
      inFlight += 1;
      max = Math.max(max, inFlight);
      pagesAsked.push(query.page);
      try {
        const reply = await client.listAnis(query, signal);
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, 40 - query.page * 3)));
        return reply;
      } finally {
        inFlight -= 1;
      }
    },
  };
}

describe('nrm export against the simulator', () => {
  it('exports every ANI once, every documented column, in the API order, across pages fetched concurrently', async () => {
    const client = reorderingClient(clientFor());
    const summary = await exportWith('all.csv', { pageSize: 37, concurrency: 3 }, client);
    const [header, ...rows] = readCsv(join(dir, 'all.csv'));
    expect(header).toEqual([...ANI_FIELDS]);
    expect(rows).toEqual(expectedRows());
    expect(new Set(rows.map((r) => r[1])).size).toBe(500);
    expect(client.maxInFlight()).toBe(3);
    expect([...client.pagesAsked].sort((a, b) => a - b)).toEqual(Array.from({ length: 14 }, (_, i) => i + 1));
    expect(summary).toMatchObject({ exitCode: 0, anis: { total: 500, expected: 500 }, pages: { total: 14, fetched: 14, pageSize: 37 }, warnings: [] });
    expect(summary.requests.sent).toBe(14);
    const byStatus = Object.values(summary.anis.byStatus).reduce((a, b) => a + b, 0);
    const byState = Object.values(summary.anis.byState).reduce((a, b) => a + b, 0);
    expect([byStatus, byState]).toEqual([500, 500]);
    expect(summary.anis.byState.VT).toBe(sim.inventory().filter((ani) => ani.state === 'VT').length);
    // The report is written next to the output.
    expect(JSON.parse(readFileSync(join(dir, 'all.csv.summary.json'), 'utf8'))).toEqual(summary);
    expect(formatExportSummary(summary)).toContain('500 of 500 ANIs in 14 of 14 pages (csv)');
  });

  it('exports only the numbers with a prefix', async () => {
    const summary = await exportWith('ny.csv', { number: '212' });
    const rows = readCsv(join(dir, 'ny.csv')).slice(1);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows).toEqual(expectedRows('212'));
    expect(summary.anis.total).toBe(rows.length);
    expect(summary.number).toBe('212');
  });

  it('writes just the header when no number has the prefix, without warnings', async () => {
    const summary = await exportWith('none.csv', { number: '999' });
    expect(readCsv(join(dir, 'none.csv'))).toEqual([[...ANI_FIELDS]]);
    expect(summary).toMatchObject({ exitCode: 0, anis: { total: 0, expected: 0 }, pages: { total: 1, fetched: 1 }, warnings: [] });
  });

  it('writes JSON Lines with every documented field in order', async () => {
    await exportWith('all.jsonl', { format: 'jsonl', pageSize: 200 });
    const lines = readFileSync(join(dir, 'all.jsonl'), 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(500);
    const first = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(Object.keys(first)).toEqual([...ANI_FIELDS]);
    expect(lines.map((line) => JSON.parse(line))).toEqual(sim.inventory().map((ani) => ({ ...ani })));
  });

  it('warns when the inventory changes between pages', async () => {
    const client = clientFor();
    const growing: ApiClient = {
      ...client,
      async listAnis(query, signal) {
        const reply = await client.listAnis(query, signal);
        return query.page === 3 ? { ...reply, body: { ...reply.body, total_anis: reply.body.total_anis + 1 } } : reply;
      },
    };
    const summary = await exportWith('growing.csv', { pageSize: 100 }, growing);
    expect(summary.exitCode).toBe(0);
    expect(summary.warnings).toEqual([expect.stringContaining('page 3 reports 501 ANIs in 5 pages, page 1 reported 500 in 5')]);
  });

  it('stops with exit 4 when the API stays unavailable, leaving no output and no temporary file', async () => {
    const client = clientFor();
    let calls = 0;
    const failing: ApiClient = {
      ...client,
      async listAnis(query, signal) {
        calls += 1;
        if (calls === 2) sim.setFaults({ down: true });
        return client.listAnis(query, signal);
      },
    };
    try {
      const summary = await exportWith('down.csv', { pageSize: 100, concurrency: 2, retry: { maxAttempts: 3, minDelayMs: 0, maxDelayMs: 1, unavailableAfterMs: 0 } }, failing);
      expect(summary.exitCode).toBe(4);
      expect(summary.stoppedBecause).toMatch(/503 Service Unavailable/);
      expect(summary.output).toBe('');
    } finally {
      sim.setFaults({});
    }
    expect(readdirSync(dir).filter((name) => name.includes('down.csv') && !name.endsWith('.summary.json'))).toEqual([]);
    expect(JSON.parse(readFileSync(join(dir, 'down.csv.summary.json'), 'utf8')).exitCode).toBe(4);
  });

  it('stops with exit 3 when the key is refused', async () => {
    const summary = await exportWith('auth.csv', {}, clientFor(SIMULATOR_WRONG_TYPE_KEY));
    expect(summary.exitCode).toBe(3);
    expect(summary.requests.sent).toBe(1);
    expect(existsSync(join(dir, 'auth.csv'))).toBe(false);
  });

  it('stops with exit 130 when interrupted', async () => {
    const stop = new AbortController();
    const client = clientFor();
    const interrupting: ApiClient = {
      ...client,
      async listAnis(query, signal) {
        const reply = await client.listAnis(query, signal);
        if (query.page === 2) stop.abort('SIGINT');
        return reply;
      },
    };
    const summary = await exportWith('interrupted.csv', { pageSize: 50, concurrency: 1 }, interrupting, stop.signal);
    expect(summary.exitCode).toBe(130);
    expect(summary.pages.fetched).toBeLessThan(10);
    expect(existsSync(join(dir, 'interrupted.csv'))).toBe(false);
  });
});
