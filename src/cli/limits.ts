/** The concurrency limit for a run: fixed, or adaptive for `--concurrency auto`. */
import type { JobConfig } from '../config/schema.js';
import { fixedLimit } from '../pipeline/assign.js';
import type { ConcurrencyLimit } from '../pipeline/run-job.js';

/** The limit and how many connections the pool needs for it. */
export function concurrencyLimitFor(config: Pick<JobConfig, 'concurrency' | 'maxConcurrency'>): { limit: ConcurrencyLimit; connections: number } {
  return { limit: fixedLimit(config.concurrency), connections: config.concurrency === 'auto' ? config.maxConcurrency : config.concurrency };
}
