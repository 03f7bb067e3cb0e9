/**
 * `merge`: joins the shard files of `assign --shard K/N` into the file one run would have written.
 * Shard K holds the rows whose position mod N is K, in order, each with its position in a last
 * `oiq_row` column; so the row at position p is the next row of shard p mod N. A streaming k-way merge
 * by position: one record per shard in memory, whatever the file sizes.
 */
import { existsSync } from 'node:fs';
import { open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Logger } from 'pino';
import { openCsvSource, openCsvWriter, tempPathFor, type CsvRecord, type CsvSource } from '../csv/index.js';
import { AppError, EXIT } from '../errors.js';
import { SHARD_POSITION_COLUMN } from '../pipeline/assign.js';
import { journalPathFor } from '../pipeline/journal.js';
import type { RunSummary } from '../report/summary.js';
import { checkShardSet, type CheckedShard, type ShardCandidate } from './shard-set.js';
import { sumSummaries } from './sum-summaries.js';

/** What to merge and where. */
export interface MergeOptions {
  shards: readonly string[];
  output: string;
  /** The merged summary's path (default `<output>.summary.json`). */
  report?: string;
  logger: Logger;
}

/** The merged file's summary: the shards' counts added up, and which files they came from. */
export type MergedSummary = RunSummary & { mergedFrom: string[] };

/** Rows handed to the writer at a time. */
const WRITE_BATCH_ROWS = 256;
/** How much of a shard file is read to find its header's end (and so its delimiter). */
const HEADER_SAMPLE_BYTES = 64 * 1024;

/** Merges shard files into `output` (written to a temporary file, renamed when complete) and writes the merged summary. Throws AppError E_INPUT/E_USAGE. */
export async function mergeShards(o: MergeOptions): Promise<MergedSummary> {
  const outputPath = resolve(o.output);
  for (const path of o.shards) {
    if (resolve(path) === outputPath) throw new AppError('E_USAGE', `merge: the output ${o.output} is also one of the shard files`);
  }
  const shards = checkShardSet(await Promise.all(o.shards.map(readCandidate)));
  const total = shards.reduce((n, s) => n + s.summary.rows.total, 0);
  o.logger.debug({ shards: shards.length, rows: total }, 'merging');

  const sources: CsvSource[] = [];
  let writer: Awaited<ReturnType<typeof openCsvWriter>> | undefined;
  try {
    for (const s of shards) sources.push(await openCsvSource(s.path, { delimiter: await readShardDelimiter(s.path) }));
    const header = checkHeaders(shards, sources);
    const format = sources[0]!.format;
    for (let k = 1; k < sources.length; k++) {
      const f = sources[k]!.format;
      if (f.bom !== format.bom || f.recordDelimiter !== format.recordDelimiter) {
        throw new AppError('E_INPUT', `${shards[k]!.path} is not written like ${shards[0]!.path} (byte order mark or line endings differ): shards of one run are identical in form`, { file: shards[k]!.path });
      }
    }
    writer = await openCsvWriter({ path: o.output, header: header.slice(0, -1), format });
    await copyInPositionOrder(shards, sources, total, header.length - 1, writer);
    await writer.commit();
    writer = undefined;
  } catch (err) {
    if (writer) {
      await writer.abort().catch(() => undefined);
      await rm(tempPathFor(o.output), { force: true }); // our own temporary file: nothing to resume in a merge
    }
    throw err;
  } finally {
    for (const source of sources) await source.close();
  }

  const summaries = shards.map((s) => s.summary);
  const merged: MergedSummary = {
    ...sumSummaries(summaries, {
      command: summaries[0]!.command,
      input: summaries[0]!.input,
      output: o.output,
      startedAt: summaries.map((s) => s.startedAt).sort()[0]!,
      finishedAt: summaries.map((s) => s.finishedAt).sort().at(-1)!,
      exitCode: EXIT.ok,
    }),
    mergedFrom: shards.map((s) => s.path),
  };
  merged.exitCode = (merged.rows.failed ?? 0) > 0 ? EXIT.rowsFailed : EXIT.ok;
  await writeJsonAtomically(o.report ?? `${o.output}.summary.json`, merged);
  return merged;
}

/** Reads what merge needs to know about a shard file before opening it. */
async function readCandidate(path: string): Promise<ShardCandidate> {
  const summaryPath = `${path}.summary.json`;
  let summary: RunSummary | undefined;
  let text: string | undefined;
  try {
    text = await readFile(summaryPath, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new AppError('E_INPUT', `${summaryPath}: cannot read it (${(err as NodeJS.ErrnoException).code ?? 'error'})`, { file: summaryPath });
  }
  if (text !== undefined) {
    try {
      summary = JSON.parse(text) as RunSummary;
    } catch {
      throw new AppError('E_INPUT', `${summaryPath}: not valid JSON (was it cut short?)`, { file: summaryPath });
    }
  }
  const unfinished = existsSync(tempPathFor(path)) || existsSync(journalPathFor(path));
  return { path, summary, unfinished };
}

/**
 * The delimiter of a shard file, read off its header: the header always ends with the position column
 * (never quoted), so the character before it is the delimiter. Sniffing could guess wrong on odd data.
 */
async function readShardDelimiter(path: string): Promise<string> {
  let head: Buffer;
  try {
    const handle = await open(path, 'r');
    try {
      const buf = Buffer.alloc(HEADER_SAMPLE_BYTES);
      const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
      head = buf.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  } catch (err) {
    throw new AppError('E_INPUT', `${path}: cannot read the shard file (${(err as NodeJS.ErrnoException).code ?? 'error'})`, { file: path });
  }
  const text = head.toString('utf8');
  const at = text.search(new RegExp(`${SHARD_POSITION_COLUMN}\\r?\\n`));
  if (at < 1) throw new AppError('E_INPUT', `${path}: not a shard file (its header does not end with the ${SHARD_POSITION_COLUMN} column written by assign --shard)`, { file: path, line: 1 });
  return text[at - 1]!;
}

/** Every shard must have the same header, ending with the position column; returns it. */
function checkHeaders(shards: readonly CheckedShard[], sources: readonly CsvSource[]): string[] {
  const header = sources[0]!.header;
  if (header.at(-1) !== SHARD_POSITION_COLUMN) {
    throw new AppError('E_INPUT', `${shards[0]!.path}: not a shard file (its last column is "${header.at(-1)}", not ${SHARD_POSITION_COLUMN})`, { file: shards[0]!.path, line: 1 });
  }
  for (let k = 1; k < sources.length; k++) {
    const other = sources[k]!.header;
    if (other.length !== header.length || other.some((name, i) => name !== header[i])) {
      throw new AppError('E_INPUT', `${shards[k]!.path}: its header differs from ${shards[0]!.path}'s: shards of one run have the same columns`, { file: shards[k]!.path, line: 1 });
    }
  }
  return header;
}

/** Writes rows 0..total-1, taking row p from shard p mod N and checking its recorded position. */
async function copyInPositionOrder(
  shards: readonly CheckedShard[],
  sources: readonly CsvSource[],
  total: number,
  positionColumn: number,
  writer: { writeRows(rows: readonly (readonly string[])[]): Promise<void> },
): Promise<void> {
  const n = shards.length;
  const iterators = sources.map((s) => s.records[Symbol.asyncIterator]() as AsyncIterator<CsvRecord>);
  let batch: string[][] = [];
  for (let p = 0; p < total; p++) {
    const k = p % n;
    const next = await iterators[k]!.next();
    if (next.done === true) {
      throw new AppError('E_INPUT', `${shards[k]!.path}: ends before the row at position ${p} (its summary counts ${shards[k]!.summary.rows.total} rows): the file was cut short or changed after its run`, { file: shards[k]!.path });
    }
    const { fields, line } = next.value;
    if (fields[positionColumn] !== String(p)) {
      throw new AppError('E_INPUT', `${shards[k]!.path}, line ${line}: ${SHARD_POSITION_COLUMN} is "${fields[positionColumn] ?? ''}", expected ${p}: the shard files do not fit together (N=${n})`, { file: shards[k]!.path, line });
    }
    // Extra fields of a misaligned input row follow the position column: they stay, in place.
    batch.push([...fields.slice(0, positionColumn), ...fields.slice(positionColumn + 1)]);
    if (batch.length >= WRITE_BATCH_ROWS) {
      await writer.writeRows(batch);
      batch = [];
    }
  }
  await writer.writeRows(batch);
  for (let k = 0; k < n; k++) {
    const extra = await iterators[k]!.next();
    if (extra.done !== true) {
      throw new AppError('E_INPUT', `${shards[k]!.path}, line ${extra.value.line}: more rows than its summary counts (${shards[k]!.summary.rows.total}): the file changed after its run`, { file: shards[k]!.path, line: extra.value.line });
    }
  }
}

async function writeJsonAtomically(path: string, value: unknown): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, `${JSON.stringify(value, null, 2)}\n`);
  await rename(tmp, path);
}
