import { describe, expect, it } from 'vitest';
import { createCircuitBreaker } from '../../src/api/breaker.js';
import { AppError } from '../../src/errors.js';

function setup(openAfterMs = 60_000, minFailures = 3) {
  const clock = { t: 1_000_000 };
  const breaker = createCircuitBreaker({ openAfterMs, minFailures, now: () => clock.t });
  return { clock, breaker };
}

function checkError(check: () => void): unknown {
  try {
    check();
  } catch (err) {
    return err;
  }
  return undefined;
}

describe('circuit breaker', () => {
  it('stays closed while the failure streak is shorter than openAfterMs', () => {
    const { clock, breaker } = setup();
    for (let i = 0; i < 10; i++) {
      breaker.recordFailure('503 Service Unavailable');
      clock.t += 5_000;
    }
    expect(() => breaker.check()).not.toThrow();
    expect(breaker.isOpen).toBe(false);
  });

  it('stays closed with fewer than minFailures, however long', () => {
    const { clock, breaker } = setup(60_000, 3);
    breaker.recordFailure('503 Service Unavailable');
    clock.t += 600_000;
    breaker.recordFailure('503 Service Unavailable');
    expect(() => breaker.check()).not.toThrow();
  });

  it('opens after openAfterMs of continuous failures, saying for how long and the last failure', () => {
    const { clock, breaker } = setup();
    breaker.recordFailure('connection refused (ECONNREFUSED)');
    clock.t += 30_000;
    breaker.recordFailure('500 Internal Server Error');
    clock.t += 31_000;
    breaker.recordFailure('503 Service Unavailable');
    const err = checkError(() => breaker.check());
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: 'E_UNAVAILABLE' });
    expect((err as AppError).message).toBe('the API has been unavailable for 61s (last: 503 Service Unavailable); stopping — rerun with --resume');
    expect(breaker.isOpen).toBe(true);
  });

  it('a success ends the streak', () => {
    const { clock, breaker } = setup();
    breaker.recordFailure('503 Service Unavailable');
    breaker.recordFailure('503 Service Unavailable');
    clock.t += 50_000;
    breaker.recordSuccess();
    breaker.recordFailure('503 Service Unavailable');
    breaker.recordFailure('503 Service Unavailable');
    breaker.recordFailure('503 Service Unavailable');
    clock.t += 50_000;
    expect(() => breaker.check()).not.toThrow();
    clock.t += 10_000;
    expect(() => breaker.check()).toThrow(/unavailable for 60s/);
  });

  it('once open, every later check fails fast the same way, even after a late success', () => {
    const { clock, breaker } = setup(1_000, 1);
    breaker.recordFailure('503 Service Unavailable');
    clock.t += 1_000;
    const first = checkError(() => breaker.check());
    breaker.recordSuccess();
    clock.t += 100_000;
    expect(checkError(() => breaker.check())).toBe(first);
  });
});
