/**
 * One HTTP exchange over an undici dispatcher, with our own dispatch handler so that we know whether
 * the request went out.
 *
 * Why a handler and not `pool.request()`: a failure must say whether the server may have acted.
 * undici calls `onRequestStart` right before it writes the request on a connected socket (after the
 * TCP connect and TLS handshake succeeded); everything that fails earlier (ECONNREFUSED, DNS, connect
 * timeout, TLS errors, the socket closing during the handshake) reaches `onResponseError` without
 * it. So `sent` = "onRequestStart was called". That errs on the safe side: a write that fails
 * synchronously, or a keep-alive socket the server had just closed, counts as sent (ambiguous),
 * because once the bytes may be in the kernel's buffer we cannot prove the server never read them.
 * (diagnostics_channel 'undici:client:sendHeaders' says the same thing but cannot be tied to one
 * call once the Pool queues requests; the legacy `onRequestSent` hook is deprecated in undici 7.)
 */
import type { Dispatcher } from 'undici';

/** Response headers as undici gives them (lower-case names). */
export type ResponseHeaders = Record<string, string | string[] | undefined>;

/** Status line and headers of an answer. */
export interface ResponseHead {
  status: number;
  statusText: string;
  headers: ResponseHeaders;
}

/** A complete answer; `truncated` when the body passed `maxBodyBytes` (the connection was then dropped). */
export interface RawResponse extends ResponseHead {
  body: Buffer;
  truncated: boolean;
}

/** How one exchange ended: an answer, or a transport failure saying whether the request had gone out. */
export type ExchangeOutcome =
  | { ok: true; response: RawResponse }
  | { ok: false; sent: boolean; error: unknown; head?: ResponseHead };

/** One request: method, path (with query), headers, optional body, and the largest body we keep. */
export interface ExchangeRequest {
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: string | Buffer;
  maxBodyBytes: number;
  signal?: AbortSignal;
}

/**
 * Runs one exchange. Resolves with the outcome (failures are data); rejects only with the signal's
 * reason when `signal` aborts, at once, even while the request waits in the pool's queue.
 * The whole body is always consumed or the connection destroyed, so nothing leaks.
 */
export function runExchange(dispatcher: Dispatcher, request: ExchangeRequest): Promise<ExchangeOutcome> {
  // The handler's closures keep `maxBodyBytes`, not `request`: its body (a batch's JSON) is then free
  // once undici has it in a buffer, instead of held for the whole round trip.
  const { signal, maxBodyBytes } = request;
  return new Promise<ExchangeOutcome>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    let settled = false;
    let sent = false;
    let controller: Dispatcher.DispatchController | undefined;
    let head: ResponseHead | undefined;
    const chunks: Buffer[] = [];
    let size = 0;
    const overflow = new Error('response body over the size limit');

    const settle = (finish: () => void): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      finish();
    };
    const onAbort = (): void => {
      settle(() => reject(signal?.reason));
      controller?.abort(abortError(signal?.reason));
    };

    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(ctrl) {
        controller = ctrl;
        // Aborted while queued in the pool: drop it before undici writes a single byte.
        if (settled) {
          ctrl.abort(abortError(signal?.reason));
          return;
        }
        sent = true;
      },
      onResponseStart(_ctrl, statusCode, headers, statusMessage) {
        if (statusCode < 200) return; // 1xx informational: the real answer follows
        head = { status: statusCode, statusText: statusMessage ?? '', headers: headers as ResponseHeaders };
      },
      onResponseData(ctrl, chunk) {
        if (settled) return;
        if (size + chunk.length > maxBodyBytes) {
          ctrl.abort(overflow); // destroys the connection: the rest of the body is never buffered
          return;
        }
        chunks.push(chunk);
        size += chunk.length;
      },
      onResponseEnd() {
        settle(() =>
          resolve(head ? { ok: true, response: { ...head, body: joinChunks(chunks, size), truncated: false } } : { ok: false, sent, error: new Error('no final response') }),
        );
      },
      onResponseError(_ctrl, error) {
        if (error === overflow && head) {
          const response = { ...head, body: joinChunks(chunks, size), truncated: true };
          settle(() => resolve({ ok: true, response }));
          return;
        }
        settle(() => resolve(head ? { ok: false, sent, error, head } : { ok: false, sent, error }));
      },
    };

    signal?.addEventListener('abort', onAbort, { once: true });
    const options: Dispatcher.DispatchOptions = { method: request.method, path: request.path, headers: request.headers };
    if (request.body !== undefined) options.body = request.body;
    try {
      dispatcher.dispatch(options, handler);
    } catch (error) {
      settle(() => resolve({ ok: false, sent, error }));
    }
  });
}

/** A body's chunks as one buffer: the chunk itself when there is one (most answers), not a copy of it. */
function joinChunks(chunks: Buffer[], size: number): Buffer {
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
}

function abortError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error('aborted');
}
