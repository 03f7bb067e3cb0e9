/**
 * Tiny real servers on loopback for the API layer's tests: each returns exactly the status, body,
 * stall or broken connection a test needs (real HTTP, nothing mocked).
 */
import { createServer as createHttpServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createTcpServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach } from 'vitest';

/** A request as the server received it. */
export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A running test server: its base URL, what it saw, and a close that ends every connection. */
export interface TestServer {
  url: string;
  port: number;
  requests: SeenRequest[];
  connections: number;
  close(): Promise<void>;
}

/** Answers each request (after reading its whole body) with `respond`; `n` is the 1-based request count. */
export function startHttpServer(respond: Responder): Promise<TestServer> {
  return startRecordingServer((listener) => createHttpServer(listener), 'http', respond);
}

/** The same over TLS, with a self-signed certificate for 127.0.0.1 (so only an insecure client accepts it). */
export function startHttpsServer(respond: Responder): Promise<TestServer> {
  return startRecordingServer((listener) => createHttpsServer({ cert: TEST_CERT, key: TEST_KEY }, listener), 'https', respond);
}

type Responder = (res: ServerResponse, seen: SeenRequest, n: number) => void;

async function startRecordingServer(create: (listener: RequestListener) => Server, scheme: string, respond: Responder): Promise<TestServer> {
  const requests: SeenRequest[] = [];
  const server = create((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const seen = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(seen);
      respond(res, seen, requests.length);
    });
  });
  const state = { connections: 0 };
  server.on(scheme === 'https' ? 'secureConnection' : 'connection', () => (state.connections += 1));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${scheme}://127.0.0.1:${port}`,
    port,
    requests,
    get connections() {
      return state.connections;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A raw TCP server: `onSocket` decides what happens to each connection (destroy it, never answer…). */
export async function startTcpServer(onSocket: (socket: Socket) => void): Promise<TestServer> {
  const sockets = new Set<Socket>();
  const state = { connections: 0 };
  const server = createTcpServer((socket) => {
    state.connections += 1;
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    onSocket(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}`,
    port,
    requests: [],
    get connections() {
      return state.connections;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A loopback port nothing listens on (bound, then released): connecting to it is refused. */
export async function findClosedPort(): Promise<number> {
  const server = createTcpServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Sends a JSON answer. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

// A throw-away self-signed certificate for 127.0.0.1/localhost, generated for these tests only
// (openssl req -x509 -newkey ec -days 36500); it protects nothing.
const TEST_CERT = `-----BEGIN CERTIFICATE-----
MIIBsjCCAVmgAwIBAgIUMf3nfmON1LmiSY5MPSP/14QRS7kwCgYIKoZIzj0EAwIw
IDEeMBwGA1UEAwwVb2lxLWJhdGNoIHRlc3Qgc2VydmVyMCAXDTI2MTEyNTAwMTI1
MloYDzIxMjYxMTAxMDAxMjUyWjAgMR4wHAYDVQQDDBVvaXEtYmF0Y2ggdGVzdCBz
ZXJ2ZXIwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAAS3xDndMGD80BJzAvBBdLa4
Ppb3P2ogcBfPIDtQDTn0dotRHhjFp2H6drQpP877p7JdmgDxXflDTavIxlDJVvz8
o28wbTAdBgNVHQ4EFgQUiLfl4xMtv92WmySh2o+xZ6W7xhowHwYDVR0jBBgwFoAU
iLfl4xMtv92WmySh2o+xZ6W7xhowDwYDVR0TAQH/BAUwAwEB/zAaBgNVHREEEzAR
hwR/AAABgglsb2NhbGhvc3QwCgYIKoZIzj0EAwIDRwAwRAIgay2JEWhFOkZWYDSB
9Dl6YnJq/208Q/exvbho1TVtrV4CIHUFOuhG7fR9BhWMLB45hguxM9cwHS+Sg8ZE
2g3wVK0+
-----END CERTIFICATE-----
`;
const TEST_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgW/1QBDsUeuytEE1B
Hlazbe+heFjHC5W+iZbht6LcQ9qhRANCAAS3xDndMGD80BJzAvBBdLa4Ppb3P2og
cBfPIDtQDTn0dotRHhjFp2H6drQpP877p7JdmgDxXflDTavIxlDJVvz8
-----END PRIVATE KEY-----
`;

/** Registers an afterEach that closes, newest first, what a test deferred: `serve` awaits a test server and defers its close. */
export function useCleanup(): { defer(close: () => Promise<void>): void; serve(server: Promise<TestServer>): Promise<TestServer> } {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  return {
    defer: (close) => {
      cleanups.push(close);
    },
    serve: async (server) => {
      const s = await server;
      cleanups.push(() => s.close());
      return s;
    },
  };
}

/** The rejection of `promise`, which must reject. */
export async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}
