/**
 * The embedded outboundIQ API simulator: the assignment and NRM APIs of ../shared/api over real HTTP
 * on loopback, with a seeded inventory and seeded fault knobs. `npm start`, the tests and the
 * benchmarks run against it.
 */
export { startSimulator } from './server.js';
export { SIMULATOR_KEY, SIMULATOR_WRONG_TYPE_KEY } from './types.js';
export type { AniState, RunningSimulator, SimulatorFaults, SimulatorOptions, SimulatorStats } from './types.js';
