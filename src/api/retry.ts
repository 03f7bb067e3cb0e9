/**
 * The one retry layer: p-retry around one API call, with full-jitter backoff, Retry-After, a run-wide
 * retry budget and the circuit breaker. Only `retry` failures (and `ambiguous` ones when the policy
 * allows) are retried; every other kind goes straight back to the caller, who splits or stops.
 *
 * p-retry 7's own backoff is `minTimeout·factor^n`, optionally ×[1,2) — no full jitter and no
 * Retry-After. So its timeouts are set to 0 and `shouldRetry` (called only when attempts remain) takes
 * a budget token, computes the delay and sleeps, abortably.
 */
import pRetry, { AbortError } from 'p-retry';
import type { CircuitBreaker } from './breaker.js';
import { classifyFailure, type FailureClass } from './classify.js';
import { ApiError } from './errors.js';

/** How hard one call is retried. */
export interface RetryPolicy {
  maxAttempts: number;
  minDelayMs: number;
  maxDelayMs: number;
  /** Retry failures after which the server may have acted (other 5xx, timeouts, resets after sending). */
  retryAmbiguous: boolean;
}

/** Run-wide retry counters, updated in place. */
export interface RetryStats {
  retries: number;
  ambiguousRetries: number;
}

/** Retries left for the whole run; once spent, calls fail with their last error instead of retrying. */
export interface RetryBudget {
  /** Takes one retry; false when none is left. */
  take(): boolean;
  readonly remaining: number;
  /** True once a retry was refused for want of budget. */
  readonly exhausted: boolean;
}

/** What onRetry is told before the wait: which attempt failed, why, and how long until the next one. */
export interface RetryInfo {
  attempt: number;
  failure: FailureClass;
  delayMs: number;
}

/** Everything callWithRetry needs; `random` is for tests (defaults to Math.random). */
export interface CallWithRetryOptions {
  policy: RetryPolicy;
  budget: RetryBudget;
  breaker: CircuitBreaker;
  signal?: AbortSignal;
  onRetry?: (info: RetryInfo) => void;
  stats: RetryStats;
  random?: () => number;
}

/** Creates a run-wide budget of `maxRetries` retries. */
export function createRetryBudget(maxRetries: number): RetryBudget {
  let remaining = maxRetries;
  let exhausted = false;
  return {
    take() {
      if (remaining <= 0) {
        exhausted = true;
        return false;
      }
      remaining -= 1;
      return true;
    },
    get remaining() {
      return remaining;
    },
    get exhausted() {
      return exhausted;
    },
  };
}

/**
 * Full-jitter backoff before retry number `retry` (1 = first retry): random in [0, min(max, min·2^(retry-1))),
 * but never less than the server's Retry-After.
 */
export function computeBackoffMs(retry: number, policy: Pick<RetryPolicy, 'minDelayMs' | 'maxDelayMs'>, random: () => number, retryAfterMs?: number): number {
  // The exponent is capped so a long run cannot overflow to Infinity (and 0·Infinity to NaN).
  const ceiling = Math.min(policy.maxDelayMs, policy.minDelayMs * 2 ** Math.min(Math.max(0, retry - 1), 52));
  return Math.max(random() * ceiling, retryAfterMs ?? 0);
}

/**
 * Calls `fn` until it succeeds, a failure is not retryable, attempts or budget run out (the last
 * error is thrown), the breaker opens (its AppError is thrown) or `signal` aborts (its reason is
 * thrown, at once, even mid-wait). `fn` gets the attempt number (1-based) and the signal.
 */
export async function callWithRetry<T>(fn: (attempt: number, signal: AbortSignal) => Promise<T>, opts: CallWithRetryOptions): Promise<T> {
  const { policy, budget, breaker, stats } = opts;
  const signal = opts.signal ?? new AbortController().signal;
  const random = opts.random ?? Math.random;
  let lastFailure: FailureClass = { kind: 'permanent', reason: 'no attempt made' };

  return pRetry(
    async (attempt) => {
      // p-retry rethrows an AbortError's original error as is, without calling any hook.
      if (signal.aborted) throw new AbortError(asError(signal.reason));
      try {
        breaker.check();
      } catch (err) {
        throw new AbortError(asError(err));
      }
      let result: T;
      try {
        result = await fn(attempt, signal);
      } catch (err) {
        if (signal.aborted) throw new AbortError(asError(signal.reason));
        if (err instanceof ApiError) err.attempt = attempt;
        const failure = classifyFailure(err);
        if (failure.kind === 'retry' || failure.kind === 'ambiguous') breaker.recordFailure(failure.reason);
        if (!isRetryable(failure, policy)) throw new AbortError(asError(err));
        lastFailure = failure;
        throw err;
      }
      breaker.recordSuccess();
      return result;
    },
    {
      retries: policy.maxAttempts - 1,
      minTimeout: 0,
      maxTimeout: 0,
      // No `signal` for p-retry on purpose: it would throw away a result that arrived just after an
      // abort, and an answer received must never be discarded (its rows would be sent again on --resume).
      shouldRetry: async ({ attemptNumber }) => {
        breaker.check(); // open: p-retry rejects with the breaker's AppError
        if (!budget.take()) return false;
        const retryAfterMs = lastFailure.kind === 'retry' ? lastFailure.retryAfterMs : undefined;
        const delayMs = computeBackoffMs(attemptNumber, policy, random, retryAfterMs);
        opts.onRetry?.({ attempt: attemptNumber, failure: lastFailure, delayMs });
        await sleep(delayMs, signal);
        stats.retries += 1;
        if (lastFailure.kind === 'ambiguous') stats.ambiguousRetries += 1;
        return true;
      },
    },
  );
}

function isRetryable(failure: FailureClass, policy: RetryPolicy): boolean {
  return failure.kind === 'retry' || (failure.kind === 'ambiguous' && policy.retryAmbiguous);
}

/** Waits `ms`, rejecting with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  signal.throwIfAborted();
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(typeof value === 'string' ? value : 'aborted');
}
