/** `oiq-batch simulate`: the embedded outboundIQ API on loopback until SIGINT/SIGTERM. */
import { once } from 'node:events';
import { EXIT } from '../../errors.js';
import { SIMULATOR_KEY, SIMULATOR_WRONG_TYPE_KEY, startSimulator, type SimulatorFaults } from '../../simulator/index.js';
import type { FlagValues } from '../args.js';
import { int, str } from '../build-config.js';
import type { Io } from '../io.js';
import { AppError } from '../../errors.js';

/** Starts the simulator and serves until asked to stop. */
export async function simulateCommand(positionals: string[], values: FlagValues, io: Io): Promise<number> {
  if (positionals.length > 0) throw new AppError('E_USAGE', `simulate takes no arguments, got: ${positionals.join(' ')}`);
  const faults: SimulatorFaults = {
    latencyMs: int(values, 'latency-ms'),
    errorRate: rate(values, 'error-rate'),
    error500Rate: rate(values, 'error500-rate'),
    rateLimitRps: int(values, 'rate-limit'),
    resetBeforeRate: rate(values, 'reset-rate'),
    resetAfterRate: rate(values, 'reset-after-rate'),
    malformedRate: rate(values, 'malformed-rate'),
    missingRowRate: rate(values, 'missing-row-rate'),
    maxBatchSize: int(values, 'max-batch-size'),
    down: values.down === true,
  };
  const sim = await startSimulator({
    port: int(values, 'port') ?? 4010,
    host: str(values, 'host') ?? '127.0.0.1',
    seed: int(values, 'seed') ?? 1,
    inventorySize: int(values, 'inventory-size') ?? 500,
    faults: Object.fromEntries(Object.entries(faults).filter(([, v]) => v !== undefined && v !== false)),
  });
  io.stderr.write(`outboundIQ simulator listening on ${sim.url}\n  key: ${SIMULATOR_KEY} (a key of the wrong type: ${SIMULATOR_WRONG_TYPE_KEY})\n  try: OUTBOUNDIQ_BASE_URL=${sim.url} OUTBOUNDIQ_API_KEY=${SIMULATOR_KEY} npx oiq-batch next "(212) 555-0101"\n`);
  if (!io.signal.aborted) await once(io.signal, 'abort');
  await sim.close();
  return EXIT.ok;
}

function rate(values: FlagValues, flag: string): number | undefined {
  const v = str(values, flag);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0 || n > 1) throw new AppError('E_USAGE', `--${flag} must be a fraction between 0 and 1, got "${v}"`);
  return n;
}
