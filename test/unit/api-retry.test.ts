import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createCircuitBreaker, type CircuitBreaker } from '../../src/api/breaker.js';
import { createApiClient, type ApiClient } from '../../src/api/client.js';
import { ApiError } from '../../src/api/errors.js';
import { LeadStore } from '../../src/api/lead-store.js';
import { callWithRetry, computeBackoffMs, createRetryBudget, type RetryBudget, type RetryInfo, type RetryPolicy, type RetryStats } from '../../src/api/retry.js';
import { isAppError } from '../../src/errors.js';
import { failure, findClosedPort, sendJson, startHttpServer, useCleanup } from './api-servers.js';

const LEADS = new LeadStore();
const BATCH = LEADS.body(undefined, [LEADS.add({ row_id: '1', prospect_phone: '5550100123' }, 0)]);
const BATCH_OK = { success: true, results: [{ row_id: '1', outboundani: '5550100999', error: '' }] };
const FAST: RetryPolicy = { maxAttempts: 4, minDelayMs: 1, maxDelayMs: 4, retryAmbiguous: true };

const { serve, defer } = useCleanup();

function client(baseUrl: string): ApiClient {
  const c = createApiClient({ baseUrl, apiKey: 'oiq_test_key_123', timeoutMs: 2_000, connections: 2, userAgent: 'oiq-batch/test' });
  defer(() => c.close());
  return c;
}

interface Harness {
  stats: RetryStats;
  retries: RetryInfo[];
  budget: RetryBudget;
  breaker: CircuitBreaker;
  send: (api: ApiClient, policy?: RetryPolicy, signal?: AbortSignal) => Promise<unknown>;
}

function harness(budget = createRetryBudget(1000), breaker = createCircuitBreaker({ openAfterMs: 3_600_000, minFailures: 1000 })): Harness {
  const stats = { retries: 0, ambiguousRetries: 0 };
  const retries: RetryInfo[] = [];
  return {
    stats,
    retries,
    budget,
    breaker,
    send: (api, policy = FAST, signal) =>
      callWithRetry(async (_attempt, s) => (await api.assignBatch(BATCH, s)).body, {
        policy,
        budget,
        breaker,
        stats,
        onRetry: (info) => retries.push(info),
        ...(signal ? { signal } : {}),
      }),
  };
}

describe('callWithRetry over real HTTP', () => {
  it('retries 503 until it succeeds', async () => {
    const server = await serve(startHttpServer((res, _s, n) => (n <= 2 ? sendJson(res, 503, { message: 'busy' }) : sendJson(res, 200, BATCH_OK))));
    const h = harness();
    expect(await h.send(client(server.url))).toEqual(BATCH_OK);
    expect(server.requests).toHaveLength(3);
    expect(h.stats).toEqual({ retries: 2, ambiguousRetries: 0 });
    expect(h.retries.map((r) => [r.attempt, r.failure.kind, r.failure.reason])).toEqual([
      [1, 'retry', '503 Service Unavailable'],
      [2, 'retry', '503 Service Unavailable'],
    ]);
  });

  it('gives up after maxAttempts with the last error, its attempt number set', async () => {
    const server = await serve(startHttpServer((res) => sendJson(res, 429, { message: 'slow down' })));
    const h = harness();
    const err = await failure(h.send(client(server.url)));
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 429, attempt: 4 });
    expect(server.requests).toHaveLength(4);
    expect(h.stats.retries).toBe(3);
  });

  it('retries a connection refused before sending', async () => {
    const port = await findClosedPort();
    const h = harness();
    const err = await failure(h.send(client(`http://127.0.0.1:${port}`)));
    expect(err).toMatchObject({ code: 'E_API_CONNECT', attempt: 4 });
    expect(h.stats).toEqual({ retries: 3, ambiguousRetries: 0 });
  });

  it('retries ambiguous failures when allowed, counting them', async () => {
    const server = await serve(startHttpServer((res, _s, n) => (n === 1 ? res.socket?.destroy() : n === 2 ? sendJson(res, 500, {}) : sendJson(res, 200, BATCH_OK))));
    const h = harness();
    expect(await h.send(client(server.url))).toEqual(BATCH_OK);
    expect(server.requests).toHaveLength(3);
    expect(h.stats).toEqual({ retries: 2, ambiguousRetries: 2 });
  });

  it('does not retry ambiguous failures with retryAmbiguous=false', async () => {
    for (const respond of [(res: import('node:http').ServerResponse) => sendJson(res, 502, {}), (res: import('node:http').ServerResponse) => res.socket?.destroy()]) {
      const server = await serve(startHttpServer(respond));
      const h = harness();
      const err = await failure(h.send(client(server.url), { ...FAST, retryAmbiguous: false }));
      expect(err).toBeInstanceOf(ApiError);
      expect(server.requests).toHaveLength(1);
      expect(h.stats).toEqual({ retries: 0, ambiguousRetries: 0 });
    }
  });

  for (const status of [401, 403, 413, 400, 422, 404]) {
    it(`never retries ${status}: thrown straight to the caller`, async () => {
      const server = await serve(startHttpServer((res) => sendJson(res, status, { success: false, message: 'no' })));
      const h = harness();
      const err = await failure(h.send(client(server.url)));
      expect(err).toMatchObject({ code: 'E_API_STATUS', status, attempt: 1, serverMessage: 'no' });
      expect(server.requests).toHaveLength(1);
      expect(h.retries).toHaveLength(0);
    });
  }

  it('stops retrying once the run-wide budget is spent', async () => {
    const server = await serve(startHttpServer((res) => sendJson(res, 503, {})));
    const h = harness(createRetryBudget(2));
    const api = client(server.url);
    await failure(h.send(api));
    expect(server.requests).toHaveLength(3); // 1 + the 2 retries of the budget, not maxAttempts
    expect(h.budget.exhausted).toBe(true);
    const err = await failure(h.send(api));
    expect(err).toMatchObject({ status: 503, attempt: 1 });
    expect(server.requests).toHaveLength(4);
    expect(h.stats.retries).toBe(2);
  });

  it('honours Retry-After, and an abort ends the wait at once', async () => {
    const server = await serve(startHttpServer((res) => sendJson(res, 429, {}, { 'retry-after': '30' })));
    const controller = new AbortController();
    const reason = new Error('SIGTERM');
    const stats = { retries: 0, ambiguousRetries: 0 };
    const delays: number[] = [];
    const pending = callWithRetry(async (_a, s) => client(server.url).assignBatch(BATCH, s), {
      policy: FAST,
      budget: createRetryBudget(10),
      breaker: createCircuitBreaker({ openAfterMs: 60_000, minFailures: 3 }),
      stats,
      signal: controller.signal,
      onRetry: (info) => {
        delays.push(info.delayMs);
        controller.abort(reason);
      },
    });
    expect(await failure(pending)).toBe(reason);
    expect(delays).toEqual([30_000]);
    expect(server.requests).toHaveLength(1);
    expect(stats.retries).toBe(0);
  });

  it('an abort while the request is in flight rejects with the reason and retries nothing', async () => {
    const server = await serve(startHttpServer(() => {}));
    const controller = new AbortController();
    const reason = new Error('SIGINT');
    const h = harness();
    const pending = h.send(client(server.url), FAST, controller.signal);
    while (server.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
    controller.abort(reason);
    expect(await failure(pending)).toBe(reason);
    expect(h.retries).toHaveLength(0);
    expect(server.requests).toHaveLength(1);
  });

  it('opens the breaker after a long failure streak and then fails fast without sending', async () => {
    const server = await serve(startHttpServer((res) => sendJson(res, 503, {})));
    const clock = { t: 0 };
    const breaker = createCircuitBreaker({ openAfterMs: 1_000, minFailures: 2, now: () => clock.t });
    const stats = { retries: 0, ambiguousRetries: 0 };
    const api = client(server.url);
    const options = {
      policy: { ...FAST, maxAttempts: 10 },
      budget: createRetryBudget(100),
      breaker,
      stats,
      onRetry: () => void (clock.t += 600), // each wait "lasts" 0.6 s on the fake clock
    };
    const err = await failure(callWithRetry(async (_a, s) => api.assignBatch(BATCH, s), options));
    expect(isAppError(err, 'E_UNAVAILABLE')).toBe(true);
    expect((err as Error).message).toBe('the API has been unavailable for 1s (last: 503 Service Unavailable); stopping — rerun with --resume');
    expect(server.requests).toHaveLength(2); // failures at t=0 and 0.6 s; at 1.2 s the streak is long enough: no third request
    const again = await failure(callWithRetry(async (_a, s) => api.assignBatch(BATCH, s), options));
    expect(again).toBe(err);
    expect(server.requests).toHaveLength(2);
  });
});

describe('callWithRetry: the function contract', () => {
  const quiet = () => ({
    policy: FAST,
    budget: createRetryBudget(100),
    breaker: createCircuitBreaker({ openAfterMs: 60_000, minFailures: 3 }),
    stats: { retries: 0, ambiguousRetries: 0 },
  });

  it('keeps an answer that arrives after an abort (a received answer is never thrown away)', async () => {
    const controller = new AbortController();
    const answer = await callWithRetry(
      async () => {
        controller.abort(new Error('too late'));
        return 'assigned';
      },
      { ...quiet(), signal: controller.signal },
    );
    expect(answer).toBe('assigned');
  });

  it('rethrows an unexpected error as is, without retrying', async () => {
    let calls = 0;
    const bug = new TypeError('cannot read x');
    const err = await failure(
      callWithRetry(async () => {
        calls += 1;
        throw bug;
      }, quiet()),
    );
    expect(err).toBe(bug);
    expect(calls).toBe(1);
  });

  it('maxAttempts 1 means no retry', async () => {
    let calls = 0;
    const busy = new ApiError('E_API_STATUS', { endpoint: 'POST /x', method: 'POST', sent: true, status: 503, summary: '503 Service Unavailable' });
    await failure(
      callWithRetry(
        async () => {
          calls += 1;
          throw busy;
        },
        { ...quiet(), policy: { ...FAST, maxAttempts: 1 } },
      ),
    );
    expect(calls).toBe(1);
  });

  it('passes the attempt number and the signal to fn', async () => {
    const seen: number[] = [];
    const controller = new AbortController();
    const busy = new ApiError('E_API_CONNECT', { endpoint: 'POST /x', method: 'POST', sent: false, summary: 'connection refused' });
    const result = await callWithRetry(
      async (attempt, signal) => {
        seen.push(attempt);
        expect(signal).toBe(controller.signal);
        if (attempt < 3) throw busy;
        return attempt;
      },
      { ...quiet(), signal: controller.signal },
    );
    expect(result).toBe(3);
    expect(seen).toEqual([1, 2, 3]);
  });
});

describe('computeBackoffMs (full jitter)', () => {
  const policy = { minDelayMs: 250, maxDelayMs: 20_000 };

  it('spans [0, min(max, min·2^(n-1))]', () => {
    expect(computeBackoffMs(1, policy, () => 0)).toBe(0);
    expect(computeBackoffMs(1, policy, () => 0.5)).toBe(125);
    expect(computeBackoffMs(3, policy, () => 0.5)).toBe(500);
    expect(computeBackoffMs(20, policy, () => 0.5)).toBe(10_000);
  });

  it('never waits less than Retry-After', () => {
    expect(computeBackoffMs(1, policy, () => 0.5, 7_000)).toBe(7_000);
    expect(computeBackoffMs(10, policy, () => 0.9, 1_000)).toBe(18_000);
  });

  it('stays finite and within bounds for any retry number and random value', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 0, max: 120_000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        fc.option(fc.integer({ min: 0, max: 60_000 }), { nil: undefined }),
        (retry, min, max, r, retryAfter) => {
          const delay = computeBackoffMs(retry, { minDelayMs: min, maxDelayMs: max }, () => r, retryAfter);
          const ceiling = Math.min(max, min * 2 ** Math.min(retry - 1, 52));
          expect(Number.isFinite(delay)).toBe(true);
          expect(delay).toBeGreaterThanOrEqual(retryAfter ?? 0);
          expect(delay).toBeLessThanOrEqual(Math.max(ceiling, retryAfter ?? 0));
        },
      ),
    );
  });
});
