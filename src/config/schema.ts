/** Run configuration: zod schemas with the defaults, parsed once by the CLI and passed down frozen. */
import { z } from 'zod';
import { AppError } from '../errors.js';

/** Where the API is and how to talk to it. */
export const ApiConfig = z.object({
  baseUrl: z.url({ protocol: /^https?$/, error: 'OUTBOUNDIQ_BASE_URL must be an http(s) URL' }).default('https://api.outboundiq.cloud'),
  apiKey: z.string().min(1, 'no API key: set OUTBOUNDIQ_API_KEY or OUTBOUNDIQ_API_KEY_FILE'),
  timeoutMs: z.number().int().min(100).max(600_000).default(30_000),
  insecure: z.boolean().default(false),
});
export type ApiConfig = z.infer<typeof ApiConfig>;

/** How failed requests are retried and when the run gives up on the API. */
export const RetryConfig = z.object({
  maxAttempts: z.number().int().min(1).max(50).default(5),
  minDelayMs: z.number().int().min(0).default(250),
  maxDelayMs: z.number().int().min(0).default(20_000),
  retryAmbiguous: z.boolean().default(true),
  /** Run-wide cap on retries, so a sick API cannot keep a run busy for ever. */
  budget: z.number().int().min(0).default(10_000),
  /** The API failing continuously for this long stops the run with exit 4. */
  unavailableAfterMs: z.number().int().min(0).default(60_000),
});
export type RetryConfig = z.infer<typeof RetryConfig>;

/** Column names or 1-based numbers given by flags; they win over header detection. */
export const ColumnOverrides = z.object({
  phone: z.string().min(1).optional(),
  zip: z.string().min(1).optional(),
  campaign: z.string().min(1).optional(),
  id: z.string().min(1).optional(),
});

/** `--shard K/N`: this run sends only rows whose position modulo N is K. */
export const Shard = z
  .object({ index: z.number().int().min(0), count: z.number().int().min(1) })
  .refine((s) => s.index < s.count, { message: '--shard K/N needs 0 <= K < N' });
export type Shard = z.infer<typeof Shard>;

/** Options shared by every job that reads a file and writes an enriched one (assign, rerun, nrm apply). */
export const JobConfig = z.object({
  input: z.string().min(1),
  output: z.string().min(1),
  /** Summary JSON path; undefined = next to the output (none when the output is stdout). */
  report: z.string().min(1).optional(),
  concurrency: z.union([z.number().int().min(1).max(256), z.literal('auto')]).default(4),
  /** Ceiling for `--concurrency auto`. */
  maxConcurrency: z.number().int().min(1).max(256).default(32),
  dryRun: z.boolean().default(false),
  resume: z.boolean().default(false),
  excelSafe: z.boolean().default(false),
  delimiter: z.string().length(1).optional(),
  progress: z.enum(['auto', 'bar', 'json', 'off']).default('auto'),
  progressIntervalMs: z.number().int().min(100).default(5_000),
  /** After SIGINT/SIGTERM, how long in-flight requests may take before they are abandoned (resumable). */
  graceMs: z.number().int().min(0).default(20_000),
  /** Statuses to (re)send; rows with other statuses are kept as they are. Empty = every row (assign). */
  statuses: z.array(z.string().min(1)).default([]),
  shard: Shard.optional(),
  metricsFile: z.string().min(1).optional(),
  pushgateway: z.string().min(1).optional(),
  api: ApiConfig,
  retry: RetryConfig,
});
export type JobConfig = z.infer<typeof JobConfig>;

/** `assign` and `rerun`. */
export const AssignConfig = JobConfig.extend({
  batchSize: z.number().int().min(1).max(10_000).default(100),
  columns: ColumnOverrides.default({}),
  defaultCampaign: z.string().min(1).optional(),
  realTime: z.boolean().default(false),
  e164: z.boolean().default(false),
});
export type AssignConfig = z.infer<typeof AssignConfig>;

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
