/** Shared by the jobs: counting each HTTP attempt and wording a request's final failure for the `error` column. */
import { ApiError } from '../api/errors.js';
import type { FailureClass } from '../api/classify.js';
import type { SendContext } from './types.js';

/** Runs one attempt, counting it by HTTP status (or failure code) with its latency. */
export async function recordAttempt<T extends { status: number; latencyMs: number }>(ctx: SendContext, attempt: () => Promise<T>): Promise<T> {
  try {
    const reply = await attempt();
    ctx.counters.countRequest(String(reply.status), reply.latencyMs);
    return reply;
  } catch (err) {
    ctx.counters.countRequest(err instanceof ApiError ? (err.status !== undefined ? String(err.status) : err.code) : 'error');
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
