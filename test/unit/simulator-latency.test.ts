import { performance } from 'node:perf_hooks';
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { SIMULATOR_KEY } from '../../src/simulator/index.js';
import { useSimulators } from './simulators.js';

const start = useSimulators();

const leads = Array.from({ length: 200 }, (_, i) => ({ row_id: String(i + 1), prospect_phone: '2125550101', prospect_zip: '10016' }));

describe('simulator latency', () => {
  it('answers no sooner than latencyMs after the request, with the answer it would give at once', async () => {
    // A lower bound only (the request leaves before it arrives), so it cannot fail on a slow machine.
    const sims = [await start({ faults: { latencyMs: 40 } }), await start()];
    const answers: string[] = [];
    for (const sim of sims) {
      const sentAt = performance.now();
      const res = await request(`${sim.url}/assignment/batch`, {
        method: 'POST',
        headers: { authorization: `Bearer ${SIMULATOR_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ leads }),
      });
      answers.push(await res.body.text());
      if (sim === sims[0]) expect(performance.now() - sentAt).toBeGreaterThanOrEqual(40);
    }
    expect(answers[0]).toBe(answers[1]);
    expect(JSON.parse(answers[0] ?? '').results).toHaveLength(200);
  });
});
