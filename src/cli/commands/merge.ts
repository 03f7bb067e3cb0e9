/** `oiq-batch merge <shard files…> -o <file>`: the file a single run would have written, from its shards. */
import { AppError } from '../../errors.js';
import { mergeShards } from '../../ops/merge.js';
import { formatHumanSummary } from '../../report/human.js';
import type { FlagValues } from '../args.js';
import { str } from '../build-config.js';
import { loggerFor, type Io } from '../io.js';
import { publishOutcome } from '../publish.js';

/** Runs merge; returns 0, or 1 when the merged file holds `failed` rows (run rerun on it). */
export async function mergeCommand(positionals: string[], values: FlagValues, io: Io): Promise<number> {
  const output = str(values, 'output');
  if (positionals.length === 0) throw new AppError('E_USAGE', 'merge: missing <shard files…>; see oiq-batch merge --help');
  if (output === undefined || output === '-') throw new AppError('E_USAGE', 'merge: -o FILE is required (the merged file; not stdout)');
  const logger = loggerFor(io, values);
  const report = str(values, 'report');
  const summary = await mergeShards({ shards: positionals, output, ...(report ? { report } : {}), logger });
  io.stderr.write(`merged ${summary.mergedFrom.length} shards\n${formatHumanSummary(summary)}\n`);
  await publishOutcome({}, summary, logger);
  return summary.exitCode;
}
