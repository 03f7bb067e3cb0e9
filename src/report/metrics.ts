/**
 * Prometheus metrics of one finished run, for the node_exporter textfile collector and the Pushgateway.
 *
 * Every series is a gauge: a batch job exports the values of its *last* run, which Prometheus scrapes
 * long after the process is gone (Prometheus' "instrumenting batch jobs" advice). A counter would be
 * wrong here: each run starts from zero, and `rate()`/`increase()` would misread that as a reset. For
 * the same reason no name ends in `_total` (the suffix is reserved for counters): retries are
 * `oiq_batch_retries`, not `oiq_batch_retries_total`.
 */
import { rename, open, readFile, rm } from 'node:fs/promises';
import { Agent, request } from 'undici';
import { Gauge, Registry } from 'prom-client';
import type { RunSummary } from './summary.js';

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const PUSH_TIMEOUT_MS = 10_000;
const DEFAULT_JOB = 'oiq-batch';
/** Longest previous textfile read back for its last-success timestamp (ours are a few KiB). */
const MAX_PREVIOUS_FILE_BYTES = 1 << 20;
/** Longest Pushgateway error body quoted in an error message. */
const MAX_ERROR_BODY_BYTES = 1024;
const LAST_SUCCESS = 'oiq_batch_last_success_timestamp_seconds';

/** Builds a fresh registry (never the global one) holding the run's metrics; `labels` go on every series. */
export function buildMetricsRegistry(summary: RunSummary, labels?: Record<string, string>): Registry {
  return buildRegistry(summary, labels, undefined);
}

/**
 * Writes the run's metrics for node_exporter's textfile collector: to `path + '.tmp'`, then renamed over
 * `path`, so the collector never reads a half-written file (it reads only `*.prom`). A failed run keeps
 * the previous file's last-success timestamp, so "no success for N hours" alerts stay meaningful.
 */
export async function writeMetricsFile(path: string, summary: RunSummary): Promise<void> {
  const previousSuccess = isSuccess(summary) ? undefined : await readPreviousSuccess(path, summary.command);
  const text = await buildRegistry(summary, undefined, previousSuccess).metrics();
  const tmp = `${path}.tmp`;
  try {
    const handle = await open(tmp, 'w', 0o644);
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw new Error(`cannot write the metrics file ${path}: ${describe(err)}`, { cause: err });
  }
}

/**
 * Pushes the run's metrics to a Pushgateway under `/metrics/job/<job>[/<label>/<value>…]` (job defaults to
 * `oiq-batch`, grouping to `{ command }`). Uses POST, which replaces only the metric names pushed: a failed
 * run then leaves the group's last-success timestamp in place, where PUT would delete it. Rejects with a
 * plain Error naming the URL (credentials removed) and the cause; the caller only warns.
 */
export async function pushMetrics(
  url: string,
  summary: RunSummary,
  options: { job?: string; grouping?: Record<string, string>; timeoutMs?: number } = {},
): Promise<void> {
  const job = options.job ?? DEFAULT_JOB;
  const grouping = options.grouping ?? { command: summary.command };
  const timeoutMs = options.timeoutMs ?? PUSH_TIMEOUT_MS;
  const target = buildPushTarget(url, job, grouping);
  const registry = buildMetricsRegistry(summary);
  const body = await registry.metrics();
  // A private agent, closed at the end, so no keep-alive socket holds the finished CLI open.
  const agent = new Agent({ connect: { timeout: timeoutMs } });
  try {
    const res = await request(target.url, {
      method: 'POST',
      body,
      headers: { 'content-type': registry.contentType, ...target.headers },
      dispatcher: agent,
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (res.statusCode < 200 || res.statusCode > 299) {
      const detail = await readBounded(res.body, MAX_ERROR_BODY_BYTES);
      throw new Error(`HTTP ${res.statusCode}${detail ? `: ${detail}` : ''}`);
    }
    await res.body.dump();
  } catch (err) {
    const reason = isTimeout(err) ? `no answer within ${timeoutMs} ms` : describe(err);
    throw new Error(`Pushgateway push to ${target.url} failed: ${reason}`, { cause: err });
  } finally {
    await agent.destroy().catch(() => undefined);
  }
}

/** The registry behind both exports; `previousSuccess` carries a last-success timestamp across failed runs. */
function buildRegistry(summary: RunSummary, labels: Record<string, string> | undefined, previousSuccess: number | undefined): Registry {
  const defaults = { command: summary.command, ...labels };
  for (const name of Object.keys(defaults)) {
    if (!LABEL_NAME.test(name) || name.startsWith('__') || name === 'status') {
      throw new Error(`invalid metrics label name "${name}": expected [a-zA-Z_][a-zA-Z0-9_]*, not "status" nor starting with "__"`);
    }
  }
  const registry = new Registry();
  registry.setDefaultLabels(defaults);
  const gauge = (name: string, help: string, labelNames: string[] = []) =>
    new Gauge({ name, help, labelNames, registers: [registry] });

  const rows = gauge('oiq_batch_rows', 'Rows of the last run by final status (assigned|rejected|invalid|failed, or done for nrm apply).', ['status']);
  for (const [status, count] of Object.entries(summary.rows)) {
    // `total` is the sum of the others: as a status it would double every sum() over the family.
    if (status !== 'total') rows.set({ status }, count);
  }
  gauge('oiq_batch_input_rows', 'Data rows in the last run\'s input.').set(summary.rows.total);
  const requests = gauge('oiq_batch_requests', 'HTTP requests of the last run by response status or failure code, over every attempt.', ['status']);
  for (const [status, count] of Object.entries(summary.requests.byStatus)) requests.set({ status }, count);
  gauge('oiq_batch_retries', 'Request retries in the last run.').set(summary.requests.retries);
  gauge('oiq_batch_ambiguous_retries', 'Retries in the last run after failures where the server may have acted (5xx, timeouts, resets).').set(
    summary.requests.ambiguousRetries,
  );
  gauge('oiq_batch_duration_seconds', 'Wall-clock duration of the last run.').set(summary.durationMs / 1000);
  gauge('oiq_batch_rows_per_second', 'Throughput of the last run.').set(summary.rowsPerSecond);
  gauge('oiq_batch_exit_code', 'Exit code of the last run (0 ok, 1 rows failed, 2 usage/input, 3 key refused, 4 API unavailable, 130/143 interrupted).').set(
    summary.exitCode,
  );
  const lastSuccess = isSuccess(summary) ? Date.parse(summary.finishedAt) / 1000 : previousSuccess;
  if (lastSuccess !== undefined && Number.isFinite(lastSuccess)) {
    gauge(LAST_SUCCESS, 'Unix time the last successful run (exit code 0, not a dry run) finished.').set(lastSuccess);
  }
  return registry;
}

/** A run counts as a success for alerting when it exited 0 and really sent its rows. */
function isSuccess(summary: RunSummary): boolean {
  return summary.exitCode === 0 && summary.dryRun !== true;
}

/** The last-success value of the same command in an existing textfile, if any (a missing file is normal). */
async function readPreviousSuccess(path: string, command: string): Promise<number | undefined> {
  let text: string;
  try {
    const handle = await open(path, 'r');
    try {
      const { size } = await handle.stat();
      if (size > MAX_PREVIOUS_FILE_BYTES) return undefined;
      text = await readFile(handle, 'utf8');
    } finally {
      await handle.close();
    }
  } catch {
    return undefined;
  }
  const wanted = `${LAST_SUCCESS}{command="${escapeLabelValue(command)}"} `;
  const line = text.split('\n').find((l) => l.startsWith(wanted));
  const value = line === undefined ? Number.NaN : Number(line.slice(wanted.length));
  return Number.isFinite(value) ? value : undefined;
}

/** Escapes a label value as the text exposition format does. */
function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

/** The push URL (credentials removed, so safe to print) and an Authorization header from any user:password in `url`. */
function buildPushTarget(url: string, job: string, grouping: Record<string, string>): { url: string; headers: Record<string, string> } {
  let base: URL;
  try {
    base = new URL(url);
  } catch {
    throw new Error(`invalid Pushgateway URL "${url}": expected http(s)://host:port`);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') {
    throw new Error(`invalid Pushgateway URL: expected http: or https:, got ${base.protocol}`);
  }
  if (job === '') throw new Error('invalid Pushgateway job name: expected a non-empty string');
  const headers: Record<string, string> = {};
  if (base.username !== '' || base.password !== '') {
    const credentials = `${decodeURIComponent(base.username)}:${decodeURIComponent(base.password)}`;
    headers.authorization = `Basic ${Buffer.from(credentials).toString('base64')}`;
    base.username = '';
    base.password = '';
  }
  let path = `${base.pathname.replace(/\/+$/, '')}/metrics/${encodeSegment('job', job)}`;
  for (const [name, value] of Object.entries(grouping)) {
    // The gateway overwrites pushed labels with grouping labels: "status" would merge distinct series.
    if (!LABEL_NAME.test(name) || name.startsWith('__') || name === 'job' || name === 'status') {
      throw new Error(`invalid Pushgateway grouping label "${name}": expected [a-zA-Z_][a-zA-Z0-9_]*, not "job" or "status" nor starting with "__"`);
    }
    path += `/${encodeSegment(name, value)}`;
  }
  base.pathname = path;
  base.search = '';
  base.hash = '';
  return { url: base.toString(), headers };
}

/** `name/value`, or `name@base64/…` for values a path segment cannot carry (empty, or with a slash). */
function encodeSegment(name: string, value: string): string {
  if (value === '') return `${name}@base64/=`;
  if (value.includes('/')) return `${name}@base64/${Buffer.from(value).toString('base64url')}`;
  return `${name}/${encodeURIComponent(value)}`;
}

/** Reads at most `limit` bytes of a response body as one trimmed line, discarding the rest. */
async function readBounded(body: AsyncIterable<Buffer> & { destroy(): unknown }, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= limit) break;
  }
  body.destroy();
  return Buffer.concat(chunks).subarray(0, limit).toString('utf8').replace(/\s+/g, ' ').trim();
}

/** True for the abort caused by AbortSignal.timeout. */
function isTimeout(err: unknown): boolean {
  return err instanceof Error && (err.name === 'TimeoutError' || (err.cause instanceof Error && err.cause.name === 'TimeoutError'));
}

/** An error's message, with its system code when it has one (ECONNREFUSED, ENOENT…). */
function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as NodeJS.ErrnoException).code;
  return code !== undefined && !err.message.includes(code) ? `${code}: ${err.message}` : err.message;
}
