/** `nrm apply` (and its rerun with `--statuses`): the NRM action job over a file, dependencies passed in. */
import { createCircuitBreaker } from '../api/breaker.js';
import { createRetryBudget } from '../api/retry.js';
import type { NrmApplyConfig } from '../config/schema.js';
import { AppError } from '../errors.js';
import { fixedLimit } from '../pipeline/assign.js';
import { runFileJob, type ApiJobDeps } from '../pipeline/run-file-job.js';
import type { ResultColumns } from '../pipeline/types.js';
import type { RunSummary } from '../report/summary.js';
import { HEADERLESS_ACTION_COLUMNS, looksLikeHeaderlessAniList, resolveActionColumns, type ActionColumns } from './action-row.js';
import { NRM_APPLY_STATUSES, createNrmApplyJob } from './apply-job.js';

/** What the run needs from outside (tests pass an in-process client and signal). */
export type NrmApplyDeps = ApiJobDeps;

/** The result columns of an `nrm apply` output, in order. */
const RESULT_COLUMNS = ['result', 'error', 'status'] as const;

/** Runs `nrm apply` over an actions file (only the rows whose status is in `config.statuses`, when set). */
export async function runNrmApply(config: Readonly<NrmApplyConfig>, deps: NrmApplyDeps): Promise<RunSummary> {
  const rerun = config.statuses.length > 0;
  return runFileJob(
    config,
    {
      command: 'nrm apply',
      statuses: NRM_APPLY_STATUSES,
      failedStatus: 'failed',
      build(source) {
        const headerIsData = looksLikeHeaderlessAniList(source.header);
        const columns = headerIsData ? HEADERLESS_ACTION_COLUMNS : resolveActionColumns(source.header, source.file);
        if (columns.action === undefined && config.action === undefined) {
          const what = headerIsData ? 'is a plain list of ANIs' : `has no action column (found ${source.header.join(', ')})`;
          throw new AppError('E_USAGE', `${source.file} ${what}: pass --action pause|activate|remediate, or add an action column (ani,action,carrier,note,date)`, { file: source.file, line: 1 });
        }
        const inputHeader = headerIsData ? nameHeaderlessColumns(source.header.length) : source.header;
        const layout = layoutNrmOutput(inputHeader);
        if (rerun && layout.result.status >= inputHeader.length) {
          throw new AppError('E_INPUT', `${source.file}: no status column, so nothing to rerun (is it an output of oiq-batch nrm apply?)`, { file: source.file });
        }
        // Without a date column, --activate-date goes into a virtual one just past the input's columns
        // (rows longer than the header are refused before any field past it is read).
        const withDate: ActionColumns = columns.date === undefined && config.activateDate !== undefined ? { ...columns, date: inputHeader.length } : columns;
        const job = createNrmApplyJob({
          client: deps.client,
          columns: withDate,
          result: layout.result,
          ...(config.action ? { defaultAction: config.action } : {}),
          ...(config.activateDate ? { activateDate: config.activateDate } : {}),
          statuses: config.statuses,
          policy: config.retry,
          budget: createRetryBudget(config.retry.budget),
          breaker: createCircuitBreaker({ openAfterMs: config.retry.unavailableAfterMs, minFailures: 3 }),
        });
        const options = { columns, headerIsData, action: config.action ?? null, activateDate: config.activateDate ?? null, statuses: config.statuses };
        return { job, result: layout.result, header: layout.header, options, headerIsData };
      },
    },
    { ...deps, limit: deps.limit ?? fixedLimit(config.concurrency) },
  );
}

/**
 * The output header: the input's columns, then `result`, `error`, `status` — each replaced in place
 * when the input already has it (a rerun of an earlier output keeps its layout).
 */
export function layoutNrmOutput(header: readonly string[]): { header: string[]; result: ResultColumns } {
  const out = [...header];
  const lower = header.map((name) => name.trim().toLowerCase());
  const place = (name: (typeof RESULT_COLUMNS)[number]): number => {
    const at = lower.indexOf(name);
    if (at !== -1) return at;
    out.push(name);
    return out.length - 1;
  };
  const [value, error, status] = RESULT_COLUMNS.map(place) as [number, number, number];
  return { header: out, result: { value, error, status, inputWidth: header.length, width: out.length } };
}

/** Names for the columns of a headerless ANI list: `ani`, then `column2`, `column3`… */
function nameHeaderlessColumns(width: number): string[] {
  return Array.from({ length: width }, (_, i) => (i === 0 ? 'ani' : `column${i + 1}`));
}
