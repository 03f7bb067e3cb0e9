/**
 * What this machine and the simulator allow at a given latency, whatever the client: a bare undici
 * pool keeping CONCURRENCY identical pre-built batch requests in flight, nothing else. Prints the
 * requests/s it achieved (one JSON line), beside Little's law's CONCURRENCY / latency.
 *
 *   OUTBOUNDIQ_BASE_URL=… OUTBOUNDIQ_API_KEY=… node test/bench/probe.mjs REQUESTS BATCH CONCURRENCY
 */
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';

const [requests = 1000, batch = 100, concurrency = 8] = process.argv.slice(2).map(Number);
const pool = new Pool(process.env.OUTBOUNDIQ_BASE_URL, { connections: concurrency, pipelining: 1 });
const leads = Array.from({ length: batch }, (_, i) => ({ row_id: String(i + 1), prospect_phone: '2125550101', prospect_zip: '10016' }));
const body = JSON.stringify({ leads });
const headers = { authorization: `Bearer ${process.env.OUTBOUNDIQ_API_KEY}`, 'content-type': 'application/json' };

let started = 0;
const t0 = performance.now();
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (started < requests) {
      started += 1;
      const res = await pool.request({ path: '/assignment/batch', method: 'POST', body, headers });
      await res.body.text();
      if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}`);
    }
  }),
);
const seconds = (performance.now() - t0) / 1000;
await pool.close();
process.stdout.write(`${JSON.stringify({ requestsPerSecond: requests / seconds })}\n`);
