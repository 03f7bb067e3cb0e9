import { describe, expect, it } from 'vitest';
import { createAdaptiveLimit, type AdaptiveLimitOptions } from '../../src/pipeline/adaptive-limit.js';

/** A limit on a fake clock that tests move by hand. */
function limitAt(options: Partial<AdaptiveLimitOptions> = {}) {
  const clock = { t: 1_000 };
  const limit = createAdaptiveLimit({ max: 32, now: () => clock.t, ...options });
  const succeed = (n: number, latencyMs = 100) => {
    for (let i = 0; i < n; i++) limit.observe('200', latencyMs);
  };
  return { limit, clock, succeed };
}

describe('createAdaptiveLimit', () => {
  it('starts at 2 and, before any push-back, grows by one per round trip of successes', () => {
    const { limit, succeed } = limitAt();
    expect(limit.current()).toBe(2);
    succeed(1);
    expect(limit.current()).toBe(2);
    succeed(1);
    expect(limit.current()).toBe(3);
    succeed(3);
    expect(limit.current()).toBe(4);
  });

  it('never grows above the ceiling', () => {
    const { limit, succeed } = limitAt({ max: 5 });
    succeed(1_000);
    expect(limit.current()).toBe(5);
    expect(limit.ceiling()).toBe(5); // what the job sizes its reorder buffer for
  });

  it('cuts multiplicatively on 429, 503, 504 and timeouts, never below 1', () => {
    for (const status of ['429', '503', '504', 'E_API_TIMEOUT']) {
      const { limit, clock, succeed } = limitAt({ initial: 10 });
      limit.observe(status, 50);
      expect(limit.current()).toBe(7);
      for (let i = 0; i < 10; i++) {
        clock.t += 1_000;
        limit.observe(status, 50);
      }
      expect(limit.current()).toBe(1);
      succeed(1);
      expect(limit.current()).toBe(1);
    }
  });

  it('answers one congestion once: push-backs to requests sent before the cut are ignored', () => {
    const { limit, clock } = limitAt({ initial: 10 });
    limit.observe('429', 100); // sent at t=900, cut at t=1000
    clock.t += 50;
    limit.observe('429', 100); // sent at 950, before the cut: same congestion
    limit.observe('429', 60); // sent at 990: still before
    expect(limit.current()).toBe(7);
    clock.t += 100;
    limit.observe('429', 100); // sent at 1050, after the cut: a new push-back
    expect(limit.current()).toBe(4);
  });

  it('after a push-back, grows by one per `roundTripsPerStep` round trips', () => {
    const { limit, succeed } = limitAt({ initial: 10, roundTripsPerStep: 4 });
    limit.observe('429', 10); // 10 → 7
    expect(limit.current()).toBe(7);
    succeed(7 * 4 - 1);
    expect(limit.current()).toBe(7);
    succeed(1);
    expect(limit.current()).toBe(8);
    succeed(8 * 4);
    expect(limit.current()).toBe(9);
  });

  it('grows only while latency holds against the lowest window seen', () => {
    const { limit, succeed } = limitAt();
    succeed(2, 100); // baseline 100 ms → 3
    succeed(3, 250); // 2.5× the baseline: no growth
    expect(limit.current()).toBe(3);
    succeed(3, 190); // within 2×: grows
    expect(limit.current()).toBe(4);
  });

  it('ignores failures that say nothing about load', () => {
    const { limit } = limitAt({ initial: 4 });
    for (const status of ['400', '413', '500', 'E_API_RESET', 'E_API_CONNECT', 'E_API_BODY', 'error']) limit.observe(status, 5);
    expect(limit.current()).toBe(4);
  });

  it('refuses nonsensical tuning', () => {
    expect(() => createAdaptiveLimit({ max: 0 })).toThrow(RangeError);
    expect(() => createAdaptiveLimit({ max: 4, backoff: 1 })).toThrow(RangeError);
    expect(() => createAdaptiveLimit({ max: 4, roundTripsPerStep: 0 })).toThrow(RangeError);
    expect(() => createAdaptiveLimit({ max: 4, latencyTolerance: 0.5 })).toThrow(RangeError);
  });
});

/**
 * A closed loop on a fake clock: an API behind a token bucket (`rps`, burst `rps`) answering after
 * `latencyMs`, 429 with a one-second Retry-After; the client keeps `limit.current()` requests in flight,
 * a rate-limited one waiting its second out in its slot. Deterministic (no jitter, no timers).
 */
function simulate(rps: number, latencyMs: number, durationMs: number) {
  let t = 0;
  const limit = createAdaptiveLimit({ max: 32, now: () => t });
  let tokens = rps;
  let refilledAt = 0;
  const take = () => {
    tokens = Math.min(rps, tokens + ((t - refilledAt) / 1000) * rps);
    refilledAt = t;
    if (tokens < 1) return false;
    tokens -= 1;
    return true;
  };
  const events: { at: number; kind: 'answer' | 'retry'; ok: boolean; sentAt: number }[] = [];
  const schedule = (e: (typeof events)[number]) => {
    events.push(e);
    events.sort((a, b) => a.at - b.at);
  };
  const send = () => schedule({ at: t + latencyMs, kind: 'answer', ok: take(), sentAt: t });
  let inFlight = 0;
  let answered = 0;
  let limited = 0;
  let sent = 0;
  const fill = () => {
    for (; inFlight < limit.current(); inFlight++, sent++) send();
  };
  fill();
  while (events.length > 0 && events[0]!.at <= durationMs) {
    const e = events.shift()!;
    t = e.at;
    if (e.kind === 'retry') {
      sent += 1;
      send();
    } else if (e.ok) {
      answered += 1;
      limit.observe('200', t - e.sentAt);
      inFlight -= 1;
      fill();
    } else {
      limited += 1;
      limit.observe('429', t - e.sentAt);
      schedule({ at: t + 1_000, kind: 'retry', ok: false, sentAt: t });
    }
  }
  return { answeredPerSecond: answered / (durationMs / 1000), limitedShare: limited / sent };
}

describe('adaptive limit against a request-rate limit (closed loop, fake clock)', () => {
  // The ideal window (rate × latency) is 2 to 8 requests here; at 1–2 an integer window cannot sit in between.
  it.each([
    { rps: 40, latencyMs: 50 },
    { rps: 40, latencyMs: 100 },
    { rps: 40, latencyMs: 200 },
    { rps: 10, latencyMs: 500 },
  ])('reaches 90% of $rps req/s at $latencyMs ms latency with under 5% of requests answered 429', ({ rps, latencyMs }) => {
    const { answeredPerSecond, limitedShare } = simulate(rps, latencyMs, 30_000);
    expect(answeredPerSecond).toBeGreaterThanOrEqual(0.9 * rps);
    expect(limitedShare).toBeLessThan(0.05);
  });
});
