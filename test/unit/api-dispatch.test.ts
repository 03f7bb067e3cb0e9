import { afterEach, describe, expect, it } from 'vitest';
import type { ServerResponse } from 'node:http';
import { Pool } from 'undici';
import { runExchange } from '../../src/api/dispatch.js';
import { startHttpServer, type TestServer } from './api-servers.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(respond: (res: ServerResponse, n: number) => void): Promise<{ server: TestServer; pool: Pool }> {
  const server = await startHttpServer((res, _seen, n) => respond(res, n));
  const pool = new Pool(server.url, { connections: 1 });
  cleanups.push(() => server.close(), () => pool.destroy());
  return { server, pool };
}

const GET = { method: 'GET' as const, path: '/', headers: {}, maxBodyBytes: 1024 };

describe('runExchange', () => {
  it('reads the whole body and headers', async () => {
    const { pool } = await setup((res) => (res.writeHead(201, { 'x-a': 'b' }), res.end('hello')));
    const outcome = await runExchange(pool, GET);
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(outcome.response.status).toBe(201);
    expect(outcome.response.headers['x-a']).toBe('b');
    expect(outcome.response.body.toString()).toBe('hello');
    expect(outcome.response.truncated).toBe(false);
  });

  it('stops at maxBodyBytes, drops that connection, and the pool keeps working', async () => {
    const { server, pool } = await setup((res, n) => (n === 1 ? res.end('x'.repeat(5000)) : res.end('small')));
    const big = await runExchange(pool, { ...GET, maxBodyBytes: 100 });
    expect(big.ok && big.response.truncated).toBe(true);
    expect(big.ok && big.response.body.length).toBeLessThanOrEqual(100);
    const next = await runExchange(pool, GET);
    expect(next.ok && next.response.body.toString()).toBe('small');
    expect(server.connections).toBe(2);
  });

  it('an exchange aborted while queued behind another is never written', async () => {
    const held: ServerResponse[] = [];
    const { server, pool } = await setup((res, n) => (n === 1 ? held.push(res) : res.end('ok')));
    const first = runExchange(pool, GET);
    while (server.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
    const controller = new AbortController();
    const reason = new Error('never mind');
    const queued = runExchange(pool, { ...GET, path: '/second', signal: controller.signal });
    controller.abort(reason);
    await expect(queued).rejects.toBe(reason);
    held[0]?.end('done');
    const outcome = await first;
    expect(outcome.ok && outcome.response.body.toString()).toBe('done');
    // Give undici the chance to (wrongly) write the aborted request on the freed connection.
    const third = await runExchange(pool, { ...GET, path: '/third' });
    expect(third.ok).toBe(true);
    expect(server.requests.map((r) => r.url)).toEqual(['/', '/third']);
  });

  it('reports a failure before sending as not sent, with the error for its code', async () => {
    const pool = new Pool('http://127.0.0.1:1', { connections: 1, connect: { timeout: 500 } });
    cleanups.push(() => pool.destroy());
    const outcome = await runExchange(pool, GET);
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.sent).toBe(false);
    expect((outcome.error as { code?: string }).code).toMatch(/^(ECONNREFUSED|EACCES|UND_ERR_CONNECT_TIMEOUT)$/);
  });
});
