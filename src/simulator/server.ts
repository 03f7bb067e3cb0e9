/** Starts and stops the simulator: options defaulted once, state built, node:http server wired. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TokenBucket, resolveFaults } from './faults.js';
import { createInventory } from './inventory.js';
import { createRng, deriveSeed } from './prng.js';
import { handleRequest, type SimulatorState } from './request-handler.js';
import { createStats, snapshotStats } from './stats.js';
import {
  SIMULATOR_KEY,
  SIMULATOR_WRONG_TYPE_KEY,
  type AniState,
  type RunningSimulator,
  type SimulatorFaults,
  type SimulatorOptions,
} from './types.js';

/** Upper bound of inventorySize: generation and listing stay fast. */
const MAX_INVENTORY_SIZE = 1_000_000;

function createBucket(faults: SimulatorFaults): TokenBucket | undefined {
  return faults.rateLimitRps === undefined ? undefined : new TokenBucket(faults.rateLimitRps, Date.now());
}

function createState(options: SimulatorOptions): SimulatorState {
  const seed = options.seed ?? 1;
  if (!Number.isInteger(seed)) throw new RangeError(`simulator seed must be an integer, got ${seed}`);
  const size = options.inventorySize ?? 500;
  if (!Number.isInteger(size) || size < 0 || size > MAX_INVENTORY_SIZE) {
    throw new RangeError(`simulator inventorySize must be an integer in 0..${MAX_INVENTORY_SIZE}, got ${size}`);
  }
  const faults = options.faults ?? {};
  return {
    inventory: createInventory(seed, size),
    stats: createStats(),
    faults: resolveFaults(faults),
    bucket: createBucket(faults),
    faultRng: createRng(deriveSeed(seed, 1)),
    shuffleRng: createRng(deriveSeed(seed, 2)),
    validKeys: new Set(options.keys?.valid ?? [SIMULATOR_KEY]),
    wrongTypeKeys: new Set(options.keys?.wrongType ?? [SIMULATOR_WRONG_TYPE_KEY]),
    remediated: new Set(),
    delayed: new Set(),
  };
}

/**
 * Starts the outboundIQ API simulator on `host` (default 127.0.0.1) and `port` (default 0: any free
 * port). Throws RangeError on an out-of-range option.
 */
export async function startSimulator(
  options: SimulatorOptions & { port?: number; host?: string } = {},
): Promise<RunningSimulator> {
  const state = createState(options);
  const host = options.host ?? '127.0.0.1';
  const server = createServer((req, res) => {
    void handleRequest(state, req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    stats: () => snapshotStats(state.stats),
    setFaults(faults: SimulatorFaults): void {
      state.faults = resolveFaults(faults);
      state.bucket = createBucket(faults);
    },
    inventory: (): readonly AniState[] => state.inventory.anis.map((ani) => ({ ...ani })),
    close(): Promise<void> {
      closing ??= new Promise<void>((resolve, reject) => {
        for (const cancel of state.delayed) cancel();
        state.delayed.clear();
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
