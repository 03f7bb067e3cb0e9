/**
 * The `nrm apply` job: one actions-file row → one POST /nrm/{pause,activate,remediate}, its answer
 * mapped by decideNrmOutcome, and a read-back of the ANI's status when a refusal after an ambiguous
 * retry may only mean that the first attempt did act.
 */
import type { ApiClient } from '../api/client.js';
import type { CircuitBreaker } from '../api/breaker.js';
import { classifyFailure } from '../api/classify.js';
import { callWithRetry, type RetryBudget, type RetryPolicy } from '../api/retry.js';
import type { NrmAction, NrmActionRequest } from '../api/schemas.js';
import { AppError, isAppError } from '../errors.js';
import { describeAttemptFailure, recordAttempt } from '../pipeline/attempts.js';
import { statusOf } from '../pipeline/run-job.js';
import type { Job, JobItem, Prepared, ResultColumns, RowOutcome, SendContext } from '../pipeline/types.js';
import { normaliseAni, parseNrmAction, prepareAction, type ActionColumns } from './action-row.js';
import { decideNrmOutcome, resolveAfterReadBack, type NrmOutcome } from './status.js';

/** The statuses of an `nrm apply` row, in the summary's order. */
export const NRM_APPLY_STATUSES = ['done', 'rejected', 'invalid', 'failed'] as const;

/** What one row sends: the endpoint and its body. */
export interface NrmActionPayload {
  action: NrmAction;
  request: NrmActionRequest;
  /** A rerun of a `failed` row: an earlier run's attempt may already have acted. */
  mayHaveActed: boolean;
}

/** Everything the job needs; `columns.date` may point past the input (a virtual column for --activate-date). */
export interface NrmApplyJobOptions {
  client: ApiClient;
  columns: ActionColumns;
  result: ResultColumns;
  /** `--action`: for rows without an action. */
  defaultAction?: NrmAction;
  /** `--activate-date`: for activate rows without a date (any form prepareAction reads, or `now`). */
  activateDate?: string;
  /** Rerun: only rows whose current status is one of these are sent; the others are kept. */
  statuses: readonly string[];
  policy: RetryPolicy;
  budget: RetryBudget;
  breaker: CircuitBreaker;
  now?: () => Date;
}

// The read-back asks for every ANI starting with these digits: the ANI itself, and at most a page.
const READ_BACK_PAGE_SIZE = 1000;

/** Creates the `nrm apply` job: one request per row, validated before anything is sent. */
export function createNrmApplyJob(o: NrmApplyJobOptions): Job<NrmActionPayload> {
  const selected = new Set(o.statuses);
  const now = o.now ?? (() => new Date());
  const retryOptions = (ctx: SendContext) => ({ policy: o.policy, budget: o.budget, breaker: o.breaker, signal: ctx.signal, stats: ctx.counters.requests });

  const prepare = (fields: readonly string[]): Prepared<NrmActionPayload> => {
    if (selected.size > 0 && !selected.has(statusOf(fields, o.result))) return { kind: 'keep' };
    if (fields.length > o.result.inputWidth) {
      const error = `row has ${fields.length} fields, header has ${o.result.inputWidth}: misaligned data is never sent`;
      return { kind: 'done', outcome: { status: 'invalid', value: '', error } };
    }
    const prepared = prepareAction(withDefaultDate(fields, o), o.columns, o.defaultAction, now());
    if (!prepared.ok) return { kind: 'done', outcome: { status: 'invalid', value: '', error: prepared.error } };
    const mayHaveActed = statusOf(fields, o.result) === 'failed';
    return { kind: 'send', payload: { action: prepared.action, request: prepared.request, mayHaveActed } };
  };

  /** Reads the ANI's status back and settles a refusal that an earlier, ambiguous attempt may explain. */
  const readBack = async (payload: NrmActionPayload, refused: NrmOutcome, ctx: SendContext): Promise<NrmOutcome> => {
    const { action, request } = payload;
    try {
      const reply = await callWithRetry(
        (_attempt, signal) => recordAttempt(ctx, () => o.client.listAnis({ page: 1, pageSize: READ_BACK_PAGE_SIZE, number: request.ani }, signal)),
        retryOptions(ctx),
      );
      const match = reply.body.data.find((ani) => {
        const phone = normaliseAni(ani.phone);
        return phone.ok && phone.ani === request.ani;
      });
      ctx.logger.debug({ ani: request.ani, action, observed: match?.status ?? null }, 'read back after an ambiguous retry');
      return resolveAfterReadBack(action, match?.status, refused);
    } catch (err) {
      if (isAppError(err) || ctx.signal.aborted) throw err;
      const failure = classifyFailure(err);
      if (failure.kind === 'auth') throw authError(failure.reason);
      // Unknown whether the first attempt acted: failed (not rejected), so a rerun asks again.
      const why = describeAttemptFailure(err, failure, o.policy.retryAmbiguous);
      return { status: 'failed', result: '', error: `${refused.error} after an ambiguous retry, and the status read-back failed (${why})` };
    }
  };

  const sendOne = async (payload: NrmActionPayload, ctx: SendContext): Promise<RowOutcome> => {
    const { action, request } = payload;
    // A refusal like "only active ANIs can be paused" is read back when this run's or an earlier run's attempt may have acted.
    let retriedAmbiguously = payload.mayHaveActed;
    let outcome: NrmOutcome;
    try {
      const reply = await callWithRetry((_attempt, signal) => recordAttempt(ctx, () => o.client.nrmAction(action, request, signal)), {
        ...retryOptions(ctx),
        onRetry: (info) => {
          if (info.failure.kind === 'ambiguous') retriedAmbiguously = true;
          ctx.logger.debug({ ani: request.ani, action, attempt: info.attempt, reason: info.failure.reason, delayMs: Math.round(info.delayMs) }, 'retrying action');
        },
      });
      outcome = decideNrmOutcome(action, { status: reply.status, body: reply.body }, { retriedAmbiguously });
    } catch (err) {
      // The breaker's E_UNAVAILABLE stops the run; an abort (SIGTERM, grace over) leaves the row unanswered, for --resume.
      if (isAppError(err) || ctx.signal.aborted) throw err;
      const failure = classifyFailure(err);
      if (failure.kind === 'auth') throw authError(failure.reason);
      outcome = decideNrmOutcome(action, { error: err, description: describeAttemptFailure(err, failure, o.policy.retryAmbiguous) }, { retriedAmbiguously });
    }
    if (outcome.readBack) outcome = await readBack(payload, outcome, ctx);
    return { status: outcome.status, value: outcome.result, error: outcome.error };
  };

  return {
    prepare: (fields) => prepare(fields),
    groupSize: () => 1,
    async sendGroup(items: readonly JobItem<NrmActionPayload>[], ctx) {
      const out = new Map<number, RowOutcome>();
      for (const item of items) out.set(item.index, await sendOne(item.payload, ctx));
      return out;
    },
  };
}

/** The row with `--activate-date` filled in when it is an activate row without a date. */
function withDefaultDate(fields: readonly string[], o: Pick<NrmApplyJobOptions, 'columns' | 'defaultAction' | 'activateDate'>): readonly string[] {
  const { activateDate, columns } = o;
  if (activateDate === undefined || columns.date === undefined) return fields;
  if ((fields[columns.date] ?? '').trim() !== '') return fields;
  const actionText = columns.action === undefined ? '' : (fields[columns.action] ?? '').trim();
  const action = actionText === '' ? o.defaultAction : parseNrmAction(actionText);
  if (action !== 'activate') return fields;
  const filled = [...fields];
  filled[columns.date] = activateDate;
  return filled;
}

function authError(reason: string): AppError {
  return new AppError('E_AUTH', `the API refused the key (${reason}): check OUTBOUNDIQ_API_KEY / OUTBOUNDIQ_API_KEY_FILE`);
}
