/**
 * `--concurrency auto`: an AIMD concurrency limit, as in Netflix's concurrency-limits. It starts low,
 * grows by one per window of successful requests while their latency holds, and is cut
 * multiplicatively when the API pushes back (429, 503, timeouts), never above the ceiling nor below 1.
 *
 * Two details make it fit a request-rate limit (a token bucket) without a storm of 429s. Growth is fast
 * (one per round trip) only until the first push-back, then slow (one per `roundTripsPerStep` round
 * trips): a bucket's burst capacity hides an overshoot for a while, so probing must be gentle. And one
 * congestion is answered once: push-backs to requests sent before the last cut are ignored.
 * Pure apart from the clock, which is passed in.
 */
import type { ConcurrencyLimit } from './run-job.js';

/** Tuning; the defaults were chosen with test/bench (40 req/s limit, 50–200 ms latency). */
export interface AdaptiveLimitOptions {
  /** The ceiling (`--max-concurrency`). */
  max: number;
  /** Where the limit starts (default 2). */
  initial?: number;
  /** Multiplier applied on push-back (default 0.7). */
  backoff?: number;
  /** After the first push-back, the limit grows by one per this many round trips of successes (default 8). */
  roundTripsPerStep?: number;
  /** Growth pauses while a window's mean latency exceeds the baseline (the lowest seen) × this (default 2). */
  latencyTolerance?: number;
  /** Milliseconds clock (tests pass a fake one). */
  now?: () => number;
}

/** A concurrency limit that learns from every attempt's outcome. */
export interface AdaptiveLimit extends ConcurrencyLimit {
  /** `--max-concurrency`: it never goes above. */
  ceiling(): number;
  /** Records one attempt: its status as counted in the summary ("200", "429", "E_API_TIMEOUT", …) and its latency. */
  observe(status: string, latencyMs: number): void;
}

/** The answers that mean "too much": rate limited, overloaded, or too slow to answer. */
const PUSH_BACK = new Set(['429', '503', '504', 'E_API_TIMEOUT']);

/** How far the baseline may rise per window, so a lasting change of network path is learnt slowly. */
const BASELINE_DRIFT = 0.02;

/** Creates an AIMD limit. Throws RangeError on options out of range (a programming error). */
export function createAdaptiveLimit(options: AdaptiveLimitOptions): AdaptiveLimit {
  const max = options.max;
  const backoff = options.backoff ?? 0.7;
  const roundTripsPerStep = options.roundTripsPerStep ?? 8;
  const tolerance = options.latencyTolerance ?? 2;
  const now = options.now ?? Date.now;
  if (!(Number.isInteger(max) && max >= 1)) throw new RangeError(`adaptive limit: max must be an integer ≥ 1, got ${max}`);
  if (!(backoff > 0 && backoff < 1)) throw new RangeError(`adaptive limit: backoff must be in (0, 1), got ${backoff}`);
  if (!(roundTripsPerStep >= 1)) throw new RangeError(`adaptive limit: roundTripsPerStep must be ≥ 1, got ${roundTripsPerStep}`);
  if (!(tolerance >= 1)) throw new RangeError(`adaptive limit: latencyTolerance must be ≥ 1, got ${tolerance}`);

  let limit = Math.min(max, Math.max(1, options.initial ?? 2));
  let probing = false; // no push-back yet: grow one per round trip
  let lastCutAt = Number.NEGATIVE_INFINITY;
  let baseline = Number.POSITIVE_INFINITY;
  let successes = 0;
  let latencySum = 0;

  const resetWindow = () => {
    successes = 0;
    latencySum = 0;
  };

  return {
    ceiling: () => max,
    current: () => Math.floor(limit),
    observe(status, latencyMs) {
      const at = now();
      if (PUSH_BACK.has(status)) {
        if (at - latencyMs < lastCutAt) return; // sent before the last cut: the same congestion, already answered
        limit = Math.max(1, limit * backoff);
        lastCutAt = at;
        probing = true;
        resetWindow();
        return;
      }
      if (status.length !== 3 || status[0] !== '2') return; // other failures say nothing about load
      successes += 1;
      latencySum += latencyMs;
      // A round trip at the full window is `limit` answers: the window is one round trip, or several when probing.
      const windowSize = Math.floor(limit) * (probing ? roundTripsPerStep : 1);
      if (successes < windowSize) return;
      const mean = latencySum / successes;
      baseline = Math.min(baseline * (1 + BASELINE_DRIFT), mean);
      if (mean <= baseline * tolerance) limit = Math.min(max, limit + 1);
      resetWindow();
    },
  };
}
