/** The resume journal: answers and checkpoints read back, torn lines, and refusals of a different run. */
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { fingerprintInput, hashOptions, Journal, journalPathFor, type JournalHeader } from '../../src/pipeline/journal.js';
import type { CounterSnapshot } from '../../src/pipeline/counters.js';

const counters = (total: number): CounterSnapshot => ({ rows: { total, assigned: total }, errors: {}, warnings: {}, requests: { sent: 1, retries: 0, ambiguousRetries: 0, byStatus: { '200': 1 } } });

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'oiq-journal-'));
  const input = join(dir, 'leads.csv');
  writeFileSync(input, 'phone\n2125550101\n');
  const header: Omit<JournalHeader, 'v'> = { command: 'assign', fingerprint: fingerprintInput(input), options: hashOptions({ columns: { phone: 0 } }) };
  return { dir, input, header, path: journalPathFor(join(dir, 'out.csv')) };
}

const assigned = (ani: string) => ({ status: 'assigned', value: ani, error: '' });

describe('journal', () => {
  it('lives beside the output under a stable hidden name', () => {
    expect(journalPathFor('/data/out/leads.enriched.csv')).toBe('/data/out/.leads.enriched.csv.journal');
  });

  it('writes each group of answers as exactly the line JSON.stringify writes, and reads it back', async () => {
    const text = fc.oneof(fc.string({ maxLength: 12 }), fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 12 }), fc.constantFrom('', 'assigned', '2125550101'));
    const outcome = fc.record({ status: text, value: text, error: text });
    const group = fc.uniqueArray(fc.tuple(fc.oneof(fc.nat(1000), fc.integer({ min: 0, max: 2 ** 50 })), outcome), { minLength: 1, maxLength: 20, selector: ([row]) => row });
    await fc.assert(
      fc.asyncProperty(fc.array(group, { minLength: 1, maxLength: 5 }), async (groups) => {
        const { header, path } = setup();
        const j = Journal.create(path, header);
        for (const g of groups) j.recordAnswers(new Map(g));
        j.close();
        const lines = readFileSync(path, 'utf8').split('\n').slice(1, -1);
        expect(lines).toEqual(groups.map((g) => JSON.stringify({ a: g.map(([row, o]) => [row, o.status, o.value, o.error]) })));
        const { journal, state } = await Journal.resume(path, header);
        journal.close();
        expect(state.answers).toEqual(new Map(groups.flat()));
      }),
      { numRuns: 150 },
    );
  });

  it('reads back the last checkpoint and only the answers at or after it', async () => {
    const { header, path } = setup();
    const j = Journal.create(path, header);
    await j.checkpoint({ next: 0, bytes: 6, counters: counters(0) });
    j.recordAnswers(new Map([[0, assigned('2120000001')], [3, assigned('2120000004')]]));
    j.recordAnswers(new Map([[1, { status: 'failed', value: '', error: '503 Service Unavailable (gave up after 5 attempts)' }]]));
    await j.checkpoint({ next: 2, bytes: 40, counters: counters(2) });
    j.recordAnswers(new Map([[2, { status: 'rejected', value: '', error: 'No available ANI found' }]]));
    j.close();
    const { journal, state } = await Journal.resume(path, header);
    journal.close();
    expect(state.checkpoint).toEqual({ next: 2, bytes: 40, counters: counters(2) });
    expect([...state.answers.entries()].sort((a, b) => a[0] - b[0])).toEqual([
      [2, { status: 'rejected', value: '', error: 'No available ANI found' }],
      [3, assigned('2120000004')],
    ]);
  });

  it('ignores a line torn by a crash and cuts it off, so lines appended after it are read on the next resume', async () => {
    const { header, path } = setup();
    const j = Journal.create(path, header);
    await j.checkpoint({ next: 0, bytes: 6, counters: counters(0) });
    j.recordAnswers(new Map([[0, assigned('2120000001')]]));
    j.close();
    appendFileSync(path, '{"a":[[1,"assigned","21200'); // kill -9 in the middle of a write
    const first = await Journal.resume(path, header);
    expect([...first.state.answers.keys()]).toEqual([0]);
    first.journal.recordAnswers(new Map([[1, assigned('2120000002')]]));
    await first.journal.checkpoint({ next: 1, bytes: 20, counters: counters(1) });
    first.journal.close();
    expect(readFileSync(path, 'utf8')).not.toContain('21200\n'); // the torn fragment is gone
    const second = await Journal.resume(path, header);
    second.journal.close();
    expect(second.state.checkpoint.next).toBe(1);
    expect([...second.state.answers.entries()]).toEqual([[1, assigned('2120000002')]]);
  });

  it('a journal without a checkpoint resumes from the first row with the answers it holds', async () => {
    const { header, path } = setup();
    const j = Journal.create(path, header);
    j.recordAnswers(new Map([[5, assigned('2120000006')]]));
    j.close();
    const { journal, state } = await Journal.resume(path, header);
    journal.close();
    expect(state.checkpoint.next).toBe(0);
    expect(state.answers.get(5)).toEqual(assigned('2120000006'));
  });

  it('refuses to resume another input, other row options, another command, or nothing', async () => {
    const { header, path, input } = setup();
    Journal.create(path, header).close();
    const refusal = async (expected: Omit<JournalHeader, 'v'>, pattern: RegExp) => {
      const err = await Journal.resume(path, expected).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).code).toBe('E_RESUME');
      expect((err as AppError).message).toMatch(pattern);
    };
    writeFileSync(input, 'phone\n2125550102\n'); // same size, other content
    await refusal({ ...header, fingerprint: fingerprintInput(input) }, /not the file this run started with/);
    await refusal({ ...header, options: hashOptions({ columns: { phone: 1 } }) }, /options differ/);
    await refusal({ ...header, command: 'rerun' }, /another command/);
    await refusal({ ...header, fingerprint: { ...header.fingerprint, size: header.fingerprint.size + 1 } }, /not the file/);
    const missing = await Journal.resume(`${path}.none`, header).then(() => undefined, (e: unknown) => e);
    expect((missing as AppError).message).toMatch(/nothing to resume: no journal/);
  });

  it('remove() deletes it: a finished run leaves nothing to resume', async () => {
    const { header, path } = setup();
    await Journal.create(path, header).remove();
    await expect(Journal.resume(path, header)).rejects.toThrow(/nothing to resume/);
  });
});
