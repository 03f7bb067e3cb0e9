import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { SIMULATOR_KEY, startSimulator, type RunningSimulator } from '../../src/simulator/index.js';
import { useSimulators } from './simulators.js';

const start = useSimulators();

const LEADS = [
  { row_id: 'a', prospect_phone: '2125550101' },
  { row_id: 'b', prospect_phone: '3105550102' },
  { row_id: 'c', prospect_phone: '3125550103' },
];

async function post(sim: RunningSimulator, path = '/assignment/batch', body: unknown = { leads: LEADS }, headersTimeout?: number) {
  const res = await request(`${sim.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${SIMULATOR_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
    ...(headersTimeout === undefined ? {} : { headersTimeout }),
  });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, text };
}

function totalAssigned(sim: RunningSimulator): number {
  return sim.inventory().reduce((sum, ani) => sum + ani.frequencyAssigned, 0);
}

describe('simulator faults before processing', () => {
  it('answers every request 503 while down, even without a key, and recovers when switched up', async () => {
    const sim = await start({ faults: { down: true } });
    const res = await request(`${sim.url}/nrm/anis`);
    expect(res.statusCode).toBe(503);
    expect(await res.body.json()).toEqual({ success: false, message: 'Service unavailable' });
    expect((await post(sim)).status).toBe(503);
    sim.setFaults({});
    expect((await post(sim)).status).toBe(200);
    expect(sim.stats()).toMatchObject({ leadsReceived: 6, leadsProcessed: 3, byStatus: { 503: 2, 200: 1 } });
  });

  it('answers 503 at errorRate 1 without processing, on NRM routes too', async () => {
    const sim = await start({ faults: { errorRate: 1 } });
    const before = totalAssigned(sim);
    expect((await post(sim)).status).toBe(503);
    expect((await post(sim, '/nrm/pause', { ani: sim.inventory()[0]?.phone })).status).toBe(503);
    expect(totalAssigned(sim)).toBe(before);
    expect(sim.stats()).toMatchObject({ leadsReceived: 3, leadsProcessed: 0, nrmActions: 0 });
  });

  it('rate-limits with a token bucket and a Retry-After in seconds', async () => {
    const sim = await start({ faults: { rateLimitRps: 1 } });
    const answers = [await post(sim), await post(sim), await post(sim)];
    expect(answers.map((a) => a.status)).toEqual([200, 429, 429]);
    expect(answers[1]?.headers['retry-after']).toBe('1');
    expect(JSON.parse(answers[1]?.text ?? '')).toEqual({ success: false, message: 'Too many requests' });
    expect(sim.stats()).toMatchObject({ leadsReceived: 9, leadsProcessed: 3 });
  });

  it('can give Retry-After as an HTTP date', async () => {
    const sim = await start({ faults: { rateLimitRps: 1, retryAfter: 'date', retryAfterSeconds: 30 } });
    await post(sim);
    const limited = await post(sim);
    expect(limited.status).toBe(429);
    const header = String(limited.headers['retry-after']);
    expect(header).toMatch(/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
    const seconds = (Date.parse(header) - Date.now()) / 1000;
    expect(seconds).toBeGreaterThan(20);
    expect(seconds).toBeLessThanOrEqual(31);
  });

  it('destroys the socket without processing at resetBeforeRate 1', async () => {
    const sim = await start({ faults: { resetBeforeRate: 1 } });
    await expect(post(sim)).rejects.toThrow();
    expect(sim.stats()).toMatchObject({ leadsReceived: 3, leadsProcessed: 0, byStatus: { reset: 1 } });
  });
});

describe('simulator faults after processing', () => {
  it('answers 500 after acting at error500Rate 1', async () => {
    const sim = await start({ faults: { error500Rate: 1 } });
    const before = totalAssigned(sim);
    const answer = await post(sim);
    expect(answer.status).toBe(500);
    expect(JSON.parse(answer.text)).toEqual({ success: false, message: 'Internal server error' });
    expect(sim.stats().leadsProcessed).toBe(3);
    expect(totalAssigned(sim)).toBe(before + 3);
  });

  it('destroys the socket after acting at resetAfterRate 1', async () => {
    const sim = await start({ faults: { resetAfterRate: 1 } });
    await expect(post(sim)).rejects.toThrow();
    expect(sim.stats()).toMatchObject({ leadsProcessed: 3, byStatus: { reset: 1 } });
  });

  it('never answers at hangRate 1 (the client times out) but has acted, and close() still returns', async () => {
    const sim = await start({ faults: { hangRate: 1 } });
    await expect(post(sim, '/assignment/batch', { leads: LEADS }, 300)).rejects.toThrow(/timeout/i);
    expect(sim.stats()).toMatchObject({ leadsProcessed: 3, byStatus: { hang: 1 } });
    const pending = post(sim);
    await expect(sim.close()).resolves.toBeUndefined();
    await expect(pending).rejects.toThrow();
  });

  it('answers 200 with a body that is not JSON at malformedRate 1', async () => {
    const sim = await start({ faults: { malformedRate: 1 } });
    for (let i = 0; i < 6; i++) {
      const answer = await post(sim);
      expect(answer.status).toBe(200);
      expect(() => JSON.parse(answer.text)).toThrow();
    }
    expect(sim.stats().leadsProcessed).toBe(18);
  });

  it('drops one row, unprocessed, at missingRowRate 1', async () => {
    const sim = await start({ faults: { missingRowRate: 1 } });
    const answer = await post(sim);
    const rows: Array<{ row_id: string }> = JSON.parse(answer.text).results;
    expect(rows).toHaveLength(2);
    const missing = LEADS.find((lead) => !rows.some((row) => row.row_id === lead.row_id));
    expect(missing).toBeDefined();
    const { leadsProcessed, processedByPhone } = sim.stats();
    expect(leadsProcessed).toBe(2);
    expect(processedByPhone.has(missing?.prospect_phone ?? '')).toBe(false);
  });

  it('lets close() cut a delayed answer short', async () => {
    const sim = await start({ faults: { latencyMs: 60_000 } });
    const pending = post(sim);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await sim.close();
    await expect(pending).rejects.toThrow();
    expect(sim.stats().leadsProcessed).toBe(3);
  });

  it('still answers correctly with latency and jitter', async () => {
    const sim = await start({ faults: { latencyMs: 5, latencyJitterMs: 5 } });
    const answer = await post(sim);
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.text).results).toHaveLength(3);
  });
});

describe('simulator batch limits', () => {
  it('refuses batches over maxBatchSize with 413, unprocessed', async () => {
    const sim = await start({ faults: { maxBatchSize: 2 } });
    const over = await post(sim);
    expect(over.status).toBe(413);
    expect(JSON.parse(over.text)).toEqual({ success: false, message: 'Batch too large: 3 leads (max 2)' });
    expect((await post(sim, '/assignment/batch', { leads: LEADS.slice(0, 2) })).status).toBe(200);
    expect(sim.stats()).toMatchObject({ leadsReceived: 5, leadsProcessed: 2 });
  });

  it('refuses a whole batch naming the invalid row when rejectBatchOnInvalidRow is set', async () => {
    const sim = await start({ faults: { rejectBatchOnInvalidRow: true } });
    const answer = await post(sim, '/assignment/batch', { leads: [...LEADS, { row_id: 'row-9', prospect_phone: '0123' }] });
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.text)).toEqual({ success: false, message: 'Invalid prospect_phone (row_id row-9)' });
    expect(sim.stats().leadsProcessed).toBe(0);
    expect((await post(sim)).status).toBe(200);
  });
});

describe('simulator fault dice', () => {
  it('replays the same faults for the same seed', async () => {
    const run = async (seed: number) => {
      const sim = await start({ seed, faults: { errorRate: 0.3, error500Rate: 0.3, missingRowRate: 0.3 } });
      const seen: string[] = [];
      for (let i = 0; i < 30; i++) {
        const answer = await post(sim);
        seen.push(`${answer.status}:${answer.status === 200 ? JSON.parse(answer.text).results.length : ''}`);
      }
      return seen;
    };
    const first = await run(5);
    expect(new Set(first)).toEqual(new Set(['200:3', '200:2', '503:', '500:']));
    expect(await run(5)).toEqual(first);
    expect(await run(6)).not.toEqual(first);
  });

  it('refuses out-of-range knobs with a RangeError naming them', async () => {
    await expect(startSimulator({ faults: { errorRate: 2 } })).rejects.toThrow(/errorRate/);
    await expect(startSimulator({ inventorySize: -1 })).rejects.toThrow(/inventorySize/);
    const sim = await start();
    expect(() => sim.setFaults({ maxBatchSize: 0 })).toThrow(/maxBatchSize/);
    expect(() => sim.setFaults({ rateLimitRps: 0 })).toThrow(/rateLimitRps/);
  });
});

describe('simulator faults on single assignment', () => {
  it('counts a refused single assignment as received, not processed', async () => {
    const sim = await start({ faults: { errorRate: 1 } });
    expect((await post(sim, '/assignment', { prospect_phone: '2125550101' })).status).toBe(503);
    expect(sim.stats()).toMatchObject({ leadsReceived: 1, leadsProcessed: 0, byPath: { '/assignment': 1 } });
  });
});
