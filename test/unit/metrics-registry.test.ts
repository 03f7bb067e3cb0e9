import { describe, expect, it } from 'vitest';
import { buildMetricsRegistry } from '../../src/report/metrics.js';
import type { RunSummary } from '../../src/report/summary.js';
import { makeSummary as makeRunSummary } from './ops-summaries.js';

/** This file's summary: the shared one with the values its assertions are written against. */
function makeSummary(over: Partial<RunSummary> = {}): RunSummary {
  return makeRunSummary({
    rows: { total: 2000, assigned: 1990, rejected: 0, invalid: 3, failed: 7 },
    errors: { 'phone has 9 digits': 3 },
    requests: { sent: 21, retries: 2, ambiguousRetries: 1, byStatus: { '200': 20, '503': 1, E_API_TIMEOUT: 1 } },
    latencyMs: { p50: 80, p95: 140, p99: 300 },
    durationMs: 12_345,
    rowsPerSecond: 162.01,
    exitCode: 1,
    finishedAt: '2026-11-24T10:00:12.345Z',
    ...over,
  });
}

/** The sample lines of an exposition text (no comments, no blank lines). */
function samples(text: string): string[] {
  return text.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
}

describe('buildMetricsRegistry', () => {
  it('renders every series of a run with rows failed, and no last-success timestamp', async () => {
    const text = await buildMetricsRegistry(makeSummary()).metrics();
    expect(samples(text)).toEqual([
      'oiq_batch_rows{status="assigned",command="assign"} 1990',
      'oiq_batch_rows{status="rejected",command="assign"} 0',
      'oiq_batch_rows{status="invalid",command="assign"} 3',
      'oiq_batch_rows{status="failed",command="assign"} 7',
      'oiq_batch_input_rows{command="assign"} 2000',
      'oiq_batch_requests{status="200",command="assign"} 20',
      'oiq_batch_requests{status="503",command="assign"} 1',
      'oiq_batch_requests{status="E_API_TIMEOUT",command="assign"} 1',
      'oiq_batch_retries{command="assign"} 2',
      'oiq_batch_ambiguous_retries{command="assign"} 1',
      'oiq_batch_duration_seconds{command="assign"} 12.345',
      'oiq_batch_rows_per_second{command="assign"} 162.01',
      'oiq_batch_exit_code{command="assign"} 1',
    ]);
  });

  it('declares every family as a gauge with help text, none named like a counter', async () => {
    const text = await buildMetricsRegistry(makeSummary({ exitCode: 0 })).metrics();
    const types = text.split('\n').filter((l) => l.startsWith('# TYPE '));
    const helps = text.split('\n').filter((l) => l.startsWith('# HELP '));
    expect(types).toHaveLength(9);
    expect(helps).toHaveLength(9);
    for (const line of types) {
      expect(line).toMatch(/^# TYPE oiq_batch_[a-z_]+ gauge$/);
      expect(line).not.toMatch(/_total /);
    }
  });

  it('adds the last-success timestamp (finishedAt, in seconds) only when the run exited 0', async () => {
    const ok = await buildMetricsRegistry(makeSummary({ exitCode: 0, rows: { total: 2, assigned: 2, rejected: 0, invalid: 0, failed: 0 } })).metrics();
    expect(samples(ok)).toContain('oiq_batch_last_success_timestamp_seconds{command="assign"} 1795514412.345');
    expect(samples(ok)).toContain('oiq_batch_exit_code{command="assign"} 0');
    for (const exitCode of [1, 2, 3, 4, 130, 143]) {
      const text = await buildMetricsRegistry(makeSummary({ exitCode })).metrics();
      expect(text).not.toContain('oiq_batch_last_success_timestamp_seconds');
      expect(samples(text)).toContain(`oiq_batch_exit_code{command="assign"} ${exitCode}`);
    }
  });

  it('does not count a dry run as a success', async () => {
    const text = await buildMetricsRegistry(makeSummary({ exitCode: 0, dryRun: true })).metrics();
    expect(text).not.toContain('oiq_batch_last_success_timestamp_seconds');
  });

  it('puts extra labels on every series and keeps nrm apply statuses as they are', async () => {
    const summary = makeSummary({ command: 'nrm apply', rows: { total: 5, done: 4, rejected: 1, invalid: 0, failed: 0 }, exitCode: 0 });
    const lines = samples(await buildMetricsRegistry(summary, { env: 'prod', team: 'dialer' }).metrics());
    expect(lines).toHaveLength(14);
    for (const line of lines) expect(line).toMatch(/command="nrm apply",env="prod",team="dialer"\} /);
    expect(lines).toContain('oiq_batch_rows{status="done",command="nrm apply",env="prod",team="dialer"} 4');
    expect(lines.some((l) => l.includes('status="total"'))).toBe(false);
  });

  it('gives every call its own registry (the global default registry stays empty)', async () => {
    const { register } = await import('prom-client');
    const a = buildMetricsRegistry(makeSummary({ exitCode: 0 }));
    const b = buildMetricsRegistry(makeSummary({ exitCode: 1 }));
    expect(a).not.toBe(b);
    expect(await a.metrics()).toContain('oiq_batch_exit_code{command="assign"} 0');
    expect(await b.metrics()).toContain('oiq_batch_exit_code{command="assign"} 1');
    expect(register.getMetricsAsArray()).toHaveLength(0);
  });

  it('refuses label names Prometheus would reject or that clash with a series label', () => {
    for (const bad of ['1st', 'has-dash', '__reserved', 'status']) {
      expect(() => buildMetricsRegistry(makeSummary(), { [bad]: 'x' })).toThrow(`invalid metrics label name "${bad}"`);
    }
  });
});
