/**
 * Circuit breaker: when the API has failed continuously for long enough, stop the run (exit 4,
 * resumable) instead of retrying row after row into a dead service. Once open it stays open: the run
 * is stopping, and every later call must fail fast the same way.
 */
import { AppError } from '../errors.js';

/** When to open: failures continuous for `openAfterMs`, and at least `minFailures` of them. */
export interface CircuitBreakerOptions {
  openAfterMs: number;
  minFailures: number;
  /** Epoch milliseconds; tests pass a fake clock. */
  now?: () => number;
}

/** Shared by every call of a run; fed with the outcome of every attempt. */
export interface CircuitBreaker {
  /** Throws AppError('E_UNAVAILABLE') when the circuit is (or now becomes) open. */
  check(): void;
  /** A 2xx answer: the API works, the failure streak is over. */
  recordSuccess(): void;
  /** A failure that says the API is unwell (retry and ambiguous kinds); `reason` e.g. `503 Service Unavailable`. */
  recordFailure(reason: string): void;
  /** True once the breaker has opened. */
  readonly isOpen: boolean;
}

/** Creates a breaker; nothing is open until check() sees a long enough streak. */
export function createCircuitBreaker(options: CircuitBreakerOptions): CircuitBreaker {
  const now = options.now ?? Date.now;
  let streakStart: number | undefined;
  let failures = 0;
  let lastReason = '';
  let opened: AppError | undefined;

  return {
    check() {
      if (opened) throw opened;
      if (streakStart === undefined || failures < options.minFailures) return;
      const elapsed = now() - streakStart;
      if (elapsed < options.openAfterMs) return;
      opened = new AppError(
        'E_UNAVAILABLE',
        `the API has been unavailable for ${Math.round(elapsed / 1000)}s (last: ${lastReason}); stopping — rerun with --resume`,
        { unavailableMs: elapsed, failures, lastReason },
      );
      throw opened;
    },
    recordSuccess() {
      streakStart = undefined;
      failures = 0;
    },
    recordFailure(reason) {
      streakStart ??= now();
      failures += 1;
      lastReason = reason;
    },
    get isOpen() {
      return opened !== undefined;
    },
  };
}
