/**
 * ApiError: why ONE attempt at one API call failed. Job-level errors stay AppError (src/errors.ts);
 * an ApiError is data for the retry layer (classify.ts) and for the row's `error` column.
 *
 * Messages are built by the client from our own words plus text scrubbed of the API key; raw
 * undici/Node errors are never attached (not even as `cause`): their text and properties are not ours
 * to vouch for, and loggers serialise cause chains.
 */

/** The stable codes of an attempt's failure. */
export type ApiErrorCode =
  | 'E_API_STATUS' // the API answered with a non-2xx status
  | 'E_API_TIMEOUT' // the request was sent; no (complete) answer in time
  | 'E_API_CONNECT' // failed before any byte of the request was handed to a socket: safe to resend
  | 'E_API_RESET' // the connection broke after the request was sent: the server may have acted
  | 'E_API_BODY'; // a 2xx answer whose body is not JSON or not the documented shape

/** What the client knows about a failed attempt. */
export interface ApiErrorDetails {
  /** `METHOD /route?query`, without the base URL's prefix: where it failed. */
  endpoint: string;
  /** HTTP method: a GET can be resent even when the outcome is ambiguous. */
  method: string;
  /** Whether the request may have reached the server (true when in doubt). */
  sent: boolean;
  /** Short description without the endpoint, e.g. `503 Service Unavailable`, `connection refused (ECONNREFUSED)`. */
  summary: string;
  status?: number;
  retryAfterMs?: number;
  /** The `message` (or `error`) of the API's JSON body, scrubbed of the key. */
  serverMessage?: string;
  /** undici's or Node's error code (`UND_ERR_SOCKET`, `ECONNREFUSED`…), for logs and classification. */
  causeCode?: string;
}

/** One attempt's failure, with a stable code and whether the request may have been processed. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly code: ApiErrorCode;
  readonly endpoint: string;
  readonly method: string;
  readonly sent: boolean;
  readonly summary: string;
  readonly status?: number;
  readonly retryAfterMs?: number;
  readonly serverMessage?: string;
  readonly causeCode?: string;
  /** Which attempt (1-based) failed; set by the retry layer, which is the only one that knows. */
  attempt?: number;

  constructor(code: ApiErrorCode, details: ApiErrorDetails) {
    super(formatApiErrorMessage(details));
    this.code = code;
    this.endpoint = details.endpoint;
    this.method = details.method;
    this.sent = details.sent;
    this.summary = details.summary;
    if (details.status !== undefined) this.status = details.status;
    if (details.retryAfterMs !== undefined) this.retryAfterMs = details.retryAfterMs;
    if (details.serverMessage !== undefined) this.serverMessage = details.serverMessage;
    if (details.causeCode !== undefined) this.causeCode = details.causeCode;
  }

  /** A plain object for JSON logs: every field, including the message. */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      endpoint: this.endpoint,
      sent: this.sent,
      status: this.status,
      retryAfterMs: this.retryAfterMs,
      serverMessage: this.serverMessage,
      causeCode: this.causeCode,
      attempt: this.attempt,
    };
  }
}

/** True when `err` is an ApiError (with the given code, if one is given). */
export function isApiError(err: unknown, code?: ApiErrorCode): err is ApiError {
  return err instanceof ApiError && (code === undefined || err.code === code);
}

function formatApiErrorMessage(d: ApiErrorDetails): string {
  const server = d.serverMessage ? `: ${d.serverMessage}` : '';
  const notSent = d.sent ? '' : ' (the request was not sent)';
  return `${d.endpoint}: ${d.summary}${server}${notSent}`;
}
