import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildMetricsRegistry, pushMetrics } from '../../src/report/metrics.js';
import type { RunSummary } from '../../src/report/summary.js';
import { makeSummary as makeRunSummary } from './ops-summaries.js';

/** This file's summary: the shared one with the values its assertions are written against. */
function makeSummary(over: Partial<RunSummary> = {}): RunSummary {
  return makeRunSummary({
    rows: { total: 2000, assigned: 1990, rejected: 0, invalid: 3, failed: 7 },
    errors: {},
    requests: { sent: 21, retries: 2, ambiguousRetries: 1, byStatus: { '200': 20, '503': 1 } },
    latencyMs: { p50: 80, p95: 140, p99: 300 },
    durationMs: 12_300,
    rowsPerSecond: 162.6,
    exitCode: 0,
    finishedAt: '2026-11-24T10:00:12.300Z',
    ...over,
  });
}

interface Captured {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A loopback HTTP server recording each request; `respond` decides the answer (none = hang). */
async function startCaptureServer(respond: (res: ServerResponse) => void): Promise<{ url: string; requests: Captured[]; server: Server }> {
  const requests: Captured[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      respond(res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, requests, server };
}

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
});

describe('pushMetrics against a loopback HTTP server', () => {
  it('POSTs the registry text to /metrics/job/oiq-batch/command/<command> by default', async () => {
    const cap = await startCaptureServer((res) => res.writeHead(200).end());
    servers.push(cap.server);
    const summary = makeSummary();
    await pushMetrics(cap.url, summary);
    expect(cap.requests).toHaveLength(1);
    const [req] = cap.requests;
    expect(req?.method).toBe('POST');
    expect(req?.url).toBe('/metrics/job/oiq-batch/command/assign');
    expect(req?.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(req?.headers.authorization).toBeUndefined();
    expect(req?.body).toBe(await buildMetricsRegistry(summary).metrics());
  });

  it('keeps a path prefix and encodes job and grouping values, base64 for slashes and empty values', async () => {
    const cap = await startCaptureServer((res) => res.writeHead(202).end());
    servers.push(cap.server);
    await pushMetrics(`${cap.url}/gateway/`, makeSummary({ command: 'nrm apply' }), {
      job: 'oiq batch',
      grouping: { command: 'nrm apply', file: 'in/leads.csv', shard: '' },
    });
    expect(cap.requests[0]?.url).toBe(
      `/gateway/metrics/job/oiq%20batch/command/nrm%20apply/file@base64/${Buffer.from('in/leads.csv').toString('base64url')}/shard@base64/=`,
    );
  });

  it('sends URL credentials as Basic auth and never prints them', async () => {
    const cap = await startCaptureServer((res) => res.writeHead(500).end('storage\nexploded'));
    servers.push(cap.server);
    const withCredentials = cap.url.replace('http://', 'http://ops:s3cret-pw@');
    const err = await pushMetrics(withCredentials, makeSummary(), { grouping: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toBe(`Pushgateway push to ${cap.url}/metrics/job/oiq-batch failed: HTTP 500: storage exploded`);
    expect((err as Error).message).not.toContain('s3cret');
    expect(cap.requests[0]?.headers.authorization).toBe(`Basic ${Buffer.from('ops:s3cret-pw').toString('base64')}`);
  });

  it('rejects with the cause when nothing listens', async () => {
    const cap = await startCaptureServer((res) => res.end());
    const { url } = cap;
    await new Promise((resolve) => cap.server.close(resolve));
    await expect(pushMetrics(url, makeSummary())).rejects.toThrow(`Pushgateway push to ${url}/metrics/job/oiq-batch/command/assign failed: connect ECONNREFUSED`);
  });

  it('gives up after timeoutMs when the gateway never answers', async () => {
    const cap = await startCaptureServer(() => undefined);
    servers.push(cap.server);
    await expect(pushMetrics(cap.url, makeSummary(), { timeoutMs: 200 })).rejects.toThrow('failed: no answer within 200 ms');
    expect(cap.requests).toHaveLength(1);
  });

  it('refuses a malformed URL, a non-HTTP scheme and invalid grouping labels before sending', async () => {
    await expect(pushMetrics('not a url', makeSummary())).rejects.toThrow('invalid Pushgateway URL "not a url"');
    await expect(pushMetrics('ftp://127.0.0.1:1', makeSummary())).rejects.toThrow('expected http: or https:, got ftp:');
    await expect(pushMetrics('http://127.0.0.1:1', makeSummary(), { grouping: { job: 'x' } })).rejects.toThrow('invalid Pushgateway grouping label "job"');
    await expect(pushMetrics('http://127.0.0.1:1', makeSummary(), { grouping: { status: 'x' } })).rejects.toThrow('invalid Pushgateway grouping label "status"');
    await expect(pushMetrics('http://127.0.0.1:1', makeSummary(), { job: '' })).rejects.toThrow('invalid Pushgateway job name');
  });
});

/** One sample of a Prometheus exposition text. */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses sample lines (labels without escaped quotes, which is all these tests produce). */
function parseSamples(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const [, k, v] of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="([^"]*)"/g)) labels[k as string] = v as string;
    out.push({ name: m[1] as string, labels, value: Number(m[3]) });
  }
  return out;
}

/** The value of the one sample with this name whose labels include `labels`. */
function valueOf(samples: Sample[], name: string, labels: Record<string, string>): number | undefined {
  const found = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  expect(found.length).toBeLessThanOrEqual(1);
  return found[0]?.value;
}

/** Runs a command with a time bound; true when it exited 0. */
function runBounded(cmd: string, args: string[]): boolean {
  const r = spawnSync(cmd, args, { stdio: 'ignore', timeout: 120_000, env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  return r.status === 0;
}

/** The pushgateway binary, installing Debian's package when running as root; or why there is none. */
function findOrInstallPushgateway(): { bin: string } | { reason: string } {
  const locate = () => {
    const onPath = spawnSync('sh', ['-c', 'command -v prometheus-pushgateway'], { encoding: 'utf8' }).stdout?.trim();
    return [onPath, '/usr/bin/prometheus-pushgateway'].find((c) => c !== undefined && c !== '' && existsSync(c));
  };
  let bin = locate();
  if (bin) return { bin };
  if (process.getuid?.() !== 0) return { reason: 'prometheus-pushgateway is not installed and installing it needs root (apt-get install prometheus-pushgateway)' };
  // Update the package lists only when the plain install fails: it is slow and usually unnecessary.
  if (!runBounded('apt-get', ['install', '-y', 'prometheus-pushgateway'])) {
    runBounded('apt-get', ['update']);
    runBounded('apt-get', ['install', '-y', 'prometheus-pushgateway']);
  }
  bin = locate();
  return bin ? { bin } : { reason: 'apt-get install prometheus-pushgateway failed (no network or no such package?)' };
}

/** A free loopback port (closed again before the gateway binds it). */
async function findFreePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('pushMetrics against a real Pushgateway', () => {
  let gateway: ChildProcess | undefined;
  let gatewayUrl = '';
  let skipReason: string | undefined;
  let gatewayLog = '';

  beforeAll(async () => {
    const found = findOrInstallPushgateway();
    if ('reason' in found) {
      skipReason = found.reason;
      return;
    }
    const port = await findFreePort();
    gatewayUrl = `http://127.0.0.1:${port}`;
    // Empty persistence file: metrics live in memory only, nothing is written outside the test.
    gateway = spawn(found.bin, [`--web.listen-address=127.0.0.1:${port}`, '--persistence.file=', '--log.level=warn'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    gateway.stderr?.on('data', (c: Buffer) => {
      gatewayLog = (gatewayLog + c.toString()).slice(-4000);
    });
    for (let attempt = 0; attempt < 200; attempt++) {
      const ready = await fetch(`${gatewayUrl}/-/ready`).then((r) => r.ok, () => false);
      if (ready) return;
      if (gateway.exitCode !== null) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`the Pushgateway at ${gatewayUrl} never became ready: ${gatewayLog}`);
  }, 300_000);

  afterAll(async () => {
    if (gateway && gateway.exitCode === null) {
      const exited = new Promise((resolve) => gateway?.once('exit', resolve));
      gateway.kill('SIGTERM');
      await exited;
    }
  });

  it('holds the pushed series under the job and grouping labels, and keeps the last success through a failed run', async (ctx) => {
    if (skipReason !== undefined) {
      console.warn(`SKIPPED real Pushgateway test: ${skipReason}`);
      ctx.skip(skipReason);
    }
    await pushMetrics(gatewayUrl, makeSummary({ exitCode: 0 }), { job: 'oiq-batch-test' });
    let samples = parseSamples(await (await fetch(`${gatewayUrl}/metrics`)).text());
    const group = { job: 'oiq-batch-test', command: 'assign' };
    expect(valueOf(samples, 'oiq_batch_exit_code', group)).toBe(0);
    expect(valueOf(samples, 'oiq_batch_rows', { ...group, status: 'assigned' })).toBe(1990);
    expect(valueOf(samples, 'oiq_batch_rows', { ...group, status: 'failed' })).toBe(7);
    expect(valueOf(samples, 'oiq_batch_input_rows', group)).toBe(2000);
    expect(valueOf(samples, 'oiq_batch_requests', { ...group, status: '503' })).toBe(1);
    expect(valueOf(samples, 'oiq_batch_retries', group)).toBe(2);
    expect(valueOf(samples, 'oiq_batch_ambiguous_retries', group)).toBe(1);
    expect(valueOf(samples, 'oiq_batch_duration_seconds', group)).toBe(12.3);
    expect(valueOf(samples, 'oiq_batch_rows_per_second', group)).toBe(162.6);
    expect(valueOf(samples, 'oiq_batch_last_success_timestamp_seconds', group)).toBe(1795514412.3);
    // The gateway's own record of the push: proof that it accepted the group.
    expect(valueOf(samples, 'push_failure_time_seconds', group)).toBe(0);

    await pushMetrics(gatewayUrl, makeSummary({ exitCode: 4, finishedAt: '2026-11-25T10:00:00.000Z', requests: { sent: 3, retries: 9, ambiguousRetries: 0, byStatus: { '503': 3 } } }), {
      job: 'oiq-batch-test',
    });
    samples = parseSamples(await (await fetch(`${gatewayUrl}/metrics`)).text());
    expect(valueOf(samples, 'oiq_batch_exit_code', group)).toBe(4);
    expect(valueOf(samples, 'oiq_batch_retries', group)).toBe(9);
    // The whole family is replaced: the earlier run's status="200" series is gone.
    expect(valueOf(samples, 'oiq_batch_requests', { ...group, status: '200' })).toBeUndefined();
    expect(valueOf(samples, 'oiq_batch_requests', { ...group, status: '503' })).toBe(3);
    expect(valueOf(samples, 'oiq_batch_last_success_timestamp_seconds', group)).toBe(1795514412.3);
  });

  it('reports the gateway\'s refusal of a push inconsistent with what it holds', async (ctx) => {
    if (skipReason !== undefined) ctx.skip(skipReason);
    // Another group holding the same name with another type: the gateway refuses to serve both.
    const foreign = `${gatewayUrl}/metrics/job/other-tool`;
    await fetch(`${gatewayUrl}/metrics/job/oiq-batch-test/command/assign`, { method: 'DELETE' });
    expect((await fetch(foreign, { method: 'PUT', body: '# TYPE oiq_batch_exit_code counter\noiq_batch_exit_code 1\n' })).status).toBe(200);
    try {
      await expect(pushMetrics(gatewayUrl, makeSummary(), { job: 'oiq-batch-refused' })).rejects.toThrow(
        /^Pushgateway push to http:\/\/127\.0\.0\.1:\d+\/metrics\/job\/oiq-batch-refused\/command\/assign failed: HTTP 400: pushed metrics are invalid or inconsistent/,
      );
    } finally {
      await fetch(foreign, { method: 'DELETE' });
    }
  });
});
