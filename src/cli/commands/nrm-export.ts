/** `oiq-batch nrm export`: the whole ANI inventory (or the numbers with a prefix) into one CSV or JSON Lines file. */
import { createApiClient } from '../../api/client.js';
import { NrmExportConfig, parseConfig } from '../../config/schema.js';
import { AppError } from '../../errors.js';
import { runNrmExport } from '../../nrm/export.js';
import { formatExportSummary } from '../../nrm/export-summary.js';
import type { FlagValues } from '../args.js';
import { int, readApiSettings, readRetrySettings, str } from '../build-config.js';
import { loggerFor, progressFor, readTextFile, type Io } from '../io.js';

type Env = Readonly<Record<string, string | undefined>>;

/** Builds the config of `nrm export`: the prefix stripped to digits (as the API does), the format from --format or the output's extension. */
export function buildNrmExportConfig(positionals: readonly string[], values: FlagValues, env: Env, readFile: (path: string) => string): Readonly<NrmExportConfig> {
  if (positionals.length > 0) throw new AppError('E_USAGE', `nrm export takes no arguments, got: ${positionals.join(' ')} (the output file is -o FILE)`);
  const output = str(values, 'output');
  const formatText = str(values, 'format')?.trim().toLowerCase() ?? (output !== undefined && /\.(jsonl|ndjson)$/i.test(output) ? 'jsonl' : 'csv');
  if (formatText !== 'csv' && formatText !== 'jsonl') throw new AppError('E_USAGE', `--format must be csv or jsonl, got "${str(values, 'format')}"`);
  const numberText = str(values, 'number');
  const number = numberText?.replace(/\D+/g, '');
  if (numberText !== undefined && number === '') throw new AppError('E_USAGE', `--number "${numberText}" has no digits (expected a phone-number prefix such as 212 or "(212) 555")`);
  const pageSize = int(values, 'page-size');
  if (pageSize !== undefined && (pageSize < 1 || pageSize > 1000)) throw new AppError('E_USAGE', `--page-size must be between 1 and 1000 (the API's maximum), got ${pageSize}`);
  return parseConfig(NrmExportConfig, {
    output: output ?? (formatText === 'jsonl' ? 'anis.jsonl' : 'anis.csv'),
    report: str(values, 'report'),
    format: formatText,
    number,
    pageSize,
    concurrency: int(values, 'concurrency'),
    progress: str(values, 'progress'),
    api: readApiSettings(values, env, readFile),
    retry: readRetrySettings(values),
  });
}

/** Runs `nrm export` from parsed flags; returns the exit code. */
export async function nrmExportCommand(positionals: string[], values: FlagValues, io: Io): Promise<number> {
  const config = buildNrmExportConfig(positionals, values, io.env, readTextFile);
  const logger = loggerFor(io, values);
  const client = createApiClient({ baseUrl: config.api.baseUrl, apiKey: config.api.apiKey, timeoutMs: config.api.timeoutMs, connections: config.concurrency, userAgent: `oiq-batch/${io.version}`, insecure: config.api.insecure });
  const progress = progressFor(io, logger, config.progress, config.progressIntervalMs);
  try {
    const summary = await runNrmExport(config, {
      client,
      logger,
      signal: io.signal,
      stdout: io.stdout,
      // ANIs stand in for bytes: the bar's percentage is ANIs written of those announced.
      onProgress: (p) => progress.update({ rowsRead: p.anisWritten, rowsWritten: p.anisWritten, inFlight: p.inFlight, done: p.anisWritten, total: p.anisExpected, rows: {} }),
    });
    progress.stop();
    io.stderr.write(`${formatExportSummary(summary)}\n`);
    return summary.exitCode;
  } finally {
    progress.stop();
    await client.close();
  }
}
