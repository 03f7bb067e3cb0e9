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

/** The `error` column's text for a request that finally failed. */
export function describeAttemptFailure(err: unknown, failure: FailureClass, maxAttempts: number): string {
  const retried = failure.kind === 'retry' || failure.kind === 'ambiguous';
  const base = err instanceof ApiError && err.serverMessage ? `${failure.reason}: ${err.serverMessage}` : failure.reason;
  return retried ? `${base} (gave up after ${maxAttempts} attempts)` : base;
}
