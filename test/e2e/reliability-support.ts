/**
 * Shared by the reliability tests (e2e and in-process): synthetic lead files with unique fictional
 * phones, an in-process runner (runAssign with a real client against a real simulator), and the
 * checks every recovered file must pass: each input row once, in order, values unchanged, a status
 * consistent with its result columns, and a summary that agrees with the file.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { pino } from 'pino';
import { expect } from 'vitest';
import { createApiClient } from '../../src/api/client.js';
import { AssignConfig, parseConfig } from '../../src/config/schema.js';
import { runAssign } from '../../src/pipeline/assign.js';
import type { RunSummary } from '../../src/report/summary.js';
import { SIMULATOR_KEY } from '../../src/simulator/index.js';

/** Area codes the simulator holds inventory in: phones there get an ANI. */
export const INVENTORY_AREA_CODES = ['212', '718', '310', '415', '305', '312', '713', '214', '206', '617', '404', '602', '303', '702', '215', '313', '614', '201', '512', '210'];

/** What kind of row a synthetic lead is. */
export type LeadKind = 'good' | 'invalid' | 'api-invalid';

/** The i-th unique fictional phone (555 exchange) in an inventory area code. */
export function leadPhone(i: number): string {
  const ac = INVENTORY_AREA_CODES[i % INVENTORY_AREA_CODES.length]!;
  return `${ac}555${String(Math.floor(i / INVENTORY_AREA_CODES.length)).padStart(4, '0')}`;
}

/**
 * A lead file: `id,name,phone,zip,notes`, with quoted notes holding commas and quotes (so the checks
 * see that values survive). `kinds` decides each row: `invalid` never reaches the API (a phone with
 * letters), `api-invalid` passes our checks but the API refuses it (an area code starting with 0).
 */
export function makeLeadsCsv(kinds: readonly LeadKind[]): string {
  const lines = ['id,name,phone,zip,notes'];
  kinds.forEach((kind, i) => {
    const phone = kind === 'good' ? leadPhone(i) : kind === 'invalid' ? `555-CALL-${i}` : `0${String(i).padStart(9, '1')}`.slice(0, 10);
    const notes = i % 7 === 0 ? `"said ""call back"", later"` : i % 5 === 0 ? '' : `note ${i}`;
    lines.push(`${i + 1},Lead ${i + 1},${phone},${i % 3 === 0 ? '10001' : ''},${notes}`);
  });
  return `${lines.join('\n')}\n`;
}

/** `n` good leads. */
export function goodLeads(n: number): string {
  return makeLeadsCsv(Array.from({ length: n }, () => 'good' as const));
}

/** Parses CSV text into rows of fields. */
export function parseCsv(text: string): string[][] {
  return parse(text, { bom: true, relax_column_count: true });
}

/** The result columns of an enriched row, by name. */
export interface ResultRow {
  values: string[];
  ani: string;
  error: string;
  status: string;
}

/**
 * Checks an enriched file against its input: the header plus the three result columns, every input row
 * exactly once and in order with its values unchanged, and each status consistent with its columns.
 * Returns the rows' result columns.
 */
export function checkEnriched(inputText: string, outputText: string): ResultRow[] {
  const input = parseCsv(inputText);
  const output = parseCsv(outputText);
  const header = input[0]!;
  const width = header.length;
  const inHeaderResult = header.includes('status');
  expect(output[0]).toEqual(inHeaderResult ? header : [...header, 'outboundani', 'error', 'status']);
  expect(output.length).toBe(input.length);
  const at = (name: string) => (inHeaderResult ? header.indexOf(name) : width + ['outboundani', 'error', 'status'].indexOf(name));
  const rows: ResultRow[] = [];
  for (let i = 1; i < input.length; i++) {
    const inRow = input[i]!;
    const outRow = output[i]!;
    const values = inHeaderResult ? outRow.filter((_, c) => c !== at('outboundani') && c !== at('error') && c !== at('status')) : outRow.slice(0, width);
    const expected = inHeaderResult ? inRow.filter((_, c) => c !== at('outboundani') && c !== at('error') && c !== at('status')) : inRow;
    expect(values, `row ${i}`).toEqual(expected);
    const r: ResultRow = { values, ani: outRow[at('outboundani')]!, error: outRow[at('error')]!, status: outRow[at('status')]! };
    expect(['assigned', 'rejected', 'invalid', 'failed'], `row ${i}`).toContain(r.status);
    if (r.status === 'assigned') {
      expect(r.ani, `row ${i}`).toMatch(/^\d{10}$/);
      expect(r.error, `row ${i}`).toBe('');
    } else {
      expect(r.ani, `row ${i}`).toBe('');
      expect(r.error, `row ${i}`).not.toBe('');
    }
    rows.push(r);
  }
  return rows;
}

/** Status → count over result rows, with every status present. */
export function countStatuses(rows: readonly ResultRow[]): Record<string, number> {
  const counts: Record<string, number> = { total: rows.length, assigned: 0, rejected: 0, invalid: 0, failed: 0 };
  for (const r of rows) counts[r.status] = (counts[r.status] ?? 0) + 1;
  return counts;
}

/** Reads a file as UTF-8 text. */
export function readText(path: string): string {
  return readFileSync(path, 'utf8');
}

/** Writes a file and returns its path. */
export function writeText(path: string, text: string): string {
  writeFileSync(path, text);
  return path;
}

/** Config fields a test may set; `retry` and `api` are merged over the test defaults. */
export type RunOverrides = Partial<Omit<AssignConfig, 'retry' | 'api'>> & { retry?: Partial<AssignConfig['retry']>; api?: Partial<AssignConfig['api']> };

/** An assign (or rerun) config for a simulator: fast retries, no progress. */
export function testConfig(url: string, input: string, output: string, o: RunOverrides = {}): Readonly<AssignConfig> {
  const { retry, api, ...rest } = o;
  return parseConfig(AssignConfig, {
    input,
    output,
    progress: 'off',
    ...rest,
    api: { baseUrl: url, apiKey: SIMULATOR_KEY, timeoutMs: 5_000, ...api },
    retry: { minDelayMs: 1, maxDelayMs: 10, ...retry },
  });
}

/** Runs assign (or rerun with `statuses`) in-process with a real client; the client is closed after. */
export async function runInProcess(url: string, input: string, output: string, o: RunOverrides = {}, signal?: AbortSignal): Promise<RunSummary> {
  const config = testConfig(url, input, output, o);
  const concurrency = config.concurrency === 'auto' ? 4 : config.concurrency;
  const client = createApiClient({ baseUrl: config.api.baseUrl, apiKey: config.api.apiKey, timeoutMs: config.api.timeoutMs, connections: concurrency, userAgent: 'oiq-batch/test' });
  try {
    return await runAssign(config, { client, logger: pino({ level: 'silent' }), signal: signal ?? new AbortController().signal });
  } finally {
    await client.close();
  }
}

/** Times each phone was processed beyond the first, summed (duplicates caused by ambiguous retries). */
export function countDuplicates(processedByPhone: ReadonlyMap<string, number>): number {
  let n = 0;
  for (const times of processedByPhone.values()) if (times > 1) n += times - 1;
  return n;
}

/** Checks that a summary's row counts agree with the file's statuses. */
export function expectSummaryMatches(summary: Pick<RunSummary, 'rows'>, rows: readonly ResultRow[]): void {
  expect(summary.rows).toEqual(countStatuses(rows));
}
