import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../src/report/summary.js';
import { makeSummary as makeRunSummary } from './ops-summaries.js';
import { formatOutcomeLine, writeTerminationMessage } from '../../src/report/termination.js';

/** This file's summary: the shared one with the values its assertions are written against. */
function makeSummary(over: Partial<RunSummary> = {}): RunSummary {
  return makeRunSummary({
    rows: { total: 2000, assigned: 1990, rejected: 0, invalid: 3, failed: 7 },
    errors: {},
    requests: { sent: 21, retries: 0, ambiguousRetries: 0, byStatus: { '200': 21 } },
    latencyMs: { p50: 80, p95: 140, p99: 300 },
    durationMs: 12_345,
    rowsPerSecond: 162,
    exitCode: 1,
    finishedAt: '2026-11-24T10:00:12.345Z',
    ...over,
  });
}

describe('formatOutcomeLine', () => {
  it('sums up a run with failed rows and says to rerun', () => {
    expect(formatOutcomeLine(makeSummary())).toBe('exit 1: 1990 assigned, 0 rejected, 3 invalid, 7 failed of 2000 rows in 12.3s — run rerun');
  });

  it('adds no next step after a clean run and orders statuses the same whatever the summary order', () => {
    const summary = makeSummary({ exitCode: 0, rows: { failed: 0, invalid: 0, total: 5, rejected: 1, assigned: 4 }, durationMs: 900 });
    expect(formatOutcomeLine(summary)).toBe('exit 0: 4 assigned, 1 rejected, 0 invalid, 0 failed of 5 rows in 0.9s');
  });

  it('uses nrm apply statuses, flags dry and resumed runs, and prefers the summary\'s own next step', () => {
    const summary = makeSummary({
      command: 'nrm apply',
      rows: { total: 3, done: 1, rejected: 0, invalid: 0, failed: 0, skipped: 2 },
      exitCode: 143,
      dryRun: true,
      resumed: true,
      stoppedBecause: 'interrupted by SIGTERM: run again with --resume',
    });
    expect(formatOutcomeLine(summary)).toBe(
      'exit 143: 1 done, 0 rejected, 0 invalid, 0 failed, 2 skipped of 3 rows in 12.3s (dry run, resumed) — interrupted by SIGTERM: run again with --resume',
    );
  });

  it('names the next step for every non-zero exit code', () => {
    const next = (exitCode: number) => formatOutcomeLine(makeSummary({ exitCode })).split(' — ')[1];
    expect(next(2)).toBe('fix the input or the command line');
    expect(next(3)).toBe('check the API key');
    expect(next(4)).toBe('API unavailable: resume with --resume');
    expect(next(130)).toBe('interrupted: resume with --resume');
    expect(next(143)).toBe('interrupted: resume with --resume');
  });
});

describe('writeTerminationMessage', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'oiq-termination-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('replaces the content of an existing file with one line', async () => {
    const path = join(dir, 'termination-log');
    await writeFile(path, 'an older, much longer message that must not survive as a tail\n');
    expect(writeTerminationMessage('exit 1: 7 failed\nof 2000 rows\r\n  — run rerun', path)).toBe(true);
    expect(await readFile(path, 'utf8')).toBe('exit 1: 7 failed of 2000 rows — run rerun\n');
  });

  it('does nothing when the path does not exist (outside Kubernetes), and never throws', async () => {
    const path = join(dir, 'termination-log');
    expect(writeTerminationMessage('exit 0', path)).toBe(false);
    expect(await readdir(dir)).toEqual([]);
    expect(writeTerminationMessage('exit 0', join(dir, 'no', 'such', 'dir'))).toBe(false);
    expect(writeTerminationMessage('exit 0', dir)).toBe(false); // a directory is not writable as a file
  });

  it('cuts a long message to 4096 bytes without splitting a character', async () => {
    const path = join(dir, 'termination-log');
    await writeFile(path, '');
    expect(writeTerminationMessage(`exit 1: ${'é—'.repeat(3000)}`, path)).toBe(true);
    const bytes = await readFile(path);
    expect(bytes.length).toBeLessThanOrEqual(4096);
    expect(bytes.length).toBeGreaterThan(4090);
    const text = bytes.toString('utf8');
    expect(text).not.toContain('\uFFFD');
    expect(Buffer.byteLength(text)).toBe(bytes.length);
  });

  // Outside Kubernetes /dev/termination-log is absent: the default call must be a harmless no-op.
  it.skipIf(existsSync('/dev/termination-log'))('is a no-op at the default path outside Kubernetes', () => {
    expect(writeTerminationMessage('exit 0')).toBe(false);
    expect(existsSync('/dev/termination-log')).toBe(false);
  });
});
