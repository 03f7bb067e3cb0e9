/**
 * `nrm plan` over files: an `nrm export` (CSV or JSON Lines) streamed through the planner, the actions
 * file written as it goes (temporary file, renamed when complete). Nothing is sent to the API.
 */
import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { AniRecord } from '../api/schemas.js';
import type { NrmPlanConfig } from '../config/schema.js';
import { openCsvSource, openCsvWriter, tempPathFor, type CsvWriter } from '../csv/index.js';
import { toReadError } from '../csv/read-errors.js';
import { AppError, isAppError } from '../errors.js';
import { ACTION_FILE_HEADER, createPlanner, plannedActionToRow, recordFromCsvRow, type PlanPreview, type PlanRules } from './plan.js';
import { compileRule } from './rules.js';

/** What the plan needs from outside. */
export interface NrmPlanDeps {
  stdin?: NodeJS.ReadableStream;
  stdout?: NodeJS.WritableStream;
  now?: Date;
}

/** What a plan did: its preview, and how many action rows it wrote where. */
export interface NrmPlanResult {
  preview: PlanPreview;
  actions: number;
  output: string;
}

/** One ANI read from an export and the line it came from. */
interface ExportEntry {
  record: AniRecord;
  line: number;
}

/** Compiles the `--*-when` rules (E_USAGE naming the flag and column when one does not parse). */
export function compilePlanRules(config: Pick<NrmPlanConfig, 'pauseWhen' | 'remediateWhen' | 'activateWhen'>): PlanRules {
  return {
    ...(config.pauseWhen ? { pause: compileRule(config.pauseWhen, '--pause-when') } : {}),
    ...(config.remediateWhen ? { remediate: compileRule(config.remediateWhen, '--remediate-when') } : {}),
    ...(config.activateWhen ? { activate: compileRule(config.activateWhen, '--activate-when') } : {}),
    sources: {
      ...(config.pauseWhen ? { pause: config.pauseWhen } : {}),
      ...(config.remediateWhen ? { remediate: config.remediateWhen } : {}),
      ...(config.activateWhen ? { activate: config.activateWhen } : {}),
    },
  };
}

/**
 * Plans actions over an export and writes the actions file. Throws E_USAGE (rules, date), E_INPUT /
 * E_CSV naming the file and line (a row that is not an export row); the partial output is deleted.
 */
export async function runNrmPlan(config: Readonly<NrmPlanConfig>, deps: NrmPlanDeps = {}): Promise<NrmPlanResult> {
  const planner = createPlanner(compilePlanRules(config), {
    ...(deps.now ? { now: deps.now } : {}),
    ...(config.activateDate ? { activateDate: config.activateDate } : {}),
  });
  const source = isJsonLinesName(config.input) ? { entries: readJsonLines(config.input, deps.stdin), close: async () => undefined } : await readExportCsv(config.input, deps.stdin);
  let writer: CsvWriter | undefined;
  let actions = 0;
  try {
    writer = await openCsvWriter({
      path: config.output,
      ...(deps.stdout ? { stdout: deps.stdout } : {}),
      header: ACTION_FILE_HEADER,
      format: { delimiter: ',', recordDelimiter: '\n', bom: false },
    });
    for await (const { record } of source.entries) {
      const planned = planner.add(record);
      if (planned === undefined) continue;
      await writer.writeRows([plannedActionToRow(planned)]);
      actions += 1;
    }
    await writer.commit();
  } catch (err) {
    await writer?.abort().catch(() => undefined);
    if (config.output !== '-') await rm(tempPathFor(config.output), { force: true });
    throw err;
  } finally {
    await source.close();
  }
  return { preview: planner.preview(), actions, output: config.output === '-' ? 'stdout' : config.output };
}

/** True for `.jsonl` / `.ndjson` exports (optionally gzipped); anything else is read as CSV/TSV. */
export function isJsonLinesName(path: string): boolean {
  return /\.(jsonl|ndjson)(\.gz)?$/i.test(path);
}

/** The records of an export CSV (via the shared reader: gzip, encodings, delimiters); the header is checked first. */
async function readExportCsv(input: string, stdin: NodeJS.ReadableStream | undefined): Promise<{ entries: AsyncIterable<ExportEntry>; close(): Promise<void> }> {
  const source = await openCsvSource(input, stdin ? { stdin } : {});
  try {
    // An all-empty row fails only on the header (no phone or status column): a wrong file is refused even when it has no rows.
    recordFromCsvRow(source.header, source.header.map(() => ''));
  } catch (err) {
    await source.close();
    throw locate(err, source.file, 1);
  }
  const entries = (async function* () {
    for await (const { fields, line } of source.records) {
      try {
        yield { record: recordFromCsvRow(source.header, fields), line };
      } catch (err) {
        throw locate(err, source.file, line);
      }
    }
  })();
  return { entries, close: () => source.close() };
}

/** The records of a JSON Lines export, one object per line (blank lines skipped), each checked against the API's schema. */
async function* readJsonLines(input: string, stdin: NodeJS.ReadableStream | undefined): AsyncGenerator<ExportEntry> {
  const file = input === '-' ? 'stdin' : input;
  const raw = input === '-' ? (stdin ?? process.stdin) : createReadStream(input);
  const stream = /\.gz$/i.test(input) ? raw.pipe(createGunzip()) : raw;
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  let line = 0;
  try {
    for await (const text of lines) {
      line += 1;
      if (text.trim() === '') continue;
      yield { record: parseJsonLine(text, file, line), line };
    }
  } catch (err) {
    throw isAppError(err) ? err : toReadError(err, { file, line, maxRecordBytes: 0 });
  } finally {
    lines.close();
    if ('destroy' in raw && typeof raw.destroy === 'function') raw.destroy();
  }
}

function parseJsonLine(text: string, file: string, line: number): AniRecord {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new AppError('E_INPUT', `${file}: line ${line}: not JSON (expected one ANI object per line, as nrm export --format jsonl writes)`, { file, line });
  }
  const parsed = AniRecord.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue ? `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}` : 'not an ANI record';
    throw new AppError('E_INPUT', `${file}: line ${line}: not an ANI record (${where})`, { file, line });
  }
  return parsed.data;
}

/** Adds the file and line to an export row's error (recordFromCsvRow knows neither). */
function locate(err: unknown, file: string, line: number): unknown {
  if (!isAppError(err, 'E_INPUT')) return err;
  return new AppError('E_INPUT', `${file}: line ${line}: ${err.message}`, { ...err.context, file, line }, { cause: err });
}
