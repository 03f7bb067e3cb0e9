/** The assign job: rows → leads → POST /assignment/batch, answers matched by row_id, batches split on 413/400. */
import type { ApiClient } from '../api/client.js';
import { LeadStore, type LeadRef } from '../api/lead-store.js';
import type { CircuitBreaker } from '../api/breaker.js';
import { classifyFailure } from '../api/classify.js';
import { callWithRetry, computeBackoffMs, type RetryBudget, type RetryPolicy, sleep } from '../api/retry.js';
import type { BatchResponse, BatchResult } from '../api/schemas.js';
import type { Shard } from '../config/schema.js';
import { AppError, isAppError } from '../errors.js';
import { prepareLead, type ColumnMap } from '../leads/index.js';
import { describeAttemptFailure, recordAttempt } from './attempts.js';
import { statusOf } from './run-job.js';
import type { Job, JobItem, Prepared, ResultColumns, RowOutcome, SendContext } from './types.js';

/** The statuses of an assign row, in the summary's order. */
export const ASSIGN_STATUSES = ['assigned', 'rejected', 'invalid', 'failed'] as const;

export interface AssignJobOptions {
  client: ApiClient;
  columns: ColumnMap;
  result: ResultColumns;
  batchSize: number;
  defaultCampaign?: string;
  realTime: boolean;
  e164: boolean;
  /** Rerun: only rows whose current status is one of these are sent; the others are kept. */
  statuses: readonly string[];
  shard?: Shard;
  policy: RetryPolicy;
  budget: RetryBudget;
  breaker: CircuitBreaker;
}

/** Creates the assign job over one API client. */
export function createAssignJob(o: AssignJobOptions): Job<LeadRef> {
  let groupSize = o.batchSize; // shrinks after a 413 to the size that worked
  let lastAnswerAt = Number.NEGATIVE_INFINITY; // when any request of the run last got a 2xx answer
  const selected = new Set(o.statuses);
  const leads = new LeadStore();

  const prepare = (fields: readonly string[], index: number): Prepared<LeadRef> => {
    if (o.shard && index % o.shard.count !== o.shard.index) return { kind: 'skip' };
    if (selected.size > 0 && !selected.has(statusOf(fields, o.result))) return { kind: 'keep' };
    const prepared = prepareLead(fields, o.result.inputWidth, o.columns, o.defaultCampaign);
    if (!prepared.ok) return { kind: 'done', outcome: { status: 'invalid', value: '', error: prepared.error } };
    const payload = leads.add(prepared.lead, index);
    return prepared.warning ? { kind: 'send', payload, warning: prepared.warning } : { kind: 'send', payload };
  };

  /** One request's attempts (callWithRetry), then more rounds while the whole API is down (see waitsOutOutage). */
  const callBatch = async (items: readonly JobItem<LeadRef>[], ctx: SendContext): Promise<BatchResponse> => {
    const stopping = ctx.stopping ?? ctx.signal;
    const body = leads.body(o.realTime, items.map((i) => i.payload));
    let lastAttemptAt = 0;
    for (let round = 1; ; round++) {
      try {
        return await callWithRetry(
          async () => {
            lastAttemptAt = Date.now();
            // The request itself is aborted only when the grace period is over (ctx.signal); `stopping`
            // only prevents new attempts, so an answer already on its way is still received and journaled.
            const reply = await recordAttempt(ctx, () => o.client.assignBatch(body, ctx.signal));
            lastAnswerAt = Date.now();
            return reply.body;
          },
          { policy: o.policy, budget: o.budget, breaker: o.breaker, signal: stopping, stats: ctx.counters.requests, onRetry: (info) => ctx.logger.debug({ rows: items.length, attempt: info.attempt, reason: info.failure.reason, delayMs: Math.round(info.delayMs) }, 'retrying batch') },
        );
      } catch (err) {
        if (isAppError(err) || stopping.aborted || !waitsOutOutage(err, lastAttemptAt)) throw err;
        const failure = classifyFailure(err);
        ctx.logger.warn({ rows: items.length, round, reason: failure.reason }, 'no request has succeeded since this batch was last sent: waiting for the API (the circuit breaker stops the run if it stays down)');
        await sleep(computeBackoffMs(o.policy.maxAttempts, o.policy, Math.random), stopping);
        ctx.counters.requests.retries += 1;
        if (failure.kind === 'ambiguous') ctx.counters.requests.ambiguousRetries += 1;
      }
    }
  };

  /**
   * A batch that ran out of attempts while no request of the run has been answered since its last
   * attempt went out is a victim of an outage, not a bad batch: marking its rows failed would only fill
   * the file with failures the breaker is about to explain. It tries again (a budget token per round)
   * until the API answers, the breaker opens (exit 4, resumable) or the budget is spent. While other
   * requests are answered, the per-batch bound (--max-attempts) applies as usual.
   */
  const waitsOutOutage = (err: unknown, lastAttemptAt: number): boolean => {
    const failure = classifyFailure(err);
    const retryable = failure.kind === 'retry' || (failure.kind === 'ambiguous' && o.policy.retryAmbiguous);
    return retryable && lastAnswerAt < lastAttemptAt && o.budget.take();
  };

  const sendItems = async (items: readonly JobItem<LeadRef>[], g: GroupAnswers, ctx: SendContext, round: number): Promise<void> => {
    recordSoFar(g, ctx);
    const out = g.out;
    let body: BatchResponse;
    try {
      body = await callBatch(items, ctx);
    } catch (err) {
      // E_UNAVAILABLE (breaker) or a stop: the rows stay unanswered, for --resume.
      if (isAppError(err) || (ctx.stopping ?? ctx.signal).aborted) throw err;
      const failure = classifyFailure(err);
      if (failure.kind === 'auth') throw new AppError('E_AUTH', `the API refused the key (${failure.reason}): check OUTBOUNDIQ_API_KEY / OUTBOUNDIQ_API_KEY_FILE`);
      if (failure.kind === 'too-large' && items.length > 1) {
        // Halve the size, then send the rows in pieces of whatever size is known to work by then.
        groupSize = Math.max(1, Math.min(groupSize, Math.floor(items.length / 2)));
        ctx.logger.info({ rows: items.length, reason: failure.reason, groupSize }, 'splitting batch');
        for (let start = 0; start < items.length; ) {
          const piece = items.slice(start, start + groupSize);
          start += piece.length;
          await sendItems(piece, g, ctx, round);
        }
        return;
      }
      if (failure.kind === 'bad-request' && items.length > 1) {
        // Halves, recursively, until the rows the API refuses are alone (rejected) and the rest went through.
        ctx.logger.info({ rows: items.length, reason: failure.reason }, 'splitting batch');
        const half = Math.ceil(items.length / 2);
        await sendItems(items.slice(0, half), g, ctx, round);
        await sendItems(items.slice(half), g, ctx, round);
        return;
      }
      const refused = failure.kind === 'too-large' || failure.kind === 'bad-request';
      const retryable = failure.kind === 'retry' || (failure.kind === 'ambiguous' && o.policy.retryAmbiguous);
      const budgetNote = retryable && o.budget.exhausted ? ": the run's retry budget (--retry-budget) is spent" : '';
      const error = describeAttemptFailure(err, failure, o.policy.retryAmbiguous) + budgetNote;
      for (const item of items) out.set(item.index, { status: refused ? 'rejected' : 'failed', value: '', error });
      return;
    }
    if (!body.success && !body.results) {
      // The whole batch refused with HTTP 2xx: isolate the bad rows the same way as a 400.
      if (items.length > 1) {
        const half = Math.ceil(items.length / 2);
        await sendItems(items.slice(0, half), g, ctx, round);
        await sendItems(items.slice(half), g, ctx, round);
      } else {
        out.set(items[0]!.index, { status: 'rejected', value: '', error: body.message || 'the API refused the row' });
      }
      return;
    }
    const missing = matchResults(items, body, out, o.e164);
    if (missing.length === 0) return;
    if (round + 1 < o.policy.maxAttempts) {
      ctx.logger.debug({ rows: missing.length }, 're-sending rows missing from the answer');
      await sendItems(missing, g, ctx, round + 1);
    } else {
      for (const item of missing) out.set(item.index, { status: 'failed', value: '', error: `missing from the API's answer after ${round + 1} attempts` });
    }
  };

  return {
    prepare,
    groupSize: () => groupSize,
    async sendGroup(items, ctx) {
      const g: GroupAnswers = { out: new Map<number, RowOutcome>(), recorded: 0 };
      await sendItems(items, g, ctx, 0);
      return g.out;
    },
    release: (before) => leads.releaseBefore(before),
  };
}

/** A group's outcomes so far (in the order they came) and how many of them are already journaled. */
interface GroupAnswers {
  out: Map<number, RowOutcome>;
  recorded: number;
}

/** Journals the answers a group got so far before it sends another request: a stop may abandon the rest of the group. */
function recordSoFar(g: GroupAnswers, ctx: SendContext): void {
  if (!ctx.record || g.out.size === g.recorded) return;
  const fresh = new Map([...g.out].slice(g.recorded));
  g.recorded = g.out.size;
  ctx.record(fresh);
}

/**
 * Matches answer rows to sent rows by row_id (never by position); returns the rows the answer left out.
 * Sent row_ids are unique (the row's number). Answers usually keep the request's order, so each answer
 * row is first checked against the sent row at its own index; from the first row that is not that one,
 * the rest is matched through a map of the rows not yet answered, keyed by row. Same outcomes, in the
 * same order, as matching everything through a map of row_ids, which costs ~3× more on an in-order
 * answer. A row_id is read as a row number, never built from one: String(n) keeps its result in V8's
 * number-string cache, where a million of them outlived young-generation collections.
 */
export function matchResults<P>(items: readonly JobItem<P>[], body: BatchResponse, out: Map<number, RowOutcome>, e164: boolean): JobItem<P>[] {
  const results = body.results ?? [];
  let matched = 0; // items[0..matched) were answered, in order, by results[0..matched)
  while (matched < results.length && matched < items.length) {
    const r = results[matched]!;
    const item = items[matched]!;
    if (rowOf(r.row_id) !== item.index) break;
    setOutcome(out, item, r, e164);
    matched++;
  }
  if (matched === results.length) return items.slice(matched);
  const byRow = new Map<number, JobItem<P>>();
  for (let i = matched; i < items.length; i++) byRow.set(items[i]!.index, items[i]!);
  for (let i = matched; i < results.length; i++) {
    const r = results[i]!;
    const row = rowOf(r.row_id);
    const item = byRow.get(row);
    if (!item) continue; // unknown or duplicate row_id: ignored, never credited to another row
    byRow.delete(row);
    setOutcome(out, item, r, e164);
  }
  return [...byRow.values()];
}

/**
 * The row a row_id names: a request's row_id is the row's 1-based number (LeadStore.add writes it), so
 * "1" is row 0; -1 when it is not one of ours ("01", "1.0", "x").
 */
export function rowOf(rowId: string): number {
  const n = rowId.length;
  if (n === 0 || n > 15 || rowId.charCodeAt(0) === 48) return -1;
  let value = 0;
  for (let i = 0; i < n; i++) {
    const digit = rowId.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value - 1;
}

function setOutcome(out: Map<number, RowOutcome>, item: JobItem<unknown>, r: BatchResult, e164: boolean): void {
  const ani = r.outboundani ?? '';
  const error = r.error ?? '';
  if (error === '' && ani !== '') out.set(item.index, { status: 'assigned', value: e164 ? toE164(ani) : ani, error: '' });
  else out.set(item.index, { status: 'rejected', value: '', error: error || 'the API returned no ANI and no reason' });
}

/** Formats a North American ANI as E.164 (+1NXXNXXXXXX); other lengths get a leading +. */
export function toE164(ani: string): string {
  if (ani.startsWith('+')) return ani;
  const digits = ani.replace(/\D/g, '');
  return digits.length === 10 ? `+1${digits}` : `+${digits}`;
}
