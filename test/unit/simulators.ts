/** Test helper: simulators started by a test are closed after it. */
import { afterEach } from 'vitest';
import { startSimulator, type RunningSimulator, type SimulatorOptions } from '../../src/simulator/index.js';

/** Registers the cleanup and returns `start(options)`, which starts a simulator closed after each test. */
export function useSimulators(): (options?: SimulatorOptions) => Promise<RunningSimulator> {
  const running: RunningSimulator[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((sim) => sim.close()));
  });
  return async (options = {}) => {
    const sim = await startSimulator(options);
    running.push(sim);
    return sim;
  };
}
