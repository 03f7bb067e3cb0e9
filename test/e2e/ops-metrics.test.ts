/** `assign --metrics-file`: the node_exporter textfile written by the built CLI matches the run's summary. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../src/simulator/index.js';
import { FIXTURES, runCli, simEnv, tempDir } from './harness.js';

let sim: RunningSimulator;
beforeAll(async () => {
  sim = await startSimulator({ port: 0, seed: 13 });
});
afterAll(async () => {
  await sim.close();
});

/** The samples of a Prometheus text exposition: `name{labels}` → value. */
function readSamples(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    samples.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return samples;
}

describe('assign --metrics-file', () => {
  it('writes rows by status, requests by HTTP status, retries, exit code and last success, as the summary says', async () => {
    const dir = tempDir('oiq-metrics-');
    const out = join(dir, 'leads.enriched.csv');
    const prom = join(dir, 'oiq_batch.prom');
    const r = await runCli(['assign', join(FIXTURES, 'leads-demo.csv'), '-o', out, '--batch-size', '30', '--metrics-file', prom, '--progress', 'off'], { env: simEnv(sim.url) });
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(readFileSync(`${out}.summary.json`, 'utf8'));
    const text = readFileSync(prom, 'utf8');
    expect(existsSync(`${prom}.tmp`)).toBe(false); // written beside, then renamed into place
    expect(text).toContain('# TYPE oiq_batch_rows gauge');
    const samples = readSamples(text);
    for (const status of ['assigned', 'rejected', 'invalid', 'failed']) {
      expect(samples.get(`oiq_batch_rows{status="${status}",command="assign"}`), status).toBe(summary.rows[status]);
    }
    expect(summary.rows.assigned).toBeGreaterThan(0);
    expect(summary.rows.invalid).toBeGreaterThan(0);
    expect(samples.get('oiq_batch_input_rows{command="assign"}')).toBe(200);
    expect(samples.get('oiq_batch_requests{status="200",command="assign"}')).toBe(summary.requests.byStatus['200']);
    expect(samples.get('oiq_batch_requests{status="200",command="assign"}')).toBe(Math.ceil((200 - summary.rows.invalid) / 30)); // sendable rows in batches of 30
    expect(samples.get('oiq_batch_retries{command="assign"}')).toBe(0);
    expect(samples.get('oiq_batch_exit_code{command="assign"}')).toBe(0);
    const lastSuccess = samples.get('oiq_batch_last_success_timestamp_seconds{command="assign"}')!;
    expect(lastSuccess * 1000).toBeCloseTo(Date.parse(summary.finishedAt), -3);
  });
});
