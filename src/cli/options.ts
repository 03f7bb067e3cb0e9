/** Every command's flags, declared once: parsing, help text and OIQ_BATCH_* environment names derive from this. */

/** One flag: its type, help line, and whether an OIQ_BATCH_* environment variable may set it. */
export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  help: string;
  /** Shown in help as the value's name. */
  arg?: string;
  /** Not settable from the environment (per-invocation flags such as --resume). */
  noEnv?: boolean;
}

export type OptionTable = Record<string, OptionSpec>;

const common: OptionTable = {
  help: { type: 'boolean', short: 'h', help: 'print this help and exit', noEnv: true },
  'log-level': { type: 'string', arg: 'LEVEL', help: 'fatal|error|warn|info|debug|trace (default info)' },
  'timeout-ms': { type: 'string', arg: 'MS', help: 'per-request timeout (default 30000)' },
  insecure: { type: 'boolean', help: 'allow NODE_TLS_REJECT_UNAUTHORIZED=0 (TLS verification off): never in production' },
};

const retry: OptionTable = {
  'max-attempts': { type: 'string', arg: 'N', help: 'attempts per request, first included (default 5)' },
  'no-retry-ambiguous': { type: 'boolean', help: 'do not retry failures after which the server may have acted (other 5xx, timeouts, resets after sending): leave those rows failed for rerun, as the vendor SDK does' },
  'retry-min-delay-ms': { type: 'string', arg: 'MS', help: 'backoff base (default 250)' },
  'retry-max-delay-ms': { type: 'string', arg: 'MS', help: 'backoff cap (default 20000)' },
  'retry-budget': { type: 'string', arg: 'N', help: 'run-wide cap on retries (default 10000)' },
  'unavailable-after-ms': { type: 'string', arg: 'MS', help: 'stop with exit 4 when the API has failed continuously this long (default 60000)' },
};

const job: OptionTable = {
  output: { type: 'string', short: 'o', arg: 'FILE', help: 'enriched output file, - for stdout', noEnv: true },
  report: { type: 'string', arg: 'FILE', help: 'summary JSON (default: next to the output, <output>.summary.json)', noEnv: true },
  concurrency: { type: 'string', arg: 'N|auto', help: 'requests in flight (default 4); auto adapts (AIMD) up to --max-concurrency' },
  'max-concurrency': { type: 'string', arg: 'N', help: 'ceiling for --concurrency auto (default 32)' },
  'dry-run': { type: 'boolean', help: 'validate and report, send nothing, write no enriched file' },
  resume: { type: 'boolean', help: 'continue an interrupted run of the same command, input and output', noEnv: true },
  'excel-safe': { type: 'boolean', help: 'prefix cells starting with = + - @ with a quote, for files opened in spreadsheets' },
  delimiter: { type: 'string', arg: 'CHAR', help: 'input delimiter (default: by extension, else sniffed)' },
  progress: { type: 'string', arg: 'MODE', help: 'auto|bar|json|off (default auto: a bar on a TTY, JSON lines otherwise)' },
  'progress-interval-ms': { type: 'string', arg: 'MS', help: 'JSON progress line interval (default 5000)' },
  'grace-ms': { type: 'string', arg: 'MS', help: 'after SIGINT/SIGTERM, how long in-flight requests may finish (default 8000); whatever is unanswered then is left for --resume' },
  shard: { type: 'string', arg: 'K/N', help: 'send only rows whose position mod N is K (K defaults to JOB_COMPLETION_INDEX)', noEnv: true },
  'metrics-file': { type: 'string', arg: 'FILE', help: 'write Prometheus text metrics (node_exporter textfile collector)' },
  pushgateway: { type: 'string', arg: 'URL', help: 'push metrics to a Prometheus Pushgateway' },
};

const leads: OptionTable = {
  'batch-size': { type: 'string', arg: 'N', help: 'leads per request (default 100)' },
  'phone-column': { type: 'string', arg: 'NAME', help: 'the phone column (header name or 1-based number)' },
  'zip-column': { type: 'string', arg: 'NAME', help: 'the zip column' },
  'campaign-column': { type: 'string', arg: 'NAME', help: 'the campaign column' },
  'id-column': { type: 'string', arg: 'NAME', help: 'your row id column (named in logs instead of row numbers)' },
  campaign: { type: 'string', arg: 'ID', help: 'dialer campaign for rows that have none' },
  'real-time': { type: 'boolean', help: 'send real_time: true' },
  e164: { type: 'boolean', help: 'write ANIs in E.164 (+1NXXNXXXXXX)' },
};

/** Flags per command (the key is the command path, e.g. "nrm apply"). */
export const COMMAND_OPTIONS: Record<string, OptionTable> = {
  assign: { ...common, ...retry, ...job, ...leads },
  rerun: {
    ...common,
    ...retry,
    ...job,
    ...leads,
    statuses: { type: 'string', arg: 'LIST', help: 'comma-separated statuses to re-send (default failed)' },
  },
  next: {
    ...common,
    ...retry,
    zip: { type: 'string', arg: 'ZIP', help: "the prospect's zip" },
    campaign: { type: 'string', arg: 'ID', help: 'dialer campaign' },
    'real-time': { type: 'boolean', help: 'send real_time: true' },
    e164: { type: 'boolean', help: 'print the ANI in E.164' },
  },
  simulate: {
    help: common.help!,
    'log-level': common['log-level']!,
    port: { type: 'string', arg: 'PORT', help: 'port on 127.0.0.1 (default 4010; 0 = any free port)' },
    host: { type: 'string', arg: 'HOST', help: 'address to listen on (default 127.0.0.1)' },
    seed: { type: 'string', arg: 'N', help: 'PRNG seed (default 1)' },
    'inventory-size': { type: 'string', arg: 'N', help: 'ANIs in the inventory (default 500)' },
    'latency-ms': { type: 'string', arg: 'MS', help: 'added latency per response' },
    'error-rate': { type: 'string', arg: 'P', help: 'fraction of requests answered 503' },
    'error500-rate': { type: 'string', arg: 'P', help: 'fraction answered 500 after processing' },
    'rate-limit': { type: 'string', arg: 'RPS', help: 'requests/s before 429 with Retry-After' },
    'reset-rate': { type: 'string', arg: 'P', help: 'fraction of connections reset before processing' },
    'reset-after-rate': { type: 'string', arg: 'P', help: 'fraction reset after processing' },
    'malformed-rate': { type: 'string', arg: 'P', help: 'fraction answered with a garbage body' },
    'missing-row-rate': { type: 'string', arg: 'P', help: 'fraction of batch answers missing a row' },
    'max-batch-size': { type: 'string', arg: 'N', help: 'larger batches get 413' },
    down: { type: 'boolean', help: 'answer every request 503' },
  },
  demo: { help: common.help!, 'log-level': common['log-level']!, progress: job.progress! },
  'nrm export': {
    ...common,
    ...retry,
    output: job.output!,
    report: job.report!,
    progress: job.progress!,
    concurrency: { type: 'string', arg: 'N', help: 'pages fetched at once once the page count is known (default 4)' },
    format: { type: 'string', arg: 'FORMAT', help: 'csv or jsonl (default csv)' },
    number: { type: 'string', arg: 'PREFIX', help: 'only ANIs starting with these digits (non-digits are stripped, as the API does)' },
    'page-size': { type: 'string', arg: 'N', help: 'ANIs per page, at most 1000 (default 1000)' },
  },
  'nrm apply': {
    ...common,
    ...retry,
    ...job,
    action: { type: 'string', arg: 'ACTION', help: 'pause|activate|remediate for rows (or plain ANI lists) without an action column' },
    statuses: { type: 'string', arg: 'LIST', help: 'comma-separated statuses to re-send from an applied file (e.g. failed); other rows are kept' },
    'activate-date': { type: 'string', arg: 'DATE', help: 'date for activate rows without one (YYYYMMDDHHmmss or ISO-8601)' },
  },
  'nrm plan': {
    help: common.help!,
    'log-level': common['log-level']!,
    output: { type: 'string', short: 'o', arg: 'FILE', help: 'the actions file to write (default <export>.actions.csv)', noEnv: true },
    'pause-when': { type: 'string', arg: 'RULE', help: 'e.g. "blockRate >= 15 and last30DaysDials >= 200"' },
    'remediate-when': { type: 'string', arg: 'RULE', help: 'rule for remediate rows' },
    'activate-when': { type: 'string', arg: 'RULE', help: 'rule for activate rows (cooling-off ANIs only)' },
    'activate-date': { type: 'string', arg: 'DATE', help: 'date for activate rows (default now)' },
  },
  merge: {
    help: common.help!,
    'log-level': common['log-level']!,
    output: { type: 'string', short: 'o', arg: 'FILE', help: 'the merged file (required)', noEnv: true },
    report: job.report!,
  },
  watch: {
    ...common,
    ...retry,
    ...leads,
    outbox: { type: 'string', arg: 'DIR', help: 'where enriched files and summaries go (required)' },
    once: { type: 'boolean', help: 'process what is in the inbox, then exit (CronJob mode)' },
    'poll-ms': { type: 'string', arg: 'MS', help: 'how often to look at the inbox (default 2000)' },
    'settle-ms': { type: 'string', arg: 'MS', help: 'a file must keep its size this long before it is claimed (default 2000)' },
    concurrency: job.concurrency!,
    'max-concurrency': job['max-concurrency']!,
    'excel-safe': job['excel-safe']!,
    progress: job.progress!,
    'progress-interval-ms': job['progress-interval-ms']!,
    'grace-ms': job['grace-ms']!,
    'metrics-file': job['metrics-file']!,
    pushgateway: job.pushgateway!,
  },
};

/** The environment variable that may set a flag: OIQ_BATCH_ + the flag in upper snake case. */
export function envNameFor(flag: string): string {
  return `OIQ_BATCH_${flag.toUpperCase().replace(/-/g, '_')}`;
}
