/**
 * V8 settings for a run, set from inside the process: a shebang cannot pass node flags portably, and
 * `NODE_OPTIONS` is the user's. Only flags V8 reads after start-up can work here; each was measured
 * (README, performance).
 */
import { PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';

/** The young generation's cap (both semi-spaces). V8's own ceiling on 64-bit Node 20 is 32 MiB. */
const YOUNG_GENERATION_BYTES = 8 * 2 ** 20;

/** Sets the flags and starts holding the young generation to its cap. Call first thing. */
export function tuneV8(): void {
  // undici parses HTTP with llhttp, a WebAssembly module, and V8 recompiles its one big parser function
  // with TurboFan on a background thread: ~0.3 s of CPU and ~35 MiB of RSS per run, and the process
  // cannot exit before that compilation ends. On Liftoff's baseline code a 200k-row run is no slower.
  setFlagsFromString('--no-wasm-tier-up');
  setFlagsFromString('--no-wasm-dynamic-tiering');
  // Rows waiting for their answer outlive young-generation collections, so the old generation fills
  // with rows already written; by default V8 lets it grow to several times what is live before
  // collecting. Growing by 10% instead: peak RSS on a million rows ~178 → ~120 MiB for the same CPU.
  // V8 reads it at every collection, so it takes effect from here.
  setFlagsFromString('--heap-growing-percent=10');
  capYoungGeneration(YOUNG_GENERATION_BYTES);
}

/**
 * V8 doubles the young generation while objects survive it, up to 32 MiB, and lets the old generation
 * grow by that much again before collecting. Its ceiling can only be set when node starts
 * (`--max-semi-space-size`), but the growth factor is read each time it grows: it doubles while that
 * stays within the cap, then it is set to 1 and growth stops (and resumes if V8 ever shrinks it).
 * Measured: uncapped, a million rows peaked at ~117 MiB; at 16 MiB, ~98–101 MiB (the benchmark's bound
 * is 100). Since rows in flight are bytes rather than objects (staged-rows.ts, lead-store.ts) little
 * survives a collection, and 8 MiB costs 200k rows +0.03 s median, +0.10 s at best (8 interleaved
 * runs each) for ~10 MiB less peak RSS. (A cap that is not a power of two needs a growth factor above
 * 2, and V8 sizes the first growth from a semi-space its statistics do not always report: it could
 * overshoot.)
 */
function capYoungGeneration(bytes: number): void {
  let factor: number | undefined;
  const check = () => {
    const young = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size;
    if (young === undefined || young === 0) return; // not this V8's layout: leave it alone
    const next = young * 2 <= bytes ? 2 : 1;
    if (next === factor) return;
    factor = next;
    setFlagsFromString(`--semi-space-growth-factor=${next}`);
  };
  check();
  new PerformanceObserver(check).observe({ entryTypes: ['gc'] });
}
