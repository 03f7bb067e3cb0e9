import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createApiClient, type ApiClient, type ApiClientOptions } from '../../src/api/client.js';
import { ApiError } from '../../src/api/errors.js';
import { LeadStore } from '../../src/api/lead-store.js';
import { isAppError } from '../../src/errors.js';
import { failure, findClosedPort, sendJson, startHttpServer, startHttpsServer, startTcpServer, type TestServer, useCleanup } from './api-servers.js';

const KEY = 'oiq_test_K3y-SECRET-1f2e3d';
const UA = 'oiq-batch/9.9.9-test';
const LEAD = { row_id: '1', prospect_phone: '5550100123', prospect_zip: '90210', dialer_campaign: '9001' };
const LEADS = new LeadStore();
const BATCH = LEADS.body(false, [LEADS.add(LEAD, 0)]);
const BATCH_OK = { success: true, results: [{ row_id: '1', outboundani: '5550100999', error: '' }] };

const { serve, defer } = useCleanup();

function client(baseUrl: string, overrides: Partial<ApiClientOptions> = {}): ApiClient {
  const c = createApiClient({ baseUrl, apiKey: KEY, timeoutMs: 2_000, connections: 2, userAgent: UA, ...overrides });
  defer(() => c.close());
  return c;
}

async function apiFailure(promise: Promise<unknown>): Promise<ApiError> {
  const err = await failure(promise);
  expect(err).toBeInstanceOf(ApiError);
  return err as ApiError;
}

describe('api client: requests', () => {
  it('sends the batch as JSON with User-Agent, bearer key and parses the answer (unknown fields ok)', async () => {
    const server = await serve(startHttpServer((res) => sendJson(res, 200, { ...BATCH_OK, request_id: 'x-1' })));
    const reply = await client(server.url).assignBatch(BATCH);
    expect(reply.status).toBe(200);
    expect(reply.body.results).toEqual(BATCH_OK.results);
    expect(reply.latencyMs).toBeGreaterThanOrEqual(0);
    expect(server.requests).toHaveLength(1);
    const [seen] = server.requests;
    expect(seen?.method).toBe('POST');
    expect(seen?.url).toBe('/assignment/batch');
    expect(seen?.headers['user-agent']).toBe(UA);
    expect(seen?.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(seen?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(seen?.body ?? '')).toEqual({ real_time: false, leads: [LEAD] });
  });

  it('keeps the base URL path prefix and puts NRM routes under /nrm', async () => {
    const anis = { result: 'success', count: 0, total_anis: 0, can_next_page: false, can_prev_page: true, total_pages: 2, data: [] };
    const server = await serve(
      startHttpServer((res, seen) => {
        if (seen.url.startsWith('/v2/nrm/anis')) sendJson(res, 200, anis);
        else if (seen.url === '/v2/nrm/pause') sendJson(res, 200, { status: 'paused', ani: '5550100777' });
        else sendJson(res, 200, { success: true, ani: '5550100888', message: 'ANI assigned successfully' });
      }),
    );
    const api = client(`${server.url}/v2/`);
    await api.assignOne({ prospect_phone: '5550100123' });
    const list = await api.listAnis({ page: 2, pageSize: 50, number: '555' });
    const paused = await api.nrmAction('pause', { ani: '5550100777', carrier: '130077' });
    expect(list.body.total_pages).toBe(2);
    expect(paused.body.status).toBe('paused');
    expect(server.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      'POST /v2/assignment',
      'GET /v2/nrm/anis?page=2&page_size=50&number=555',
      'POST /v2/nrm/pause',
    ]);
    expect(server.requests[1]?.headers['content-type']).toBeUndefined();
    expect(server.requests.every((r) => r.headers['user-agent'] === UA && r.headers.authorization === `Bearer ${KEY}`)).toBe(true);
  });

  it('reuses keep-alive connections, never more than `connections`', async () => {
    const server = await serve(startHttpServer((res) => setTimeout(() => sendJson(res, 200, BATCH_OK), 5)));
    const api = client(server.url, { connections: 2 });
    for (let i = 0; i < 5; i++) await api.assignBatch(BATCH);
    await Promise.all([1, 2, 3, 4, 5, 6].map(() => api.assignBatch(BATCH)));
    expect(server.requests).toHaveLength(11);
    expect(server.connections).toBeLessThanOrEqual(2);
  });

  it('returns a 2xx {success:false} to the caller but throws a non-2xx with the server message', async () => {
    const server = await serve(
      startHttpServer((res, _seen, n) =>
        n === 1 ? sendJson(res, 200, { success: false, message: 'No available ANI found' }) : sendJson(res, 404, { success: false, message: 'No available ANI found' }),
      ),
    );
    const api = client(server.url);
    const reply = await api.assignOne({ prospect_phone: '5550100123' });
    expect(reply.body).toEqual({ success: false, message: 'No available ANI found' });
    const err = await apiFailure(api.assignOne({ prospect_phone: '5550100123' }));
    expect(err.code).toBe('E_API_STATUS');
    expect(err.status).toBe(404);
    expect(err.sent).toBe(true);
    expect(err.serverMessage).toBe('No available ANI found');
    expect(err.message).toBe('POST /assignment: 404 Not Found: No available ANI found');
  });

  it('refuses to send an invalid body (a bug upstream) without touching the network', async () => {
    const server = await serve(startHttpServer((res) => sendJson(res, 200, BATCH_OK)));
    const store = new LeadStore();
    expect(() => store.body(false, [])).toThrow(/^refusing to send an invalid request to POST \/assignment\/batch: leads: Too small: expected array to have >=1 items$/);
    expect(() => store.add({ row_id: '1', prospect_phone: '12' }, 0)).toThrow(/^refusing to send an invalid request to POST \/assignment\/batch: prospect_phone: Invalid string/);
    expect(server.requests).toHaveLength(0);
  });
});

describe('api client: status failures', () => {
  it('reads Retry-After in seconds', async () => {
    const server = await serve(startHttpServer((res) => sendJson(res, 429, { message: 'slow down' }, { 'retry-after': '7' })));
    const err = await apiFailure(client(server.url).assignBatch(BATCH));
    expect(err).toMatchObject({ code: 'E_API_STATUS', status: 429, retryAfterMs: 7000, serverMessage: 'slow down', sent: true });
  });

  it('reads Retry-After as an HTTP date', async () => {
    const server = await serve(
      startHttpServer((res) => {
        res.writeHead(503, { 'retry-after': new Date(Date.now() + 20_000).toUTCString() });
        res.end('<html>down</html>');
      }),
    );
    const err = await apiFailure(client(server.url).assignBatch(BATCH));
    expect(err.status).toBe(503);
    expect(err.serverMessage).toBeUndefined();
    expect(err.retryAfterMs).toBeGreaterThan(15_000);
    expect(err.retryAfterMs).toBeLessThanOrEqual(20_000);
  });

  it('keeps the status when the error body is cut short', async () => {
    const server = await serve(
      startHttpServer((res) => {
        res.writeHead(503, { 'content-length': '100', 'retry-after': '2' });
        res.write('{"mess');
        setTimeout(() => res.socket?.destroy(), 20);
      }),
    );
    const err = await apiFailure(client(server.url).assignBatch(BATCH));
    expect(err).toMatchObject({ code: 'E_API_STATUS', status: 503, retryAfterMs: 2000, sent: true });
  });
});

describe('api client: malformed 2xx bodies', () => {
  const cases: [string, (res: import('node:http').ServerResponse) => void, RegExp][] = [
    ['not JSON', (res) => (res.writeHead(200, { 'content-type': 'text/html' }), res.end('<html>maintenance</html>')), /not JSON \(text\/html, starting "<html>maintenance/],
    ['empty', (res) => (res.writeHead(200), res.end()), /empty body/],
    ['the wrong shape', (res) => sendJson(res, 200, { success: 'yes', results: 'none' }), /does not match the documented shape \(success: .*results: /],
  ];
  for (const [name, respond, pattern] of cases) {
    it(`reports a body that is ${name} with what was expected`, async () => {
      const server = await serve(startHttpServer(respond));
      const err = await apiFailure(client(server.url).assignBatch(BATCH));
      expect(err.code).toBe('E_API_BODY');
      expect(err.sent).toBe(true);
      expect(err.status).toBe(200);
      expect(err.message).toMatch(pattern);
      expect(err.message).toContain('expected {success: boolean, results: [{row_id, outboundani, error}]}');
    });
  }
});

describe('api client: transport failures say whether the request was sent', () => {
  it('connection refused: not sent', async () => {
    const port = await findClosedPort();
    const err = await apiFailure(client(`http://127.0.0.1:${port}`).assignBatch(BATCH));
    expect(err).toMatchObject({ code: 'E_API_CONNECT', sent: false, causeCode: 'ECONNREFUSED' });
    expect(err.message).toMatch(/could not connect to 127\.0\.0\.1:\d+: connection refused \(ECONNREFUSED\) \(the request was not sent\)$/);
  });

  it('socket closed by the server before any byte of the request was written (during TLS): not sent', async () => {
    const server = await serve(startTcpServer((socket) => socket.destroy()));
    const err = await apiFailure(client(server.url).assignBatch(BATCH));
    expect(err.code).toBe('E_API_CONNECT');
    expect(err.sent).toBe(false);
    expect(server.connections).toBeGreaterThanOrEqual(1);
  });

  it('connect timeout (TLS handshake never answered): not sent', async () => {
    const server = await serve(startTcpServer(() => {}));
    const err = await apiFailure(client(server.url, { timeoutMs: 300 }).assignBatch(BATCH));
    expect(err).toMatchObject({ code: 'E_API_CONNECT', sent: false, causeCode: 'UND_ERR_CONNECT_TIMEOUT' });
  });

  it('plain HTTP closed by the server on accept: undici has already written the request, so it counts as sent', async () => {
    // The client cannot tell "closed before reading" from "read, acted, crashed": when in doubt, sent.
    const server = await serve(startTcpServer((socket) => socket.destroy()));
    const err = await apiFailure(client(server.url.replace('https:', 'http:')).assignBatch(BATCH));
    expect(err.code).toBe('E_API_RESET');
    expect(err.sent).toBe(true);
  });

  it('connection reset after the server read the request: sent', async () => {
    const server = await serve(startHttpServer((res) => res.socket?.destroy()));
    const err = await apiFailure(client(server.url).assignBatch(BATCH));
    expect(err.code).toBe('E_API_RESET');
    expect(err.sent).toBe(true);
    expect(server.requests).toHaveLength(1);
  });

  it('no answer in time: a timeout, sent', async () => {
    const server = await serve(startHttpServer(() => {}));
    const err = await apiFailure(client(server.url, { timeoutMs: 300 }).assignBatch(BATCH));
    expect(err).toMatchObject({ code: 'E_API_TIMEOUT', sent: true, causeCode: 'UND_ERR_HEADERS_TIMEOUT' });
    expect(server.requests).toHaveLength(1);
  });

  it('a 2xx body that stalls: a timeout, sent', async () => {
    const server = await serve(
      startHttpServer((res) => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '500' });
        res.write('{"success":true,');
      }),
    );
    const err = await apiFailure(client(server.url, { timeoutMs: 300 }).assignBatch(BATCH));
    expect(err).toMatchObject({ code: 'E_API_TIMEOUT', sent: true, causeCode: 'UND_ERR_BODY_TIMEOUT' });
  });
});

describe('api client: TLS', () => {
  it('verifies certificates: a self-signed server is refused before anything is sent', async () => {
    const server = await serve(startHttpsServer((res) => sendJson(res, 200, BATCH_OK)));
    const err = await apiFailure(client(server.url).assignBatch(BATCH));
    expect(err.code).toBe('E_API_CONNECT');
    expect(err.sent).toBe(false);
    expect(server.requests).toHaveLength(0);
  });

  it('accepts it with insecure: true', async () => {
    const server = await serve(startHttpsServer((res) => sendJson(res, 200, BATCH_OK)));
    const reply = await client(server.url, { insecure: true }).assignBatch(BATCH);
    expect(reply.body.success).toBe(true);
    expect(server.requests).toHaveLength(1);
  });
});

describe('api client: abort', () => {
  it('rejects at once with the signal reason while waiting for the answer', async () => {
    const server = await serve(startHttpServer(() => {}));
    const controller = new AbortController();
    const reason = new Error('stop now');
    const pending = client(server.url).assignBatch(BATCH, controller.signal);
    while (server.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
    controller.abort(reason);
    expect(await failure(pending)).toBe(reason);
  });

  it('sends nothing when already aborted', async () => {
    const server = await serve(startHttpServer((res) => sendJson(res, 200, BATCH_OK)));
    const reason = new Error('already stopped');
    expect(await failure(client(server.url).assignBatch(BATCH, AbortSignal.abort(reason)))).toBe(reason);
    expect(server.requests).toHaveLength(0);
  });
});

describe('api client: configuration', () => {
  it('refuses clear-text http to a non-loopback host unless insecure', () => {
    expect(() => createApiClient({ baseUrl: 'http://api.example.test', apiKey: KEY, timeoutMs: 1000, connections: 1, userAgent: UA })).toThrow(
      expect.objectContaining({ code: 'E_INSECURE' }),
    );
    const c = createApiClient({ baseUrl: 'http://api.example.test', apiKey: KEY, timeoutMs: 1000, connections: 1, userAgent: UA, insecure: true });
    defer(() => c.close());
  });

  it('refuses credentials in the base URL without echoing them', () => {
    let caught: unknown;
    try {
      createApiClient({ baseUrl: 'https://user:hunter2@api.example.test', apiKey: KEY, timeoutMs: 1000, connections: 1, userAgent: UA });
    } catch (err) {
      caught = err;
    }
    expect(isAppError(caught, 'E_USAGE')).toBe(true);
    expect(String((caught as Error).message)).not.toContain('hunter2');
  });

  it('refuses a key with a line break without echoing it', () => {
    let caught: unknown;
    try {
      createApiClient({ baseUrl: 'https://api.example.test', apiKey: `${KEY}\n`, timeoutMs: 1000, connections: 1, userAgent: UA });
    } catch (err) {
      caught = err;
    }
    expect(isAppError(caught, 'E_USAGE')).toBe(true);
    expect(inspect(caught)).not.toContain(KEY);
  });

  it('close() is idempotent', async () => {
    const api = createApiClient({ baseUrl: 'https://api.example.test', apiKey: KEY, timeoutMs: 1000, connections: 1, userAgent: UA });
    await api.close();
    await api.close();
  });
});

describe('api client: the key never appears in an error', () => {
  // Servers that echo the Authorization header back wherever they can.
  const echo = (seen: { headers: Record<string, unknown> }): string => String(seen.headers.authorization);
  const scenarios: [string, () => Promise<TestServer>, Partial<ApiClientOptions>][] = [
    ['E_API_STATUS', () => startHttpServer((res, seen) => sendJson(res, 401, { message: `bad key ${echo(seen)}` })), {}],
    ['E_API_STATUS', () => startHttpServer((res, seen) => sendJson(res, 500, { error: `oops ${echo(seen)}` })), {}],
    ['E_API_BODY', () => startHttpServer((res, seen) => (res.writeHead(200, { 'content-type': `text/plain; k=${KEY}` }), res.end(`${echo(seen)} not json`))), {}],
    ['E_API_BODY', () => startHttpServer((res, seen) => sendJson(res, 200, { success: true, results: [{ row_id: '1', error: 7, [echo(seen)]: 1 }] })), {}],
    ['E_API_RESET', () => startHttpServer((res) => res.socket?.destroy()), {}],
    ['E_API_TIMEOUT', () => startHttpServer(() => {}), { timeoutMs: 200 }],
    ['E_API_CONNECT', () => startTcpServer((socket) => socket.destroy()), {}],
  ];
  for (const [code, start, overrides] of scenarios) {
    it(`${code}: not in message, stack, JSON or inspect output`, async () => {
      const server = await serve(start());
      const err = await apiFailure(client(server.url, overrides).assignBatch(BATCH));
      expect(err.code).toBe(code);
      for (const text of [err.message, String(err.stack), JSON.stringify(err), inspect(err, { depth: 5, showHidden: true })]) {
        expect(text).not.toContain(KEY);
      }
    });
  }
});
