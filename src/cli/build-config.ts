/** Flag values + environment → a validated, frozen config. Pure: the environment and file reader are passed in. */
import { AssignConfig, parseConfig, type ApiConfig } from '../config/schema.js';
import { AppError } from '../errors.js';
import type { FlagValues } from './args.js';

type Env = Readonly<Record<string, string | undefined>>;

/** Reads the API settings: OUTBOUNDIQ_API_KEY_FILE wins over OUTBOUNDIQ_API_KEY; no flag ever takes the key. */
export function readApiSettings(values: FlagValues, env: Env, readFile: (path: string) => string): Omit<ApiConfig, 'apiKey'> & { apiKey: string } {
  let apiKey = env.OUTBOUNDIQ_API_KEY ?? '';
  const keyFile = env.OUTBOUNDIQ_API_KEY_FILE;
  if (keyFile) {
    try {
      apiKey = readFile(keyFile).trim();
    } catch (err) {
      throw new AppError('E_USAGE', `OUTBOUNDIQ_API_KEY_FILE: cannot read ${keyFile} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  const insecure = values.insecure === true;
  if (env.NODE_TLS_REJECT_UNAUTHORIZED === '0' && !insecure) {
    throw new AppError('E_INSECURE', 'NODE_TLS_REJECT_UNAUTHORIZED=0 turns TLS verification off; refusing to send the API key that way. Unset it, or pass --insecure if you really mean it.');
  }
  return {
    apiKey,
    baseUrl: env.OUTBOUNDIQ_BASE_URL || 'https://api.outboundiq.cloud',
    timeoutMs: int(values, 'timeout-ms') ?? 30_000,
    insecure,
  };
}

/** The retry settings shared by every command that calls the API. */
export function readRetrySettings(values: FlagValues) {
  return {
    maxAttempts: int(values, 'max-attempts'),
    minDelayMs: int(values, 'retry-min-delay-ms'),
    maxDelayMs: int(values, 'retry-max-delay-ms'),
    budget: int(values, 'retry-budget'),
    unavailableAfterMs: int(values, 'unavailable-after-ms'),
    retryAmbiguous: values['no-retry-ambiguous'] === true ? false : undefined,
  };
}

/** The settings of every file job (assign, rerun, nrm apply). */
export function readJobSettings(values: FlagValues, input: string, defaultOutput: string, env: Env) {
  const concurrency = str(values, 'concurrency');
  return {
    input,
    output: str(values, 'output') ?? defaultOutput,
    report: str(values, 'report'),
    concurrency: concurrency === 'auto' ? 'auto' : concurrency === undefined ? undefined : int(values, 'concurrency'),
    maxConcurrency: int(values, 'max-concurrency'),
    dryRun: values['dry-run'] === true,
    resume: values.resume === true,
    excelSafe: values['excel-safe'] === true,
    delimiter: delimiterOf(str(values, 'delimiter')),
    progress: str(values, 'progress'),
    progressIntervalMs: int(values, 'progress-interval-ms'),
    graceMs: int(values, 'grace-ms'),
    shard: parseShard(str(values, 'shard'), env.JOB_COMPLETION_INDEX),
    metricsFile: str(values, 'metrics-file'),
    pushgateway: str(values, 'pushgateway'),
  };
}

/** Builds the config of `assign` / `rerun`. */
export function buildAssignConfig(command: 'assign' | 'rerun', positionals: readonly string[], values: FlagValues, env: Env, readFile: (path: string) => string): Readonly<AssignConfig> {
  const input = onePositional(command, positionals, command === 'assign' ? '<input>' : '<enriched>');
  const statuses = command === 'rerun' ? (str(values, 'statuses') ?? 'failed').split(',').map((s) => s.trim()).filter(Boolean) : [];
  return parseConfig(AssignConfig, {
    ...readJobSettings(values, input, defaultOutputFor(command, input), env),
    statuses,
    batchSize: int(values, 'batch-size'),
    columns: { phone: str(values, 'phone-column'), zip: str(values, 'zip-column'), campaign: str(values, 'campaign-column'), id: str(values, 'id-column') },
    defaultCampaign: str(values, 'campaign'),
    realTime: values['real-time'] === true,
    e164: values.e164 === true,
    api: readApiSettings(values, env, readFile),
    retry: readRetrySettings(values),
  });
}

/** Where the enriched file goes by default: beside the input (`leads.csv.gz` → `leads.enriched.csv`); stdin → stdout. */
export function defaultOutputFor(command: string, input: string): string {
  if (input === '-') return '-';
  const stem = input.replace(/\.gz$/i, '').replace(/\.(csv|tsv|tab|txt)$/i, '');
  const ext = /\.(tsv|tab)(\.gz)?$/i.test(input) ? '.tsv' : '.csv';
  return command === 'rerun' ? `${stem.replace(/\.rerun$/, '')}.rerun${ext}` : `${stem}.enriched${ext}`;
}

/** `--shard K/N`, or `--shard /N` / `--shard N`-less forms with K from JOB_COMPLETION_INDEX. */
export function parseShard(raw: string | undefined, completionIndex: string | undefined): { index: number; count: number } | undefined {
  if (raw === undefined) return undefined;
  const m = /^\s*(\d*)\s*\/\s*(\d+)\s*$/.exec(raw);
  if (!m) throw new AppError('E_USAGE', `--shard must be K/N (e.g. 0/3), got "${raw}"`);
  const k = m[1] !== '' ? m[1] : completionIndex;
  if (k === undefined || !/^\d+$/.test(k)) throw new AppError('E_USAGE', `--shard ${raw}: no shard index given and JOB_COMPLETION_INDEX is not set`);
  return { index: Number(k), count: Number(m[2]) };
}

/** Exactly one positional argument, or a usage error naming it. */
export function onePositional(command: string, positionals: readonly string[], name: string): string {
  if (positionals.length !== 1) {
    throw new AppError('E_USAGE', positionals.length === 0 ? `${command}: missing ${name}; see oiq-batch ${command} --help` : `${command}: expected one ${name}, got ${positionals.length}: ${positionals.join(' ')}`);
  }
  return positionals[0]!;
}

/** A flag's string value. */
export function str(values: FlagValues, flag: string): string | undefined {
  const v = values[flag];
  return typeof v === 'string' ? v : undefined;
}

/** A flag's whole-number value, with a message naming the flag when it is not one. */
export function int(values: FlagValues, flag: string): number | undefined {
  const v = str(values, flag);
  if (v === undefined) return undefined;
  if (!/^\s*-?\d+\s*$/.test(v)) throw new AppError('E_USAGE', `--${flag} must be a whole number, got "${v}"`);
  return Number(v);
}

function delimiterOf(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  if (raw === '\\t' || raw.toLowerCase() === 'tab') return '\t';
  if (raw.length !== 1) throw new AppError('E_USAGE', `--delimiter must be one character (or "tab"), got "${raw}"`);
  return raw;
}
