/** `nrm plan` over real files: CSV and JSON Lines exports in, an actions file out, errors located by file and line. */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { NrmPlanConfig, parseConfig } from '../../src/config/schema.js';
import { toJsonLine } from '../../src/nrm/export-writer.js';
import { recordFromCsvRow } from '../../src/nrm/export-row.js';
import { isJsonLinesName, runNrmPlan } from '../../src/nrm/plan-file.js';

const FIXTURE = fileURLToPath(new URL('../../fixtures/nrm-export-sample.csv', import.meta.url));
const NOW = new Date('2026-06-01T08:30:00Z');
const RULES = {
  pauseWhen: 'blockRate >= 15 and last30DaysDials >= 200',
  remediateWhen: 'blockRate >= 25',
  activateWhen: 'blockRate < 5',
};
// What the planner decides on the sample export (see nrm-plan.test.ts): one row per planned action, in file order.
const EXPECTED_ROWS = [
  ['ani', 'action', 'carrier', 'note', 'date'],
  ['8025550101', 'pause', '', `plan: ${RULES.pauseWhen}`, ''],
  ['8025550102', 'pause', '', `plan: ${RULES.pauseWhen}`, ''],
  ['2125550103', 'pause', '', `plan: ${RULES.pauseWhen}`, ''],
  ['2125550106', 'remediate', '', `plan: ${RULES.remediateWhen}`, ''],
  ['3105550107', 'activate', '', `plan: ${RULES.activateWhen}`, '20260601083000'],
  ['3105550109', 'remediate', '', `plan: ${RULES.remediateWhen}`, ''],
  ['6175550110', 'pause', '', `plan: ${RULES.pauseWhen}`, ''],
  ['4155550112', 'pause', '', `plan: ${RULES.pauseWhen}`, ''],
];

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'oiq-nrm-plan-'));
});

function plan(input: string, output: string, extra: Record<string, unknown> = RULES) {
  return runNrmPlan(parseConfig(NrmPlanConfig, { input, output: join(dir, output), ...extra }), { now: NOW });
}

function fixtureAsJsonLines(): string {
  const [header, ...rows] = parse(readFileSync(FIXTURE, 'utf8')) as string[][];
  return rows.map((row) => toJsonLine(recordFromCsvRow(header!, row))).join('');
}

function write(name: string, content: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

function leftovers(output: string): string[] {
  return readdirSync(dir).filter((name) => name.includes(output));
}

describe('runNrmPlan', () => {
  it('writes the actions file of an export CSV and returns the preview', async () => {
    const result = await plan(FIXTURE, 'sample.actions.csv');
    expect(parse(readFileSync(join(dir, 'sample.actions.csv'), 'utf8'))).toEqual(EXPECTED_ROWS);
    expect(result.actions).toBe(8);
    expect(result.preview.byRule).toEqual({ pause: 5, remediate: 2, activate: 1 });
    expect(result.preview.warnings).toContain('area code 802 would be left with no active ANI (pausing 2 of 2)');
  });

  it('reads a JSON Lines export (plain or gzipped) to the same actions', async () => {
    const lines = fixtureAsJsonLines();
    await plan(write('sample.jsonl', `${lines}\n`), 'from-jsonl.csv');
    await plan(write('sample.jsonl.gz', gzipSync(lines)), 'from-jsonl-gz.csv');
    expect(parse(readFileSync(join(dir, 'from-jsonl.csv'), 'utf8'))).toEqual(EXPECTED_ROWS);
    expect(parse(readFileSync(join(dir, 'from-jsonl-gz.csv'), 'utf8'))).toEqual(EXPECTED_ROWS);
  });

  it('names the file and line of a row that is not an export row, and leaves no output behind', async () => {
    const lines = readFileSync(FIXTURE, 'utf8').split('\n');
    lines[3] = lines[3]!.replace(',300,108,', ',lots,108,');
    const input = write('bad-row.csv', lines.join('\n'));
    await expect(plan(input, 'bad-row.actions.csv')).rejects.toMatchObject({
      code: 'E_INPUT',
      message: `${input}: line 4: column frequencyDialed: "lots" is not a number`,
    });
    expect(leftovers('bad-row.actions.csv')).toEqual([]);
  });

  it('refuses a file that is not an export (no phone or status column) at line 1, even without rows', async () => {
    const input = write('actions.csv', 'ani,action,carrier,note,date\n');
    await expect(plan(input, 'not-export.actions.csv')).rejects.toMatchObject({ code: 'E_INPUT', message: expect.stringMatching(/actions\.csv: line 1: not an nrm export: no phone or status column/) });
  });

  it('names the line of a JSON Lines entry that is not an ANI record', async () => {
    const input = write('bad.jsonl', `${fixtureAsJsonLines()}\n{"phone": "2125550199"}\n`);
    await expect(plan(input, 'bad-jsonl.actions.csv')).rejects.toMatchObject({ code: 'E_INPUT', message: expect.stringMatching(/bad\.jsonl: line 14: not an ANI record \((id|status)/) });
    const garbage = write('garbage.jsonl', 'not json\n');
    await expect(plan(garbage, 'garbage.actions.csv')).rejects.toMatchObject({ code: 'E_INPUT', message: `${garbage}: line 1: not JSON (expected one ANI object per line, as nrm export --format jsonl writes)` });
    expect(leftovers('bad-jsonl.actions.csv')).toEqual([]);
  });

  it('needs at least one rule, and says which flag has a bad one', async () => {
    await expect(plan(FIXTURE, 'none.csv', {})).rejects.toMatchObject({ code: 'E_USAGE', message: expect.stringContaining('at least one rule') });
    await expect(plan(FIXTURE, 'bad-rule.csv', { remediateWhen: 'blockRate >>= 3' })).rejects.toMatchObject({ code: 'E_USAGE', message: expect.stringMatching(/^--remediate-when: column/) });
  });

  it('knows JSON Lines exports by name', () => {
    expect(['anis.jsonl', 'anis.NDJSON', 'anis.jsonl.gz'].map(isJsonLinesName)).toEqual([true, true, true]);
    expect(['anis.csv', 'anis.csv.gz', 'jsonl.csv', '-'].map(isJsonLinesName)).toEqual([false, false, false, false]);
  });
});
