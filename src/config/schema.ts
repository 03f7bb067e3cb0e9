/** Run configuration: zod schemas with the defaults, parsed once by the CLI and passed down frozen. */
import type { z } from 'zod';
import { array, boolean, enum as zodEnum, literal, number, object, string, union, url } from 'zod';
import { NRM_ACTIONS } from '../api/schemas.js';
import { AppError } from '../errors.js';

/** Where the API is and how to talk to it. */
export const ApiConfig = object({
  baseUrl: url({ protocol: /^https?$/, error: 'OUTBOUNDIQ_BASE_URL must be an http(s) URL' }).default('https://api.outboundiq.cloud'),
  apiKey: string().min(1, 'no API key: set OUTBOUNDIQ_API_KEY or OUTBOUNDIQ_API_KEY_FILE'),
  timeoutMs: number().int().min(100).max(600_000).default(30_000),
  insecure: boolean().default(false),
});
export type ApiConfig = z.infer<typeof ApiConfig>;

/** How failed requests are retried and when the run gives up on the API. */
export const RetryConfig = object({
  maxAttempts: number().int().min(1).max(50).default(5),
  minDelayMs: number().int().min(0).default(250),
  maxDelayMs: number().int().min(0).default(20_000),
  retryAmbiguous: boolean().default(true),
  /** Run-wide cap on retries, so a sick API cannot keep a run busy for ever. */
  budget: number().int().min(0).default(10_000),
  /** The API failing continuously for this long stops the run with exit 4. */
  unavailableAfterMs: number().int().min(0).default(60_000),
});
export type RetryConfig = z.infer<typeof RetryConfig>;

/** Column names or 1-based numbers given by flags; they win over header detection. */
export const ColumnOverrides = object({
  phone: string().min(1).optional(),
  zip: string().min(1).optional(),
  campaign: string().min(1).optional(),
  id: string().min(1).optional(),
});

/** `--shard K/N`: this run sends only rows whose position modulo N is K. */
export const Shard = object({ index: number().int().min(0), count: number().int().min(1) })
  .refine((s) => s.index < s.count, { message: '--shard K/N needs 0 <= K < N' });
export type Shard = z.infer<typeof Shard>;

/** Options shared by every job that reads a file and writes an enriched one (assign, rerun, nrm apply). */
export const JobConfig = object({
  input: string().min(1),
  output: string().min(1),
  /** Summary JSON path; undefined = next to the output (none when the output is stdout). */
  report: string().min(1).optional(),
  concurrency: union([number().int().min(1).max(256), literal('auto')]).default(4),
  /** Ceiling for `--concurrency auto`. */
  maxConcurrency: number().int().min(1).max(256).default(32),
  dryRun: boolean().default(false),
  resume: boolean().default(false),
  excelSafe: boolean().default(false),
  delimiter: string().length(1).optional(),
  progress: zodEnum(['auto', 'bar', 'json', 'off']).default('auto'),
  progressIntervalMs: number().int().min(100).default(5_000),
  /** After SIGINT/SIGTERM, how long in-flight requests may take before they are abandoned (resumable). */
  graceMs: number().int().min(0).default(8_000),
  /** Statuses to (re)send; rows with other statuses are kept as they are. Empty = every row (assign). */
  statuses: array(string().min(1)).default([]),
  shard: Shard.optional(),
  metricsFile: string().min(1).optional(),
  pushgateway: string().min(1).optional(),
  api: ApiConfig,
  retry: RetryConfig,
});
export type JobConfig = z.infer<typeof JobConfig>;

/** `assign` and `rerun`. */
export const AssignConfig = JobConfig.extend({
  batchSize: number().int().min(1).max(10_000).default(100),
  columns: ColumnOverrides.default({}),
  defaultCampaign: string().min(1).optional(),
  realTime: boolean().default(false),
  e164: boolean().default(false),
});
export type AssignConfig = z.infer<typeof AssignConfig>;

/** `nrm apply` (and its rerun with `--statuses`): the file job's options, plus defaults for rows that lack them. */
export const NrmApplyConfig = JobConfig.extend({
  /** `--action`: the action of rows (or plain ANI lists) without an action column or value. */
  action: zodEnum(NRM_ACTIONS).optional(),
  /** `--activate-date`: the date of activate rows without one (`now`, YYYYMMDDHHmmss or ISO-8601). */
  activateDate: string().min(1).optional(),
});
export type NrmApplyConfig = z.infer<typeof NrmApplyConfig>;

/** `nrm export`: every page of GET /nrm/anis into one file. */
export const NrmExportConfig = object({
  output: string().min(1).default('anis.csv'),
  report: string().min(1).optional(),
  format: zodEnum(['csv', 'jsonl']).default('csv'),
  /** Phone-number prefix, digits only (the CLI strips the rest, as the API does). */
  number: string().regex(/^\d+$/, '--number must contain digits').optional(),
  pageSize: number().int().min(1).max(1000).default(1000),
  /** Pages in flight at once (and so pages held in memory at most). */
  concurrency: number().int().min(1).max(64).default(4),
  progress: zodEnum(['auto', 'bar', 'json', 'off']).default('auto'),
  progressIntervalMs: number().int().min(100).default(5_000),
  api: ApiConfig,
  retry: RetryConfig,
});
export type NrmExportConfig = z.infer<typeof NrmExportConfig>;

/** `nrm plan`: an export in, an actions file out; nothing is sent. */
export const NrmPlanConfig = object({
  input: string().min(1),
  output: string().min(1),
  pauseWhen: string().min(1).optional(),
  remediateWhen: string().min(1).optional(),
  activateWhen: string().min(1).optional(),
  activateDate: string().min(1).optional(),
});
export type NrmPlanConfig = z.infer<typeof NrmPlanConfig>;

/** Parses and freezes a config, turning zod issues into one readable line per problem. */
export function parseConfig<S extends z.ZodType>(schema: S, raw: unknown): Readonly<z.infer<S>> {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'config'}: ${i.message}`);
    throw new AppError('E_USAGE', problems.join('; '), { problems });
  }
  return deepFreeze(parsed.data);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
