/** runWatch in-process: the folder moves and exit codes, with the assign job replaced by a scripted one. */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { runWatch, type FileRun, type WatchOptions } from '../../src/ops/watch.js';
import type { RunSummary } from '../../src/report/summary.js';
import { makeSummary } from './ops-summaries.js';

const logger = pino({ level: 'silent' });

/** An inbox with these files, an outbox path, and options for one `--once` cycle. */
function setup(files: Record<string, string>): WatchOptions {
  const root = mkdtempSync(join(tmpdir(), 'oiq-watch-unit-'));
  const inbox = join(root, 'inbox');
  mkdirSync(inbox);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(inbox, name), text);
  return { inbox, outbox: join(root, 'outbox'), once: true, pollMs: 10, settleMs: 0 };
}

/** A scripted assign job: the file's content says what happens to it. */
function scripted(calls: FileRun[]) {
  return async (run: FileRun): Promise<RunSummary> => {
    calls.push(run);
    const text = readFileSync(run.input, 'utf8');
    if (text === 'bad') throw new AppError('E_CSV', `${run.input}: unclosed quote in the record starting at line 4`);
    if (text === 'bug') throw new Error('boom');
    const exitCode = Number(text);
    writeFileSync(run.output, 'enriched');
    return makeSummary({ input: run.input, output: run.output, exitCode, ...(exitCode >= 3 ? { stoppedBecause: `stopped with ${exitCode}; run the same command with --resume to continue` } : {}) });
  };
}

const outputNameFor = (name: string) => `${name.replace(/\.csv$/, '')}.enriched.csv`;
const signal = new AbortController().signal;

describe('runWatch --once', () => {
  it('moves good files to done/ (failed rows included), bad ones to failed/ with their reason, and exits with the worst code', async () => {
    const o = setup({ 'a.csv': '0', 'b.csv': '1', 'c.csv': 'bad', 'd.csv': 'bug' });
    const calls: FileRun[] = [];
    const published: RunSummary[] = [];
    const result = await runWatch(o, { logger, signal, outputNameFor, processFile: scripted(calls), publish: async (s) => void published.push(s) });
    expect(result.exitCode).toBe(70); // a bug ranks above a bad file and failed rows
    expect(readdirSync(join(o.inbox, 'done')).sort()).toEqual(['a.csv', 'b.csv']);
    expect(readdirSync(join(o.inbox, 'failed')).sort()).toEqual(['c.csv', 'c.csv.reason.txt', 'd.csv', 'd.csv.reason.txt']);
    expect(readFileSync(join(o.inbox, 'failed', 'c.csv.reason.txt'), 'utf8')).toMatch(/^exit 2: c\.csv: unclosed quote in the record starting at line 4\nfile: c\.csv\nat: \d{4}-/);
    expect(readFileSync(join(o.inbox, 'failed', 'd.csv.reason.txt'), 'utf8')).toMatch(/^exit 70: boom\n/);
    expect(readdirSync(o.outbox).sort()).toEqual(['a.enriched.csv', 'b.enriched.csv']);
    expect(calls.map((c) => [basename(c.input), c.output, c.resume])).toEqual([
      ['a.csv', join(o.outbox, 'a.enriched.csv'), false],
      ['b.csv', join(o.outbox, 'b.enriched.csv'), false],
      ['c.csv', join(o.outbox, 'c.enriched.csv'), false],
      ['d.csv', join(o.outbox, 'd.enriched.csv'), false],
    ]);
    expect(published).toHaveLength(1);
    expect(published[0]).toMatchObject({ command: 'watch', input: o.inbox, output: o.outbox, exitCode: 70, rows: { total: 20, assigned: 16 } });
    expect(result.files.map((f) => [f.name, f.exitCode])).toEqual([['a.csv', 0], ['b.csv', 1], ['c.csv', 2], ['d.csv', 70]]);
  });

  it('leaves a file claimed and stops at a code that is not the file\'s fault; the next start resumes it', async () => {
    const o = setup({ 'a.csv': '4', 'b.csv': '0' });
    const calls: FileRun[] = [];
    const first = await runWatch(o, { logger, signal, outputNameFor, processFile: scripted(calls) });
    expect(first.exitCode).toBe(4);
    expect(calls).toHaveLength(1); // b.csv not touched: the API is down
    expect(readdirSync(join(o.inbox)).sort()).toEqual(['.claimed', 'b.csv', 'done', 'failed']);
    const [owner] = readdirSync(join(o.inbox, '.claimed'));
    expect(readdirSync(join(o.inbox, '.claimed', owner!))).toEqual(['a.csv']); // heartbeat gone: adoptable at once

    writeFileSync(join(o.inbox, '.claimed', owner!, 'a.csv'), '0'); // the API is back (the script reads the file)
    writeFileSync(join(o.outbox, '.a.enriched.csv.journal'), '{}\n'); // the interrupted run's journal
    const second = await runWatch(o, { logger, signal, outputNameFor, processFile: scripted(calls) });
    expect(second.exitCode).toBe(0);
    expect(calls.slice(1).map((c) => [basename(c.input), c.resume])).toEqual([['a.csv', true], ['b.csv', false]]);
    expect(readdirSync(join(o.inbox, 'done')).sort()).toEqual(['a.csv', 'b.csv']);
    expect(readdirSync(join(o.inbox, '.claimed'))).toEqual([]);
  });

  it('starts a file afresh when its leftover journal cannot be resumed', async () => {
    const o = setup({ 'a.csv': '0' });
    mkdirSync(o.outbox);
    writeFileSync(join(o.outbox, '.a.enriched.csv.journal'), '{}\n');
    const calls: FileRun[] = [];
    const job = scripted(calls);
    const result = await runWatch(o, {
      logger,
      signal,
      outputNameFor,
      processFile: async (run) => {
        if (run.resume) {
          calls.push(run);
          throw new AppError('E_RESUME', 'cannot resume: the journal belongs to another input');
        }
        return job(run);
      },
    });
    expect(result.exitCode).toBe(0);
    expect(calls.map((c) => c.resume)).toEqual([true, false]);
    expect(readdirSync(join(o.inbox, 'done'))).toEqual(['a.csv']);
  });

  it('does not claim a file that is still growing', async () => {
    const o = { ...setup({ 'slow.csv': '0', 'ready.csv': '0' }), settleMs: 300 };
    const growing = setInterval(() => writeFileSync(join(o.inbox, 'slow.csv'), `${readFileSync(join(o.inbox, 'slow.csv'), 'utf8')}0`), 20);
    try {
      const result = await runWatch(o, { logger, signal, outputNameFor, processFile: scripted([]) });
      expect(result.files.map((f) => f.name)).toEqual(['ready.csv']);
    } finally {
      clearInterval(growing);
    }
    expect(existsSync(join(o.inbox, 'slow.csv'))).toBe(true);
  });

  it('refuses an outbox that is the inbox, and an inbox that is not a folder', async () => {
    const o = setup({});
    await expect(runWatch({ ...o, outbox: `${o.inbox}/` }, { logger, signal, outputNameFor, processFile: scripted([]) })).rejects.toThrow(/--outbox must not be the inbox/);
    await expect(runWatch({ ...o, inbox: join(o.inbox, 'nope') }, { logger, signal, outputNameFor, processFile: scripted([]) })).rejects.toThrow(/is not a folder/);
  });

  it('exits 143 without claiming anything when already stopped', async () => {
    const o = { ...setup({ 'a.csv': '0' }), once: false };
    const stop = new AbortController();
    stop.abort('SIGTERM');
    const result = await runWatch(o, { logger, signal: stop.signal, outputNameFor, processFile: scripted([]) });
    expect(result).toEqual({ exitCode: 143, files: [] });
    expect(existsSync(join(o.inbox, 'a.csv'))).toBe(true);
  });
});
