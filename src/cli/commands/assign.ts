/** `oiq-batch assign` and `oiq-batch rerun`. */
import { runAssign } from '../../pipeline/assign.js';
import type { FlagValues } from '../args.js';
import { buildAssignConfig } from '../build-config.js';
import { runFileJobCommand } from '../file-job-command.js';
import { readTextFile, type Io } from '../io.js';

/** Runs assign/rerun from parsed flags; returns the exit code. */
export async function assignCommand(command: 'assign' | 'rerun', positionals: string[], values: FlagValues, io: Io): Promise<number> {
  const config = buildAssignConfig(command, positionals, values, io.env, readTextFile);
  return runFileJobCommand(config, values, io, (deps) => runAssign(config, deps));
}
