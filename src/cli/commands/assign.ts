/** `oiq-batch assign` and `oiq-batch rerun`. */
import { createApiClient } from '../../api/client.js';
import { runAssign } from '../../pipeline/assign.js';
import { formatHumanSummary } from '../../report/human.js';
import type { FlagValues } from '../args.js';
import { buildAssignConfig } from '../build-config.js';
import { loggerFor, progressFor, readTextFile, type Io, reportFileJobProgress } from '../io.js';
import { concurrencyLimitFor } from '../limits.js';
import { publishOutcome } from '../publish.js';

/** Runs assign/rerun from parsed flags; returns the exit code. */
export async function assignCommand(command: 'assign' | 'rerun', positionals: string[], values: FlagValues, io: Io): Promise<number> {
  const config = buildAssignConfig(command, positionals, values, io.env, readTextFile);
  const logger = loggerFor(io, values);
  const { limit, connections } = concurrencyLimitFor(config);
  const client = createApiClient({ baseUrl: config.api.baseUrl, apiKey: config.api.apiKey, timeoutMs: config.api.timeoutMs, connections, userAgent: `oiq-batch/${io.version}`, insecure: config.api.insecure });
  const progress = progressFor(io, logger, config.dryRun ? 'off' : config.progress, config.progressIntervalMs);
  try {
    const summary = await runAssign(config, {
      client,
      logger,
      signal: io.signal,
      limit,
      stdin: io.stdin,
      stdout: io.stdout,
      onProgress: reportFileJobProgress(progress),
    });
    progress.stop();
    io.stderr.write(`${formatHumanSummary(summary)}\n`);
    await publishOutcome(config, summary, logger);
    return summary.exitCode;
  } finally {
    progress.stop();
    await client.close();
  }
}
