/**
 * Seeded randomness for the simulator: every "random" choice (inventory, faults, shuffles) comes from
 * here so that the same seed replays the same run. Math.random is never used.
 */

/** A PRNG returning floats in [0, 1). */
export type Rng = () => number;

/** Creates a mulberry32 generator: tiny, fast, and good enough for test data and fault dice. */
export function createRng(seed: number): Rng {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Derives an independent stream's seed, so one stream's draws never shift another's. */
export function deriveSeed(seed: number, stream: number): number {
  return (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(stream + 1, 0xc2b2ae35)) >>> 0;
}

/** An integer in [min, max], both inclusive. */
export function randomInt(rng: Rng, min: number, max: number): number {
  return min + Math.floor(rng() * (max - min + 1));
}

/**
 * True with probability `p`. Draws nothing when the outcome is certain (p ≤ 0 or p ≥ 1), so a
 * fault that is switched off does not shift the other faults' dice.
 */
export function rollChance(rng: Rng, p: number): boolean {
  if (p <= 0) return false;
  if (p >= 1) return true;
  return rng() < p;
}

/** Fisher–Yates shuffle, in place. */
export function shuffleInPlace<T>(rng: Rng, items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const tmp = items[i] as T;
    items[i] = items[j] as T;
    items[j] = tmp;
  }
  return items;
}

/** Rounds to two decimals, the precision of the NRM rates. */
export function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

/** One element of a non-empty list, uniformly. */
export function pickOne<T>(rng: Rng, items: readonly T[]): T {
  const item = items[Math.floor(rng() * items.length)];
  if (item === undefined) throw new RangeError('pickOne needs a non-empty list');
  return item;
}
