/** The concurrency limit for a run: fixed, or adaptive for `--concurrency auto`. */
import type { JobConfig } from '../config/schema.js';
import { createAdaptiveLimit } from '../pipeline/adaptive-limit.js';
import { fixedLimit } from '../pipeline/assign.js';
import type { ConcurrencyLimit } from '../pipeline/run-job.js';

/** The limit and how many connections the pool needs for it (the ceiling, for `auto`). */
export function concurrencyLimitFor(config: Pick<JobConfig, 'concurrency' | 'maxConcurrency'>): { limit: ConcurrencyLimit; connections: number } {
  if (config.concurrency === 'auto') return { limit: createAdaptiveLimit({ max: config.maxConcurrency }), connections: config.maxConcurrency };
  return { limit: fixedLimit(config.concurrency), connections: config.concurrency };
}
