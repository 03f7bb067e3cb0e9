/** `oiq-batch next <phone>`: one POST /assignment for an operator checking a number by hand. */
import { createCircuitBreaker } from '../../api/breaker.js';
import { classifyFailure } from '../../api/classify.js';
import { createApiClient } from '../../api/client.js';
import { ApiError } from '../../api/errors.js';
import { callWithRetry, createRetryBudget } from '../../api/retry.js';
import { ApiConfig, RetryConfig, parseConfig } from '../../config/schema.js';
import { AppError, EXIT, isAppError } from '../../errors.js';
import { normalisePhone, normaliseZip } from '../../leads/index.js';
import { toE164 } from '../../pipeline/assign-job.js';
import type { FlagValues } from '../args.js';
import { onePositional, readApiSettings, readRetrySettings, str } from '../build-config.js';
import { loggerFor, readTextFile, type Io } from '../io.js';

/** Prints the ANI (exit 0) or the API's reason (exit 1). */
export async function nextCommand(positionals: string[], values: FlagValues, io: Io): Promise<number> {
  const raw = onePositional('next', positionals, '<phone>');
  const phone = normalisePhone(raw);
  if (!phone.ok) throw new AppError('E_USAGE', `next: ${phone.reason}`);
  const zip = normaliseZip(str(values, 'zip') ?? '');
  const api = parseConfig(ApiConfig, readApiSettings(values, io.env, readTextFile));
  const retry = parseConfig(RetryConfig, readRetrySettings(values));
  const logger = loggerFor(io, values);
  if (zip.warning) logger.warn(zip.warning);
  const client = createApiClient({ baseUrl: api.baseUrl, apiKey: api.apiKey, timeoutMs: api.timeoutMs, connections: 1, userAgent: `oiq-batch/${io.version}`, insecure: api.insecure });
  const campaign = str(values, 'campaign');
  try {
    const reply = await callWithRetry((_attempt, signal) => client.assignOne({ prospect_phone: phone.phone, ...(zip.zip ? { prospect_zip: zip.zip } : {}), ...(campaign ? { dialer_campaign: campaign } : {}), real_time: values['real-time'] === true }, signal), {
      policy: retry,
      budget: createRetryBudget(retry.budget),
      breaker: createCircuitBreaker({ openAfterMs: retry.unavailableAfterMs, minFailures: 3 }),
      signal: io.signal,
      stats: { retries: 0, ambiguousRetries: 0 },
    });
    const { success, ani, message } = reply.body;
    if (success && ani) {
      io.stdout.write(`${values.e164 === true ? toE164(ani) : ani}\n`);
      return EXIT.ok;
    }
    io.stderr.write(`no ANI: ${message || 'the API gave no reason'}\n`);
    return EXIT.rowsFailed;
  } catch (err) {
    if (isAppError(err)) throw err;
    const failure = classifyFailure(err);
    if (failure.kind === 'auth') throw new AppError('E_AUTH', `the API refused the key (${failure.reason}): check OUTBOUNDIQ_API_KEY / OUTBOUNDIQ_API_KEY_FILE`);
    if (failure.kind === 'retry' || failure.kind === 'ambiguous') throw new AppError('E_UNAVAILABLE', `the API did not answer: ${failure.reason}`);
    io.stderr.write(`no ANI: ${err instanceof ApiError && err.serverMessage ? err.serverMessage : failure.reason}\n`);
    return EXIT.rowsFailed;
  } finally {
    await client.close();
  }
}
