/**
 * One request through the simulator: read the body, then (in this order) down → auth → route →
 * body size → rate limit / 503 / reset-before → process → 500 / reset / hang / malformed after
 * processing → latency → answer. Decisions are synchronous; only the answer may be delayed, until
 * the latency has passed since the request arrived.
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { countBatchLeads, handleAssign, handleBatch, handleScannedBatch, type AssignmentContext } from './assignment-routes.js';
import { scanBatchBody, type ScannedBatch } from './batch-scan.js';
import { formatRetryAfter, rollLatency, rollPostFault, rollPreFault, type ResolvedFaults, type TokenBucket } from './faults.js';
import { MAX_BODY_BYTES, parseJsonBody, readBody, sendText } from './http-io.js';
import type { Inventory } from './inventory.js';
import { applyNrmAction, listAnis, type NrmContext } from './nrm-routes.js';
import { rollChance, type Rng } from './prng.js';
import { incrementCount, recordProcessed } from './stats.js';
import type { HandlerResult, ParsedBody, SimulatorStats } from './types.js';

/** Everything a running simulator keeps between requests. */
export interface SimulatorState {
  readonly inventory: Inventory;
  readonly stats: SimulatorStats;
  faults: ResolvedFaults;
  bucket: TokenBucket | undefined;
  /** Fault dice, latency jitter, missing rows, malformed bodies. */
  readonly faultRng: Rng;
  /** Batch answer order only, so switching faults never changes it. */
  readonly shuffleRng: Rng;
  readonly validKeys: ReadonlySet<string>;
  readonly wrongTypeKeys: ReadonlySet<string>;
  readonly remediated: Set<string>;
  /** Pending delayed answers: each one's cancel, called on close. */
  readonly delayed: Set<() => void>;
}

type RouteName = 'assign' | 'batch' | 'anis' | 'pause' | 'activate' | 'remediate';

const ROUTES = new Map<string, { method: string; name: RouteName }>([
  ['/assignment', { method: 'POST', name: 'assign' }],
  ['/assignment/batch', { method: 'POST', name: 'batch' }],
  ['/nrm/anis', { method: 'GET', name: 'anis' }],
  ['/nrm/pause', { method: 'POST', name: 'pause' }],
  ['/nrm/activate', { method: 'POST', name: 'activate' }],
  ['/nrm/remediate', { method: 'POST', name: 'remediate' }],
]);

type Reply =
  | { kind: 'json'; status: number; text: string; headers?: OutgoingHttpHeaders }
  | { kind: 'malformed'; text: string }
  | { kind: 'reset' }
  | { kind: 'hang' };

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

function failure(status: number, message: string, headers?: OutgoingHttpHeaders): Reply {
  const text = JSON.stringify({ success: false, message });
  return headers === undefined ? { kind: 'json', status, text } : { kind: 'json', status, text, headers };
}

function jsonOf(result: HandlerResult): string {
  return 'json' in result ? result.json : JSON.stringify(result.payload);
}

function checkAuth(state: SimulatorState, header: string | undefined): Reply | undefined {
  const key = header === undefined ? undefined : BEARER.exec(header)?.[1];
  if (key !== undefined && state.validKeys.has(key)) return undefined;
  if (key !== undefined && state.wrongTypeKeys.has(key)) return failure(403, 'Forbidden: key type not allowed');
  return failure(401, 'Unauthorized', { 'www-authenticate': 'Bearer' });
}

/** A batch body as the fast reader's columns when it could read it, else as parsed JSON. */
type BatchBody = { scanned: ScannedBatch } | { parsed: ParsedBody };

function readBatchBody(body: string): BatchBody {
  const scanned = scanBatchBody(body);
  return scanned !== undefined ? { scanned } : { parsed: parseJsonBody(body) };
}

function dispatch(state: SimulatorState, name: RouteName, batch: BatchBody | undefined, parse: () => ParsedBody, query: string): HandlerResult {
  const assignment: AssignmentContext = {
    inventory: state.inventory,
    onProcessed: (phone) => recordProcessed(state.stats, phone),
  };
  switch (name) {
    case 'anis':
      return listAnis(state.inventory, new URLSearchParams(query));
    case 'assign':
      return handleAssign(parse(), assignment);
    case 'batch': {
      const options = {
        maxBatchSize: state.faults.maxBatchSize,
        rejectBatchOnInvalidRow: state.faults.rejectBatchOnInvalidRow,
        shuffleRng: state.faults.shuffleResults ? state.shuffleRng : undefined,
        missingRowIndex: (count: number) =>
          rollChance(state.faultRng, state.faults.missingRowRate) ? Math.floor(state.faultRng() * count) : -1,
      };
      if (batch !== undefined && 'scanned' in batch) return handleScannedBatch(batch.scanned, assignment, options);
      return handleBatch(batch?.parsed ?? parse(), assignment, options);
    }
    default: {
      const nrm: NrmContext = { inventory: state.inventory, remediated: state.remediated };
      const outcome = applyNrmAction(nrm, name, parse());
      if (outcome.acted) state.stats.nrmActions++;
      return outcome.result;
    }
  }
}

/** A garbage body: the real answer cut in half, or an HTML error page where JSON was promised. */
function malformBody(state: SimulatorState, text: string): string {
  if (state.faultRng() < 0.5) return text.slice(0, Math.max(1, Math.floor(text.length / 2)));
  return '<html><body><h1>502 Bad Gateway</h1></body></html>';
}

function decide(state: SimulatorState, req: IncomingMessage, path: string, query: string, body: string | undefined): Reply {
  const route = ROUTES.get(path);
  // Leads are counted before any refusal: leadsReceived includes rejected requests.
  let batch: BatchBody | undefined;
  if (route?.name === 'batch' && body !== undefined) {
    batch = readBatchBody(body);
    state.stats.leadsReceived += 'scanned' in batch ? batch.scanned.quotedRowIds.length : countBatchLeads(batch.parsed);
  } else if (route?.name === 'assign' && body !== undefined) {
    state.stats.leadsReceived++;
  }
  if (state.faults.down) return failure(503, 'Service unavailable');
  const refused = checkAuth(state, req.headers.authorization);
  if (refused !== undefined) return refused;
  if (route === undefined) return failure(404, `Not found: ${req.method ?? ''} ${path}`);
  if (req.method !== route.method) return failure(405, `Method not allowed: use ${route.method} ${path}`, { allow: route.method });
  if (body === undefined) return failure(413, `Request body too large (max ${MAX_BODY_BYTES} bytes)`, { connection: 'close' });

  const now = Date.now();
  const pre = rollPreFault(state.faults, state.faultRng, state.bucket, now);
  if (pre === 'rateLimited') return failure(429, 'Too many requests', { 'retry-after': formatRetryAfter(state.faults, now) });
  if (pre === 'unavailable') return failure(503, 'Service unavailable');
  if (pre === 'resetBefore') return { kind: 'reset' };

  const result = dispatch(state, route.name, batch, () => parseJsonBody(body), query);
  switch (rollPostFault(state.faults, state.faultRng)) {
    case 'error500':
      return failure(500, 'Internal server error');
    case 'resetAfter':
      return { kind: 'reset' };
    case 'hang':
      return { kind: 'hang' };
    case 'malformed':
      return { kind: 'malformed', text: malformBody(state, jsonOf(result)) };
    default:
      return { kind: 'json', status: result.status, text: jsonOf(result) };
  }
}

function deliver(req: IncomingMessage, res: ServerResponse, reply: Reply): void {
  switch (reply.kind) {
    case 'json':
      sendText(res, reply.status, reply.text, reply.headers);
      return;
    case 'malformed':
      sendText(res, 200, reply.text);
      return;
    case 'reset':
      req.socket.destroy();
      return;
    case 'hang':
      // Never answered: the client times out; close() destroys the socket.
      return;
  }
}

function countReply(stats: SimulatorStats, reply: Reply): void {
  incrementCount(stats.byStatus, reply.kind === 'json' ? String(reply.status) : reply.kind === 'malformed' ? '200' : reply.kind);
}

/**
 * Delivers the reply once `dueAt` (performance.now() time) has come, never before and within a few
 * microseconds after. A timer fires on libuv's whole-millisecond clock, read once per loop turn: up to a
 * millisecond either side of its due time, and one re-armed after an early fire came ~1 ms late (0.9 ms
 * on average at 50 ms). So the timer is set short and the last fraction of a millisecond is waited out
 * turn by turn (setImmediate), which keeps the `latencyMs` knob what it says.
 */
function deliverAt(state: SimulatorState, req: IncomingMessage, res: ServerResponse, reply: Reply, dueAt: number): void {
  const wait = dueAt - performance.now();
  if (wait <= 0) {
    deliver(req, res, reply);
    return;
  }
  const again = () => {
    state.delayed.delete(cancel);
    deliverAt(state, req, res, reply, dueAt);
  };
  let cancel: () => void;
  if (wait >= 1) {
    const timer = setTimeout(again, Math.floor(wait));
    cancel = () => clearTimeout(timer);
  } else {
    const immediate = setImmediate(again);
    cancel = () => clearImmediate(immediate);
  }
  state.delayed.add(cancel);
}

/** Serves one request; never rejects (a simulator bug answers 500 with its message). */
export async function handleRequest(state: SimulatorState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  // The latency counts from here: reading and processing the body is part of it, not added to it.
  const arrivedAt = performance.now();
  const rawUrl = req.url ?? '/';
  const q = rawUrl.indexOf('?');
  let path = q === -1 ? rawUrl : rawUrl.slice(0, q);
  if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
  state.stats.requests++;
  incrementCount(state.stats.byPath, ROUTES.has(path) ? path : 'other');

  let body: string | undefined;
  try {
    body = await readBody(req, MAX_BODY_BYTES);
  } catch {
    incrementCount(state.stats.byStatus, 'aborted');
    return;
  }
  let reply: Reply;
  try {
    reply = decide(state, req, path, q === -1 ? '' : rawUrl.slice(q + 1), body);
  } catch (err) {
    reply = failure(500, `Simulator internal error: ${(err as Error).message}`);
  }
  countReply(state.stats, reply);
  const latency = rollLatency(state.faults, state.faultRng);
  if (latency <= 0) deliver(req, res, reply);
  else deliverAt(state, req, res, reply, arrivedAt + latency);
}
