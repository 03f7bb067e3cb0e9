import { afterEach, describe, expect, it } from 'vitest';
import { createApiClient } from '../../src/api/client.js';
import { ApiError } from '../../src/api/errors.js';
import { LeadStore } from '../../src/api/lead-store.js';
import { startHttpServer, type TestServer } from './api-servers.js';

const LEADS = new LeadStore();
const BATCH = LEADS.body(undefined, [LEADS.add({ row_id: '1', prospect_phone: '2125550101' }, 0)]);
let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function clientFor(url: string) {
  return createApiClient({ baseUrl: url, apiKey: 'k', timeoutMs: 2_000, connections: 1, userAgent: 'test' });
}

describe('API answers starting with a UTF-8 byte order mark', () => {
  it('parses a 2xx body after the BOM', async () => {
    server = await startHttpServer((res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"success":true,"results":[{"row_id":"1","outboundani":"2125559999","error":""}]}')]));
    });
    const api = clientFor(server.url);
    const reply = await api.assignBatch(BATCH);
    await api.close();
    expect(reply.body.results).toEqual([{ row_id: '1', outboundani: '2125559999', error: '' }]);
  });

  it("reads an error body's message after the BOM", async () => {
    server = await startHttpServer((res) => {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"success":false,"message":"leads must not be empty"}')]));
    });
    const api = clientFor(server.url);
    const err = await api.assignBatch(BATCH).catch((e: unknown) => e);
    await api.close();
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).serverMessage).toBe('leads must not be empty');
  });

  it('keeps a body that only looks like a BOM in part (EF BB then text) and refuses it as not JSON', async () => {
    server = await startHttpServer((res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(Buffer.concat([Buffer.from([0xef, 0xbb]), Buffer.from('{"success":true}')]));
    });
    const api = clientFor(server.url);
    const err = await api.assignBatch(BATCH).catch((e: unknown) => e);
    await api.close();
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe('E_API_BODY');
  });
});
