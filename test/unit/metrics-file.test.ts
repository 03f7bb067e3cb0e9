import { mkdir, mkdtemp, open, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildMetricsRegistry, writeMetricsFile } from '../../src/report/metrics.js';
import type { RunSummary } from '../../src/report/summary.js';
import { makeSummary as makeRunSummary } from './ops-summaries.js';

/** This file's summary: the shared one with the values its assertions are written against. */
function makeSummary(over: Partial<RunSummary> = {}): RunSummary {
  return makeRunSummary({
    rows: { total: 10, assigned: 10, rejected: 0, invalid: 0, failed: 0 },
    errors: {},
    requests: { sent: 1, retries: 0, ambiguousRetries: 0, byStatus: { '200': 1 } },
    latencyMs: { p50: 50, p95: 50, p99: 50 },
    durationMs: 1500,
    rowsPerSecond: 6.67,
    exitCode: 0,
    finishedAt: '2026-11-24T10:00:01.500Z',
    ...over,
  });
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'oiq-metrics-file-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('writeMetricsFile', () => {
  it('writes exactly the registry text and leaves no temporary file behind', async () => {
    const path = join(dir, 'oiq_batch.prom');
    const summary = makeSummary();
    await writeMetricsFile(path, summary);
    expect(await readFile(path, 'utf8')).toBe(await buildMetricsRegistry(summary).metrics());
    expect(await readdir(dir)).toEqual(['oiq_batch.prom']);
  });

  it('replaces an existing file by rename, so a reader holding the old file never sees a partial one', async () => {
    const path = join(dir, 'oiq_batch.prom');
    await writeMetricsFile(path, makeSummary({ exitCode: 0 }));
    const before = await stat(path);
    const reader = await open(path, 'r');
    try {
      await writeMetricsFile(path, makeSummary({ exitCode: 1, rows: { total: 10, assigned: 9, rejected: 0, invalid: 0, failed: 1 } }));
      // The old inode is untouched: a collector mid-read keeps reading the complete previous file.
      expect(await reader.readFile('utf8')).toContain('oiq_batch_exit_code{command="assign"} 0');
    } finally {
      await reader.close();
    }
    expect((await stat(path)).ino).not.toBe(before.ino);
    expect(await readFile(path, 'utf8')).toContain('oiq_batch_exit_code{command="assign"} 1');
    expect(await readdir(dir)).toEqual(['oiq_batch.prom']);
  });

  it('overwrites a stale temporary file left by a crashed run', async () => {
    const path = join(dir, 'oiq_batch.prom');
    await writeFile(`${path}.tmp`, 'garbage from a crash, much longer than nothing at all '.repeat(200));
    await writeMetricsFile(path, makeSummary());
    expect(await readFile(path, 'utf8')).not.toContain('garbage');
    expect(await readdir(dir)).toEqual(['oiq_batch.prom']);
  });

  it('rejects with the path when the directory is missing, creating nothing', async () => {
    const path = join(dir, 'missing', 'oiq_batch.prom');
    await expect(writeMetricsFile(path, makeSummary())).rejects.toThrow(`cannot write the metrics file ${path}: ENOENT`);
    expect(await readdir(dir)).toEqual([]);
  });

  it('removes its temporary file when the rename fails', async () => {
    const path = join(dir, 'oiq_batch.prom');
    await mkdir(join(path, 'occupied'), { recursive: true }); // a non-empty directory cannot be renamed over
    await expect(writeMetricsFile(path, makeSummary())).rejects.toThrow(`cannot write the metrics file ${path}`);
    expect(await readdir(dir)).toEqual(['oiq_batch.prom']);
    expect((await stat(path)).isDirectory()).toBe(true);
  });

  it('keeps the previous last-success timestamp through a failed run', async () => {
    const path = join(dir, 'oiq_batch.prom');
    await writeMetricsFile(path, makeSummary({ exitCode: 0 }));
    await writeMetricsFile(path, makeSummary({ exitCode: 4, finishedAt: '2026-11-25T10:00:00.000Z' }));
    const text = await readFile(path, 'utf8');
    expect(text).toContain('oiq_batch_exit_code{command="assign"} 4');
    expect(text).toContain('oiq_batch_last_success_timestamp_seconds{command="assign"} 1795514401.5');
    await writeMetricsFile(path, makeSummary({ exitCode: 0, finishedAt: '2026-11-26T00:00:00.000Z' }));
    expect(await readFile(path, 'utf8')).toContain('oiq_batch_last_success_timestamp_seconds{command="assign"} 1795651200');
  });

  it('carries no last-success timestamp from another command or when there was none', async () => {
    const path = join(dir, 'oiq_batch.prom');
    await writeMetricsFile(path, makeSummary({ exitCode: 1 }));
    expect(await readFile(path, 'utf8')).not.toContain('oiq_batch_last_success_timestamp_seconds');
    await writeMetricsFile(path, makeSummary({ command: 'rerun', exitCode: 0 }));
    await writeMetricsFile(path, makeSummary({ exitCode: 1 }));
    expect(await readFile(path, 'utf8')).not.toContain('oiq_batch_last_success_timestamp_seconds');
  });
});
