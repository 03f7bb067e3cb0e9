/** Shared by the jobs: counting each HTTP attempt and wording a request's final failure for the `error` column. */
import { performance } from 'node:perf_hooks';
import { ApiError } from '../api/errors.js';
import type { FailureClass } from '../api/classify.js';
import type { SendContext } from './types.js';

/** Runs one attempt, counting it by HTTP status (or failure code) with its latency, and telling `ctx.observe`. */
export async function recordAttempt<T extends { status: number; latencyMs: number }>(ctx: SendContext, attempt: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    const reply = await attempt();
    const status = String(reply.status);
    ctx.counters.countRequest(status, reply.latencyMs);
    ctx.observe?.(status, reply.latencyMs);
    return reply;
  } catch (err) {
    const status = err instanceof ApiError ? (err.status !== undefined ? String(err.status) : err.code) : 'error';
    ctx.counters.countRequest(status);
    ctx.observe?.(status, performance.now() - started);
    throw err;
  }
}

/** The `error` column's text for a request that finally failed: what happened, the server's word, and how often it was tried. */
export function describeAttemptFailure(err: unknown, failure: FailureClass, retryAmbiguous = true): string {
  const base = err instanceof ApiError && err.serverMessage ? `${failure.reason}: ${err.serverMessage}` : failure.reason;
  const attempts = err instanceof ApiError && err.attempt !== undefined ? err.attempt : undefined;
  if (failure.kind === 'ambiguous' && !retryAmbiguous) return `${base} (the server may have acted; not retried because of --no-retry-ambiguous)`;
  if ((failure.kind === 'retry' || failure.kind === 'ambiguous') && attempts !== undefined) return `${base} (gave up after ${attempts} attempt${attempts === 1 ? '' : 's'})`;
  return base;
}
