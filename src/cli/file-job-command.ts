/** What every file-job command (assign, rerun, nrm apply) does around its job: one client, progress, summary, publish. */
import { createApiClient, type ApiClient } from '../api/client.js';
import type { JobConfig } from '../config/schema.js';
import type { ApiJobDeps } from '../pipeline/run-file-job.js';
import type { ConcurrencyLimit } from '../pipeline/run-job.js';
import { formatHumanSummary } from '../report/human.js';
import type { RunSummary } from '../report/summary.js';
import type { FlagValues } from './args.js';
import { loggerFor, progressFor, reportFileJobProgress, type Io } from './io.js';
import { concurrencyLimitFor } from './limits.js';
import { publishOutcome } from './publish.js';

/** The run's one API client and the concurrency limit its pool is sized for. */
export function createRunClient(config: Pick<JobConfig, 'api' | 'concurrency' | 'maxConcurrency'>, io: Pick<Io, 'version'>): { client: ApiClient; limit: ConcurrencyLimit } {
  const { limit, connections } = concurrencyLimitFor(config);
  const { baseUrl, apiKey, timeoutMs, insecure } = config.api;
  return { client: createApiClient({ baseUrl, apiKey, timeoutMs, connections, userAgent: `oiq-batch/${io.version}`, insecure }), limit };
}

/** Runs a file job with a client, progress and logger; prints the summary, publishes it, returns the exit code. */
export async function runFileJobCommand(config: JobConfig, values: FlagValues, io: Io, run: (deps: ApiJobDeps) => Promise<RunSummary>): Promise<number> {
  const logger = loggerFor(io, values);
  const { client, limit } = createRunClient(config, io);
  const progress = progressFor(io, logger, config.dryRun ? 'off' : config.progress, config.progressIntervalMs);
  try {
    const summary = await run({ client, logger, signal: io.signal, limit, stdin: io.stdin, stdout: io.stdout, onProgress: reportFileJobProgress(progress) });
    progress.stop();
    io.stderr.write(`${formatHumanSummary(summary)}\n`);
    await publishOutcome(config, summary, logger);
    return summary.exitCode;
  } finally {
    progress.stop();
    await client.close();
  }
}
