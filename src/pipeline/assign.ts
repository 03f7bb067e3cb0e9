/** `assign` and `rerun`: the assign job over a file, with dependencies passed in so tests run it in-process. */
import { createCircuitBreaker } from '../api/breaker.js';
import { createRetryBudget } from '../api/retry.js';
import type { AssignConfig } from '../config/schema.js';
import { AppError } from '../errors.js';
import { layoutOutput, resolveColumns } from '../leads/index.js';
import type { RunSummary } from '../report/summary.js';
import { ASSIGN_STATUSES, createAssignJob } from './assign-job.js';
import { runFileJob, type ApiJobDeps } from './run-file-job.js';
import type { ConcurrencyLimit } from './run-job.js';
import type { ResultColumns } from './types.js';

/** The last column of a shard file (`--shard K/N`): the row's 0-based position among the input's data rows. */
export const SHARD_POSITION_COLUMN = 'oiq_row';

/** What the run needs from outside (tests pass an in-process client and signal). */
export type AssignDeps = ApiJobDeps;

/** Runs assign (or rerun, when `config.statuses` is set) and returns the summary. */
export async function runAssign(config: Readonly<AssignConfig>, deps: AssignDeps): Promise<RunSummary> {
  const command = config.statuses.length > 0 ? 'rerun' : 'assign';
  const limit = deps.limit ?? fixedLimit(config.concurrency);
  return runFileJob(
    config,
    {
      command,
      statuses: ASSIGN_STATUSES,
      failedStatus: 'failed',
      build(source) {
        const columns = resolveColumns(source.header, config.columns, source.file);
        const layout = layoutOutput(source.header);
        const columnsOnly: ResultColumns = { value: layout.outboundani, error: layout.error, status: layout.status, inputWidth: source.header.length, width: layout.width, ...(columns.id !== undefined ? { rowId: columns.id } : {}) };
        // A shard file records each row's input position in a last column, so `merge` can rebuild the single run's file.
        const result: ResultColumns = config.shard ? { ...columnsOnly, position: layout.width, width: layout.width + 1 } : columnsOnly;
        const header = config.shard ? [...layout.header, SHARD_POSITION_COLUMN] : layout.header;
        if (command === 'rerun' && layout.status >= source.header.length) {
          throw new AppError('E_INPUT', `${source.file}: no status column, so nothing to rerun (is it an enriched file written by oiq-batch assign?)`, { file: source.file });
        }
        const job = createAssignJob({
          client: deps.client,
          columns,
          result,
          batchSize: config.batchSize,
          ...(config.defaultCampaign ? { defaultCampaign: config.defaultCampaign } : {}),
          realTime: config.realTime,
          e164: config.e164,
          statuses: config.statuses,
          ...(config.shard ? { shard: config.shard } : {}),
          policy: config.retry,
          budget: createRetryBudget(config.retry.budget),
          breaker: createCircuitBreaker({ openAfterMs: config.retry.unavailableAfterMs, minFailures: 3 }),
        });
        const options = { columns, campaign: config.defaultCampaign ?? null, e164: config.e164, realTime: config.realTime, statuses: config.statuses, shard: config.shard ?? null };
        return { job, result, header, options };
      },
    },
    { ...deps, limit },
  );
}

/** A fixed concurrency limit (`--concurrency N`). */
export function fixedLimit(concurrency: number | 'auto'): ConcurrencyLimit {
  if (concurrency === 'auto') throw new AppError('E_USAGE', '--concurrency auto needs an adaptive limit; pass one in deps.limit');
  return { current: () => concurrency };
}
