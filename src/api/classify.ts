/**
 * What a failed call means for the job: resend safely, resend at the risk of a duplicate, stop, split
 * the batch, or give up on these rows. The one place that maps API failures to decisions.
 */
import { ApiError } from './errors.js';

/** The decision a failure calls for; `reason` is short and human (`503 Service Unavailable`). */
export type FailureClass =
  | { kind: 'retry'; reason: string; retryAfterMs?: number } // safe: 429, 503, failed before sending, any failed GET
  | { kind: 'ambiguous'; reason: string } // the server may have acted: other 5xx, timeout, reset after send, malformed 2xx
  | { kind: 'auth'; reason: string } // 401/403: stop the job at once
  | { kind: 'too-large'; reason: string } // 413: split the batch
  | { kind: 'bad-request'; reason: string } // 400/422: split to isolate the bad rows
  | { kind: 'permanent'; reason: string }; // other 4xx, unexpected statuses, errors that are not ApiErrors

/** Classifies one attempt's failure (pure). */
export function classifyFailure(err: unknown): FailureClass {
  if (!(err instanceof ApiError)) return { kind: 'permanent', reason: describeUnknown(err) };
  const reason = err.summary;
  switch (err.code) {
    case 'E_API_STATUS':
      return classifyStatus(err.status ?? 0, reason, err.retryAfterMs, err.method);
    case 'E_API_CONNECT':
      return { kind: 'retry', reason }; // nothing was sent: resending cannot duplicate anything
    case 'E_API_TIMEOUT':
    case 'E_API_RESET':
    case 'E_API_BODY':
      return unlessIdempotent(err.method, reason);
  }
}

function classifyStatus(status: number, reason: string, retryAfterMs: number | undefined, method: string): FailureClass {
  // 429: the vendor's own SDK resends on it because the request was not processed; 503: not accepted either.
  if (status === 429 || status === 503) return retryAfterMs === undefined ? { kind: 'retry', reason } : { kind: 'retry', reason, retryAfterMs };
  if (status === 401 || status === 403) return { kind: 'auth', reason };
  if (status === 413) return { kind: 'too-large', reason };
  if (status === 400 || status === 422) return { kind: 'bad-request', reason };
  if (status >= 500) return unlessIdempotent(method, reason);
  // Other 4xx, and 1xx/3xx that should never be final (we follow no redirects: the base URL is wrong).
  return { kind: 'permanent', reason };
}

/** A GET changes nothing, so "the server may have acted" does not matter: resend it. */
function unlessIdempotent(method: string, reason: string): FailureClass {
  return method === 'GET' ? { kind: 'retry', reason } : { kind: 'ambiguous', reason };
}

function describeUnknown(err: unknown): string {
  if (err instanceof Error && /^[A-Za-z]{1,64}$/.test(err.name)) return `unexpected error (${err.name})`;
  return 'unexpected error';
}
