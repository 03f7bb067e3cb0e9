/**
 * The outboundIQ API client: one undici Pool for the run, one attempt per call, every failure an
 * ApiError (errors.ts) that says whether the request went out. Retrying is retry.ts's job, not ours.
 */
import { STATUS_CODES } from 'node:http';
import { performance } from 'node:perf_hooks';
import { Pool } from './undici-pool.js';
import type { z } from 'zod';
import { AppError } from '../errors.js';
import { parseBatchResponse } from './batch-check.js';
import type { BatchBody } from './lead-store.js';
import { runExchange, type ExchangeOutcome, type RawResponse } from './dispatch.js';
import { ApiError, type ApiErrorDetails } from './errors.js';
import { checkRequest, formatIssues } from './request-check.js';
import { parseRetryAfter } from './retry-after.js';
import {
  AniListResponse,
  AssignRequest,
  AssignResponse,
  BatchResponse,
  NrmAction,
  NrmActionRequest,
  NrmActionResponse,
} from './schemas.js';

/** How to reach the API; `connections` should equal the run's concurrency. */
export interface ApiClientOptions {
  baseUrl: string;
  apiKey: string;
  timeoutMs: number;
  connections: number;
  userAgent: string;
  /** Skip TLS verification (and allow plain http to a non-loopback host). */
  insecure?: boolean;
}

/** A 2xx answer, parsed, with the attempt's latency (queueing in the pool included). */
export interface ApiReply<T> {
  status: number;
  body: T;
  latencyMs: number;
}

/** One attempt per call; non-2xx and transport failures throw ApiError, an abort throws the signal's reason. */
export interface ApiClient {
  /** Sends a body assembled by a LeadStore from leads it checked. */
  assignBatch(body: BatchBody, signal?: AbortSignal): Promise<ApiReply<BatchResponse>>;
  /** A 2xx `{success: false}` is returned; a non-2xx throws ApiError carrying the server's message. */
  assignOne(body: AssignRequest, signal?: AbortSignal): Promise<ApiReply<AssignResponse>>;
  listAnis(query: { page: number; pageSize: number; number?: string }, signal?: AbortSignal): Promise<ApiReply<AniListResponse>>;
  nrmAction(action: NrmAction, body: NrmActionRequest, signal?: AbortSignal): Promise<ApiReply<NrmActionResponse>>;
  /** Waits for requests in flight, then closes every connection. Idempotent. */
  close(): Promise<void>;
}

// A page of 1000 ANIs is ~0.7 MB; 32 MiB leaves room without letting a broken server fill memory.
const MAX_BODY_BYTES = 32 * 1024 * 1024;
// A TCP+TLS handshake that has not finished in 10 s is not going to; --timeout-ms bounds the server's work.
const MAX_CONNECT_TIMEOUT_MS = 10_000;
const MAX_QUOTED_CHARS = 300;

// undici errors that mean we misused it (a bug), not that the network or the API failed.
const USAGE_ERROR_CODES = new Set([
  'UND_ERR_INVALID_ARG',
  'UND_ERR_INVALID_RETURN_VALUE',
  'UND_ERR_NOT_SUPPORTED',
  'UND_ERR_CLOSED',
  'UND_ERR_DESTROYED',
  'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH',
]);

/** Creates the client and its connection pool (no connection is opened until the first call). */
export function createApiClient(options: ApiClientOptions): ApiClient {
  const insecure = options.insecure === true;
  const target = parseBaseUrl(options.baseUrl, insecure);
  checkApiKey(options.apiKey);
  const pool = new Pool(target.origin, {
    connections: options.connections,
    // One request per connection at a time: a broken connection can only take down the request it carried.
    pipelining: 1,
    connect: { timeout: Math.min(options.timeoutMs, MAX_CONNECT_TIMEOUT_MS), rejectUnauthorized: !insecure },
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
  });
  const headers = {
    'user-agent': options.userAgent,
    authorization: `Bearer ${options.apiKey}`,
    accept: 'application/json',
  };
  const scrub = (text: string): string => quote(text.split(options.apiKey).join('[redacted]'));
  let closing: Promise<void> | undefined;

  const call = async <S extends z.ZodType>(spec: CallSpec<S>, signal?: AbortSignal): Promise<ApiReply<z.infer<S>>> => {
    const body = spec.encoded ?? (spec.body === undefined ? undefined : JSON.stringify(spec.body));
    const method = body === undefined ? 'GET' : 'POST';
    const endpoint = `${method} ${spec.route}`;
    const requestHeaders: Record<string, string> = body === undefined ? headers : { ...headers, 'content-type': 'application/json' };
    const started = performance.now();
    const outcome = await runExchange(pool, {
      method,
      path: target.prefix + spec.route,
      headers: requestHeaders,
      ...(body === undefined ? {} : { body }),
      maxBodyBytes: MAX_BODY_BYTES,
      ...(signal ? { signal } : {}),
    });
    const latencyMs = performance.now() - started;
    const base = { endpoint, method, scrub };
    if (!outcome.ok) throw toTransportError(outcome, { ...base, host: target.host, timeoutMs: options.timeoutMs });
    const res = outcome.response;
    if (res.status < 200 || res.status > 299) throw toStatusError(res, base);
    return { status: res.status, body: parseBody(res, spec, base), latencyMs };
  };

  // async so that a refused body (checkRequest) rejects like every other failure instead of throwing.
  return {
    // The hot endpoint: leads checked and encoded when their rows were read (lead-store.ts), answers checked by hand (batch-check.ts).
    assignBatch: async (body, signal) =>
      call(
        {
          route: '/assignment/batch',
          encoded: body,
          schema: BatchResponse,
          parse: parseBatchResponse,
          expected: BATCH_SHAPE,
        },
        signal,
      ),
    assignOne: async (body, signal) =>
      call({ route: '/assignment', body: checkRequest(AssignRequest, body, 'POST /assignment'), schema: AssignResponse, expected: ASSIGN_SHAPE }, signal),
    listAnis: async (query, signal) => {
      const search = new URLSearchParams({ page: String(query.page), page_size: String(query.pageSize) });
      if (query.number !== undefined) search.set('number', query.number);
      return call({ route: `/nrm/anis?${search.toString()}`, schema: AniListResponse, expected: ANI_LIST_SHAPE }, signal);
    },
    nrmAction: async (action, body, signal) => {
      const route = `/nrm/${checkRequest(NrmAction, action, 'an NRM action')}`;
      return call({ route, body: checkRequest(NrmActionRequest, body, `POST ${route}`), schema: NrmActionResponse, expected: NRM_ACTION_SHAPE }, signal);
    },
    close: () => (closing ??= pool.close()),
  };
}

// What each endpoint's 2xx body should look like, for E_API_BODY messages.
const BATCH_SHAPE = '{success: boolean, results: [{row_id, outboundani, error}]}';
const ASSIGN_SHAPE = '{success: boolean, ani?: string, message?: string}';
const ANI_LIST_SHAPE = '{result, count, total_anis, can_next_page, can_prev_page, total_pages, data: [ANI records]}';
const NRM_ACTION_SHAPE = '{status, ani} or {success: false, message}';

interface CallSpec<S extends z.ZodType> {
  route: string;
  /** The request body, checked: an object (stringified here), or `encoded`, its JSON already written. */
  body?: unknown;
  encoded?: Buffer;
  schema: S;
  /** Accepts exactly what `schema` accepts, faster; undefined hands the answer to `schema` (which words the refusal). */
  parse?: (json: unknown) => z.infer<S> | undefined;
  expected: string;
}

interface ErrorContext {
  endpoint: string;
  method: string;
  scrub: (text: string) => string;
}

/** Splits a base URL into the pool's origin and a path prefix; refuses credentials and clear-text keys. */
export function parseBaseUrl(baseUrl: string, insecure: boolean): { origin: string; prefix: string; host: string } {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new AppError('E_USAGE', 'OUTBOUNDIQ_BASE_URL is not a URL (expected e.g. https://api.outboundiq.cloud)');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new AppError('E_USAGE', `OUTBOUNDIQ_BASE_URL must be http(s), got ${url.protocol}`);
  }
  // Not echoed: the part we refuse may be a password.
  if (url.username !== '' || url.password !== '') throw new AppError('E_USAGE', 'OUTBOUNDIQ_BASE_URL must not contain a user name or password');
  if (url.search !== '' || url.hash !== '') throw new AppError('E_USAGE', 'OUTBOUNDIQ_BASE_URL must not contain a query or a fragment');
  if (url.protocol === 'http:' && !insecure && !isLoopback(url.hostname)) {
    throw new AppError('E_INSECURE', `refusing to send the API key in clear text to ${url.host}: use https (or --insecure for a test server)`);
  }
  return { origin: url.origin, prefix: url.pathname.replace(/\/+$/, ''), host: url.host };
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname.endsWith('.localhost') || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

function checkApiKey(apiKey: string): void {
  // The key is never quoted back: only what is wrong with it.
  if (!/^[\x21-\x7e]+$/.test(apiKey)) {
    throw new AppError('E_USAGE', 'the API key is empty or contains spaces, line breaks or non-ASCII characters: check OUTBOUNDIQ_API_KEY / OUTBOUNDIQ_API_KEY_FILE');
  }
}

function toTransportError(outcome: Extract<ExchangeOutcome, { ok: false }>, c: ErrorContext & { host: string; timeoutMs: number }): ApiError {
  const causeCode = errorCode(outcome.error);
  if (USAGE_ERROR_CODES.has(causeCode)) throw new AppError('E_INTERNAL', `${c.endpoint}: undici refused the request (${causeCode})`);
  const base = { endpoint: c.endpoint, method: c.method, causeCode };
  // The status line arrived but the body broke: the status still says what happened (a 429 is still safe to resend).
  if (outcome.head && (outcome.head.status < 200 || outcome.head.status > 299)) {
    const { status, headers } = outcome.head;
    const retryAfterMs = parseRetryAfter(headers['retry-after'], Date.now());
    return new ApiError('E_API_STATUS', { ...base, sent: true, status, summary: `${statusLine(status)} (body cut short: ${causeCode})`, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) });
  }
  if (causeCode === 'UND_ERR_HEADERS_TIMEOUT') return new ApiError('E_API_TIMEOUT', { ...base, sent: true, summary: `no answer within ${c.timeoutMs} ms` });
  if (causeCode === 'UND_ERR_BODY_TIMEOUT') return new ApiError('E_API_TIMEOUT', { ...base, sent: true, summary: `the answer stalled for ${c.timeoutMs} ms` });
  if (!outcome.sent) return new ApiError('E_API_CONNECT', { ...base, sent: false, summary: `could not connect to ${c.host}: ${describeConnectFailure(causeCode)} (${causeCode})` });
  return new ApiError('E_API_RESET', { ...base, sent: true, summary: `the connection broke after the request was sent (${causeCode})` });
}

function toStatusError(res: RawResponse, c: ErrorContext): ApiError {
  const serverMessage = res.truncated ? undefined : extractMessage(res.body);
  const retryAfterMs = parseRetryAfter(res.headers['retry-after'], Date.now());
  const details: ApiErrorDetails = { endpoint: c.endpoint, method: c.method, sent: true, status: res.status, summary: statusLine(res.status) };
  if (serverMessage !== undefined) details.serverMessage = c.scrub(serverMessage);
  if (retryAfterMs !== undefined) details.retryAfterMs = retryAfterMs;
  return new ApiError('E_API_STATUS', details);
}

function parseBody<S extends z.ZodType>(res: RawResponse, spec: CallSpec<S>, c: ErrorContext): z.infer<S> {
  const fail = (what: string): ApiError =>
    new ApiError('E_API_BODY', { endpoint: c.endpoint, method: c.method, sent: true, status: res.status, summary: `a ${res.status} answer ${what}; expected ${spec.expected}` });
  if (res.truncated) throw fail(`larger than ${MAX_BODY_BYTES} bytes`);
  const text = bodyText(res.body);
  if (text.trim() === '') throw fail('with an empty body');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    const type = firstHeader(res.headers['content-type']) ?? 'no content type';
    // Scrubbed before it is cut: a cut through the key would leave its first characters in the message.
    throw fail(`that is not JSON (${c.scrub(type)}, starting ${JSON.stringify(c.scrub(text).slice(0, 60))})`);
  }
  const checked = spec.parse?.(json);
  if (checked !== undefined) return checked;
  const parsed = spec.schema.safeParse(json);
  if (!parsed.success) throw fail(`that does not match the documented shape (${c.scrub(formatIssues(parsed.error))})`);
  return parsed.data;
}

/** A body as text without a UTF-8 BOM, skipped as bytes: a regex replace copied every answer. */
function bodyText(body: Buffer): string {
  const bom = body.length >= 3 && body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf;
  return body.toString('utf8', bom ? 3 : 0);
}

/** The server's explanation from a JSON error body: `message`, else a string `error`. */
function extractMessage(body: Buffer): string | undefined {
  try {
    const json: unknown = JSON.parse(bodyText(body));
    if (typeof json !== 'object' || json === null) return undefined;
    const { message, error } = json as Record<string, unknown>;
    if (typeof message === 'string' && message.trim() !== '') return message;
    if (typeof error === 'string' && error.trim() !== '') return error;
  } catch {
    // Not JSON (a proxy's HTML page): the status line says enough.
  }
  return undefined;
}

/** A Node/undici error's code if it looks like one (never the error's free text, which we cannot vouch for). */
function errorCode(err: unknown): string {
  if (typeof err === 'object' && err !== null) {
    const { code, name } = err as { code?: unknown; name?: unknown };
    if (typeof code === 'string' && /^[A-Z][A-Z0-9_]{1,63}$/.test(code)) return code;
    if (typeof name === 'string' && /^[A-Za-z]{1,64}$/.test(name)) return name;
  }
  return 'UNKNOWN';
}

function describeConnectFailure(code: string): string {
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ENOTFOUND':
      return 'host not found';
    case 'EAI_AGAIN':
      return 'DNS lookup failed';
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'ETIMEDOUT':
      return 'connect timed out';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'host unreachable';
    case 'ECONNRESET':
    case 'EPIPE':
    case 'UND_ERR_SOCKET':
      return 'connection closed before the request could be sent';
    default:
      return /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO/.test(code) ? 'TLS handshake failed' : 'network error';
  }
}

function statusLine(status: number): string {
  const phrase = STATUS_CODES[status];
  return phrase ? `${status} ${phrase}` : `HTTP ${status}`;
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** Flattens control characters and caps length, so server text cannot forge log lines or flood them. */
function quote(text: string): string {
  const flat = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return flat.length > MAX_QUOTED_CHARS ? `${flat.slice(0, MAX_QUOTED_CHARS)}…` : flat;
}
