/**
 * The simulator in its own process, so that it does not share the client's event loop (nor its
 * core): faults as a JSON argument, the URL printed on stdout once listening, closed on SIGTERM.
 *
 *   node test/bench/sim-server.mjs '{"latencyMs":50}'
 */
import { startSimulator } from '../../dist/simulator/index.js';

const faults = JSON.parse(process.argv[2] ?? '{}');
const sim = await startSimulator({ port: 0, seed: 1, faults });
process.stdout.write(`${sim.url}\n`);
process.once('SIGTERM', async () => {
  await sim.close();
  process.exit(0);
});
