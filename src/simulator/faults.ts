/**
 * Fault injection: the knobs resolved once (defaults, range checks), a token bucket for the rate
 * limit, and the per-request dice. Decisions draw from the simulator's seeded fault stream.
 */
import { rollChance, type Rng } from './prng.js';
import type { SimulatorFaults } from './types.js';

/** The faults with every default applied. */
export interface ResolvedFaults {
  latencyMs: number;
  latencyJitterMs: number;
  errorRate: number;
  error500Rate: number;
  rateLimitRps: number | undefined;
  retryAfter: 'seconds' | 'date';
  retryAfterSeconds: number;
  resetBeforeRate: number;
  resetAfterRate: number;
  hangRate: number;
  malformedRate: number;
  missingRowRate: number;
  maxBatchSize: number | undefined;
  rejectBatchOnInvalidRow: boolean;
  down: boolean;
  shuffleResults: boolean;
}

/** What happens to a request before it is processed. */
export type PreFault = 'rateLimited' | 'unavailable' | 'resetBefore' | undefined;
/** What happens to a processed request's answer. */
export type PostFault = 'error500' | 'resetAfter' | 'hang' | 'malformed' | undefined;

const RATE_KEYS = [
  'errorRate',
  'error500Rate',
  'resetBeforeRate',
  'resetAfterRate',
  'hangRate',
  'malformedRate',
  'missingRowRate',
] as const;

function checkNonNegative(name: string, value: number | undefined): void {
  if (value !== undefined && !(Number.isFinite(value) && value >= 0)) {
    throw new RangeError(`simulator fault ${name} must be a finite number ≥ 0, got ${value}`);
  }
}

/** Applies defaults and checks ranges; throws RangeError naming the bad knob (a programming error). */
export function resolveFaults(faults: SimulatorFaults = {}): ResolvedFaults {
  for (const key of RATE_KEYS) {
    const rate = faults[key];
    if (rate !== undefined && !(rate >= 0 && rate <= 1)) {
      throw new RangeError(`simulator fault ${key} must be a fraction in [0, 1], got ${rate}`);
    }
  }
  checkNonNegative('latencyMs', faults.latencyMs);
  checkNonNegative('latencyJitterMs', faults.latencyJitterMs);
  checkNonNegative('retryAfterSeconds', faults.retryAfterSeconds);
  if (faults.rateLimitRps !== undefined && !(Number.isFinite(faults.rateLimitRps) && faults.rateLimitRps > 0)) {
    throw new RangeError(`simulator fault rateLimitRps must be a number > 0, got ${faults.rateLimitRps}`);
  }
  if (faults.maxBatchSize !== undefined && !(Number.isInteger(faults.maxBatchSize) && faults.maxBatchSize >= 1)) {
    throw new RangeError(`simulator fault maxBatchSize must be an integer ≥ 1, got ${faults.maxBatchSize}`);
  }
  return {
    latencyMs: faults.latencyMs ?? 0,
    latencyJitterMs: faults.latencyJitterMs ?? 0,
    errorRate: faults.errorRate ?? 0,
    error500Rate: faults.error500Rate ?? 0,
    rateLimitRps: faults.rateLimitRps,
    retryAfter: faults.retryAfter ?? 'seconds',
    retryAfterSeconds: faults.retryAfterSeconds ?? 1,
    resetBeforeRate: faults.resetBeforeRate ?? 0,
    resetAfterRate: faults.resetAfterRate ?? 0,
    hangRate: faults.hangRate ?? 0,
    malformedRate: faults.malformedRate ?? 0,
    missingRowRate: faults.missingRowRate ?? 0,
    maxBatchSize: faults.maxBatchSize,
    rejectBatchOnInvalidRow: faults.rejectBatchOnInvalidRow ?? false,
    down: faults.down ?? false,
    shuffleResults: faults.shuffleResults ?? true,
  };
}

/** A token bucket of capacity max(1, rps) that refills `rps` tokens per second, continuously. */
export class TokenBucket {
  private readonly capacity: number;
  private tokens: number;
  private last: number;

  constructor(
    private readonly rps: number,
    now: number,
  ) {
    this.capacity = Math.max(1, rps);
    this.tokens = this.capacity;
    this.last = now;
  }

  /** Takes one token at time `now` (ms); false when the bucket is empty. */
  take(now: number): boolean {
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) / 1000) * this.rps);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/** Rolls the faults that strike before processing: the rate limit first, then 503, then a reset. */
export function rollPreFault(faults: ResolvedFaults, rng: Rng, bucket: TokenBucket | undefined, now: number): PreFault {
  if (bucket !== undefined && !bucket.take(now)) return 'rateLimited';
  if (rollChance(rng, faults.errorRate)) return 'unavailable';
  if (rollChance(rng, faults.resetBeforeRate)) return 'resetBefore';
  return undefined;
}

/** Rolls the faults that strike after processing (at most one, in a fixed order). */
export function rollPostFault(faults: ResolvedFaults, rng: Rng): PostFault {
  if (rollChance(rng, faults.error500Rate)) return 'error500';
  if (rollChance(rng, faults.resetAfterRate)) return 'resetAfter';
  if (rollChance(rng, faults.hangRate)) return 'hang';
  if (rollChance(rng, faults.malformedRate)) return 'malformed';
  return undefined;
}

/** The Retry-After header of a 429: delta seconds, or an HTTP date that many seconds from `now`. */
export function formatRetryAfter(faults: ResolvedFaults, now: number): string {
  if (faults.retryAfter === 'date') return new Date(now + faults.retryAfterSeconds * 1000).toUTCString();
  return String(Math.ceil(faults.retryAfterSeconds));
}

/** Milliseconds from a request's arrival to its answer, jitter included (0 when none is configured). */
export function rollLatency(faults: ResolvedFaults, rng: Rng): number {
  const jitter = faults.latencyJitterMs > 0 ? rng() * faults.latencyJitterMs : 0;
  return faults.latencyMs + jitter;
}
