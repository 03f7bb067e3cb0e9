/**
 * What one NRM action's final answer means for its row: `done` (result = the API's status text),
 * `rejected` (the API refused it: permanent) or `failed` (no usable answer: a rerun tries again).
 *
 * After an ambiguous retry (the first attempt may have acted), a refusal such as "Only active and
 * managed ANIs can be paused" may only mean that the first attempt did pause it. Such an outcome
 * carries `readBack: true`: the caller reads the ANI's status (I/O, not here) and settles it with
 * `resolveAfterReadBack`.
 */
import { ApiError } from '../api/errors.js';
import { NRM_STATUS, type NrmAction, type NrmActionResponse } from '../api/schemas.js';

/** A row's outcome; `readBack` asks the caller to read the ANI back before trusting a refusal. */
export interface NrmOutcome {
  status: 'done' | 'rejected' | 'failed';
  /** The API's status text (`paused`, `active`, `received request`, `within cooldown`); empty unless done. */
  result: string;
  /** Why it was not done; empty when done. */
  error: string;
  readBack?: boolean;
}

/** An answer from the API (the client's 2xx reply fits; other statuses are read too). */
export interface NrmReply {
  status: number;
  body: NrmActionResponse;
}

/** A request that finally failed: the error it threw (after retries) and the row's wording of it. */
export interface NrmFailure {
  error: unknown;
  description: string;
}

/** The docs' refusal texts when the ANI is not in the state the action needs. */
const WRONG_STATE_MESSAGES: Partial<Record<NrmAction, string>> = {
  pause: 'only active and managed anis can be paused',
  activate: 'only anis in cooling off status can be activated',
};

/** The docs' success texts, used to word a success that only a read-back confirmed. */
const SUCCESS_TEXT: Record<NrmAction, string> = { pause: 'paused', activate: 'active', remediate: 'received request' };

// 4xx statuses that are not a verdict on the row: the key (the job stops on these before any row is
// decided), a timeout, a rate limit. They leave the row failed, for a rerun.
const NOT_A_REFUSAL = new Set([401, 403, 408, 429]);

/**
 * Maps one action's final answer to its row outcome. `retriedAmbiguously`: an earlier attempt of this
 * request failed after it may have reached the server (and was retried).
 */
export function decideNrmOutcome(
  action: NrmAction,
  answer: NrmReply | NrmFailure,
  options: { retriedAmbiguously?: boolean } = {},
): NrmOutcome {
  const refuse = (message: string): NrmOutcome => {
    const outcome: NrmOutcome = { status: 'rejected', result: '', error: message };
    if (options.retriedAmbiguously === true && isAlreadyInTargetStateMessage(action, message)) outcome.readBack = true;
    return outcome;
  };
  if ('error' in answer) {
    const err = answer.error;
    if (err instanceof ApiError && err.status !== undefined && isRefusalStatus(err.status)) {
      return refuse(err.serverMessage || answer.description);
    }
    return { status: 'failed', result: '', error: answer.description };
  }

  const { status, body } = answer;
  const message = body.message?.trim() ?? '';
  if (isRefusalStatus(status)) return refuse(message || `HTTP ${status}`);
  if (status < 200 || status > 299) {
    return { status: 'failed', result: '', error: `HTTP ${status}${message ? `: ${message}` : ''}` };
  }
  if (body.success === false) return refuse(message || 'the API refused the request (no message)');
  const text = body.status?.trim() ?? '';
  if (text !== '') return { status: 'done', result: text, error: '' };
  if (body.success === true) return { status: 'done', result: message || 'success', error: '' };
  return { status: 'failed', result: '', error: 'unexpected answer: neither {status, ani} nor {success: false, message}' };
}

/** The NRM status an ANI has once the action succeeded; undefined for remediate (the docs name none). */
export function expectedStatusAfter(action: NrmAction): string | undefined {
  if (action === 'pause') return NRM_STATUS.coolingOff;
  if (action === 'activate') return NRM_STATUS.active;
  return undefined;
}

/** True when `message` is the docs' "not in the state this action needs" refusal for `action`. */
export function isAlreadyInTargetStateMessage(action: NrmAction, message: string): boolean {
  const expected = WRONG_STATE_MESSAGES[action];
  if (expected === undefined) return false;
  return message.toLowerCase().replace(/\s+/g, ' ').includes(expected);
}

/**
 * Settles an outcome marked `readBack` from the ANI's status as read after the refusal: done when it
 * is the action's target status, else the refusal as it was. `observedStatus` undefined: not found.
 */
export function resolveAfterReadBack(action: NrmAction, observedStatus: string | undefined, refused: NrmOutcome): NrmOutcome {
  const target = expectedStatusAfter(action);
  if (target !== undefined && observedStatus?.trim().toUpperCase() === target) {
    return { status: 'done', result: `${SUCCESS_TEXT[action]} (confirmed by read-back)`, error: '' };
  }
  return { status: 'rejected', result: '', error: refused.error };
}

function isRefusalStatus(status: number): boolean {
  return status >= 400 && status <= 499 && !NOT_A_REFUSAL.has(status);
}
