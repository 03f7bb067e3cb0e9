import { describe, expect, it } from 'vitest';
import { EXIT } from '../../src/errors.js';
import { rankExitCode, worstExitCode } from '../../src/ops/exit-severity.js';
import { sumSummaries } from '../../src/ops/sum-summaries.js';
import { makeSummary } from './ops-summaries.js';

describe('sumSummaries', () => {
  it('adds rows, errors, warnings and requests; keeps the worst latency; times the whole span', () => {
    const a = makeSummary();
    const b = makeSummary({
      rows: { total: 5, assigned: 2, rejected: 0, invalid: 0, failed: 3 },
      errors: { 'HTTP 503 after 5 attempts': 3 },
      warnings: { 'zip "N/A" is not a US zip; sent without it': 2 },
      requests: { sent: 7, retries: 6, ambiguousRetries: 2, byStatus: { '503': 6, '200': 1 } },
      latencyMs: { p50: 10, p95: 300, p99: 20 },
    });
    const sum = sumSummaries([a, b], { command: 'watch', input: 'in', output: 'out', startedAt: '2026-11-24T10:00:00.000Z', finishedAt: '2026-11-24T10:00:03.000Z', exitCode: 1 });
    expect(sum).toEqual({
      command: 'watch',
      input: 'in',
      output: 'out',
      rows: { total: 15, assigned: 10, rejected: 1, invalid: 1, failed: 3 },
      errors: { 'No available ANI found': 1, 'phone is empty': 1, 'HTTP 503 after 5 attempts': 3 },
      warnings: { 'zip "N/A" is not a US zip; sent without it': 2 },
      requests: { sent: 9, retries: 7, ambiguousRetries: 2, byStatus: { '200': 2, '503': 7 } },
      latencyMs: { p50: 40, p95: 300, p99: 90 },
      durationMs: 3000,
      rowsPerSecond: 5,
      exitCode: 1,
      startedAt: '2026-11-24T10:00:00.000Z',
      finishedAt: '2026-11-24T10:00:03.000Z',
    });
  });

  it('sums nothing to zeros, and bounds distinct messages as a run does', () => {
    const empty = sumSummaries([], { command: 'watch', input: 'in', output: 'out', startedAt: '2026-11-24T10:00:00.000Z', finishedAt: '2026-11-24T10:00:00.000Z', exitCode: 0 });
    expect(empty.rows).toEqual({ total: 0 });
    expect(empty.rowsPerSecond).toBe(0);
    const many = Array.from({ length: 3 }, (_, k) => makeSummary({ errors: Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`error ${k}-${i}`, 1])) }));
    const sum = sumSummaries(many, { command: 'watch', input: 'in', output: 'out', startedAt: '2026-11-24T10:00:00.000Z', finishedAt: '2026-11-24T10:00:01.000Z', exitCode: 0 });
    expect(Object.keys(sum.errors)).toHaveLength(201);
    expect(sum.errors['(other messages)']).toBe(100);
    expect(Object.values(sum.errors).reduce((x, y) => x + y, 0)).toBe(300);
  });
});

describe('worstExitCode', () => {
  it('ranks interrupted > key refused > API unavailable > bug > bad file > failed rows > ok', () => {
    const order = [EXIT.sigterm, EXIT.sigint, EXIT.auth, EXIT.unavailable, EXIT.internal, EXIT.usage, EXIT.rowsFailed, EXIT.ok];
    for (let i = 1; i < order.length; i++) expect(rankExitCode(order[i - 1]!)).toBeGreaterThan(rankExitCode(order[i]!));
    expect(worstExitCode([])).toBe(0);
    expect(worstExitCode([0, 1, 0])).toBe(1);
    expect(worstExitCode([1, 2, 0])).toBe(2);
    expect(worstExitCode([2, 4, 1])).toBe(4);
    expect(worstExitCode([4, 3])).toBe(3);
    expect(worstExitCode([3, 143, 2])).toBe(143);
    expect(rankExitCode(99)).toBe(rankExitCode(EXIT.internal)); // an unknown code counts as a bug
  });
});
