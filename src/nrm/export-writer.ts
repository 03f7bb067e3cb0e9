/**
 * Where `nrm export` writes ANI records: CSV (every documented field, in the docs' order) through the
 * shared CSV writer, or JSON Lines (one object per ANI, the same fields in the same order). Both write
 * to a temporary file renamed into place on commit, or stream to stdout for `-`.
 */
import { open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ANI_FIELDS, type AniRecord } from '../api/schemas.js';
import { openCsvWriter, tempPathFor } from '../csv/index.js';
import { createNewFileSink, createStreamSink, toWriteError } from '../csv/sink.js';
import { aniRecordToRow } from './export-row.js';

/** The export's output formats. */
export type ExportFormat = 'csv' | 'jsonl';

/** An export being written; exactly one of commit/discard ends it. */
export interface AniWriter {
  /** Appends records in order; resolves when the output can take more (back-pressure). */
  writeAnis(anis: readonly AniRecord[]): Promise<void>;
  /** Flushes, fsyncs and renames the temporary file into place. */
  commit(): Promise<void>;
  /** Closes and deletes the temporary file: an export is not resumable, a partial one is of no use. */
  discard(): Promise<void>;
}

/** Opens the export's writer; `path` '-' writes to `stdout`. Throws E_USAGE when the file cannot be created. */
export async function openAniWriter(options: { path: string; format: ExportFormat; stdout?: NodeJS.WritableStream }): Promise<AniWriter> {
  const { path, format } = options;
  const temp = path === '-' ? undefined : tempPathFor(path);
  const removeTemp = async (): Promise<void> => {
    if (temp !== undefined) await rm(temp, { force: true });
  };
  if (format === 'csv') {
    const csv = await openCsvWriter({
      path,
      ...(options.stdout ? { stdout: options.stdout } : {}),
      header: ANI_FIELDS,
      format: { delimiter: ',', recordDelimiter: '\n', bom: false },
    });
    return {
      writeAnis: (anis) => csv.writeRows(anis.map(aniRecordToRow)),
      commit: () => csv.commit(),
      discard: async () => {
        await csv.abort().catch(() => undefined);
        await removeTemp();
      },
    };
  }
  const sink = temp === undefined ? createStreamSink(options.stdout ?? process.stdout, 'stdout') : await createNewFileSink(temp);
  return {
    async writeAnis(anis) {
      if (anis.length > 0) await sink.write(Buffer.from(anis.map(toJsonLine).join(''), 'utf8'));
    },
    async commit() {
      await sink.sync();
      await sink.close();
      if (temp === undefined) return;
      await rename(temp, path).catch((err: unknown) => {
        throw toWriteError(err, path);
      });
      await syncDirectory(dirname(path));
    },
    async discard() {
      await sink.close().catch(() => undefined);
      await removeTemp();
    },
  };
}

/** One ANI as a JSON line: every documented field in the docs' order, absent ones as null. */
export function toJsonLine(ani: AniRecord): string {
  const ordered: Record<string, unknown> = {};
  for (const field of ANI_FIELDS) ordered[field] = ani[field] ?? null;
  return `${JSON.stringify(ordered)}\n`;
}

/** Fsyncs a directory so the rename survives a crash (some platforms refuse: then it is as durable as it gets). */
async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r').catch(() => undefined);
  if (handle === undefined) return;
  await handle.sync().catch(() => undefined);
  await handle.close();
}
