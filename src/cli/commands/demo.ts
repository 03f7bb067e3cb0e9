/** `oiq-batch demo` (npm start): the simulator on a free loopback port, and assign of the bundled messy fixture. */
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { AppError } from '../../errors.js';
import { SIMULATOR_KEY, startSimulator } from '../../simulator/index.js';
import type { FlagValues } from '../args.js';
import type { Io } from '../io.js';
import { assignCommand } from './assign.js';

// The package root is three levels up both from dist/cli/commands/ (tsc's output) and from
// dist/cli/chunks/ (the bundled CLI's chunks, where this module ends up).
const FIXTURE = fileURLToPath(new URL('../../../fixtures/leads-demo.csv', import.meta.url));

/** Runs the demo; returns assign's exit code. */
export async function demoCommand(positionals: string[], values: FlagValues, io: Io): Promise<number> {
  if (positionals.length > 0) throw new AppError('E_USAGE', `demo takes no arguments, got: ${positionals.join(' ')}`);
  // A few transient faults, so the demo shows retries and answers missing rows being re-sent.
  const sim = await startSimulator({ port: 0, seed: 7, faults: { errorRate: 0.05, missingRowRate: 0.05, latencyMs: 5 } });
  try {
    await mkdir('out', { recursive: true });
    io.stderr.write(`simulator on ${sim.url}; assigning ${FIXTURE}\n`);
    const env = { ...io.env, OUTBOUNDIQ_API_KEY: SIMULATOR_KEY, OUTBOUNDIQ_BASE_URL: sim.url, OUTBOUNDIQ_API_KEY_FILE: undefined };
    return await assignCommand(
      'assign',
      [FIXTURE],
      { ...values, output: 'out/leads-demo.enriched.csv', report: 'out/leads-demo.summary.json', 'batch-size': '25', concurrency: '4', 'retry-min-delay-ms': '20', 'retry-max-delay-ms': '200' },
      { ...io, env },
    );
  } finally {
    await sim.close();
  }
}
