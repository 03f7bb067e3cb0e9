import { describe, expect, it } from 'vitest';
import { LatencyHistogram } from '../../src/report/latency.js';

describe('LatencyHistogram', () => {
  it('answers percentiles within about 2%', () => {
    const h = new LatencyHistogram();
    for (let i = 1; i <= 1000; i++) h.record(i);
    expect(h.percentile(0.5)).toBeGreaterThan(490);
    expect(h.percentile(0.5)).toBeLessThan(510);
    expect(h.percentile(0.99)).toBeGreaterThan(970);
    expect(h.percentile(0.99)).toBeLessThan(1010);
  });

  it('resolves sub-millisecond loopback latencies and is zero when empty', () => {
    const h = new LatencyHistogram();
    expect(h.summary()).toEqual({ p50: 0, p95: 0, p99: 0 });
    h.record(0.4);
    expect(h.summary().p50).toBeCloseTo(0.4, 1);
  });
});
