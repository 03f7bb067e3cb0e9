/**
 * Which shard files make a complete set: pure checks over what each shard's summary says, so `merge`
 * refuses (with a message naming the files) before it writes a byte.
 */
import { AppError } from '../errors.js';
import type { RunSummary } from '../report/summary.js';

/** One shard file as found on disk: its path, its summary (if any), and whether a run on it is unfinished. */
export interface ShardCandidate {
  path: string;
  /** The parsed `<path>.summary.json`, or undefined when there is none. */
  summary: RunSummary | undefined;
  /** The writer's temporary file (`.<name>.partial`) or resume journal exists: a run is in progress or was interrupted. */
  unfinished: boolean;
}

/** A shard that passed the checks. */
export interface CheckedShard {
  path: string;
  index: number;
  count: number;
  summary: RunSummary;
}

/** Checks that the candidates are finished shards of one input covering 0..N-1 exactly once; returns them by index. Throws AppError E_INPUT. */
export function checkShardSet(candidates: readonly ShardCandidate[]): CheckedShard[] {
  if (candidates.length === 0) throw new AppError('E_USAGE', 'merge: no shard files given; see oiq-batch merge --help');
  const shards = candidates.map(checkOne);
  const first = shards[0]!;
  for (const s of shards) {
    if (s.count !== first.count) {
      throw new AppError('E_INPUT', `shards of different splits: ${first.path} is shard ${first.index}/${first.count}, ${s.path} is ${s.index}/${s.count}`, { file: s.path });
    }
    if (!sameInput(s.summary, first.summary)) {
      throw new AppError(
        'E_INPUT',
        `shards from different inputs: ${first.path} was cut from ${describeInput(first.summary)}, ${s.path} from ${describeInput(s.summary)}`,
        { file: s.path },
      );
    }
  }
  const byIndex = new Map<number, CheckedShard>();
  for (const s of shards) {
    const seen = byIndex.get(s.index);
    if (seen) throw new AppError('E_INPUT', `shard ${s.index}/${s.count} given twice: ${seen.path} and ${s.path}`, { file: s.path });
    byIndex.set(s.index, s);
  }
  const missing: string[] = [];
  for (let k = 0; k < first.count; k++) if (!byIndex.has(k)) missing.push(`${k}/${first.count}`);
  if (missing.length > 0) {
    const have = [...byIndex.keys()].sort((a, b) => a - b).map((k) => `${k}/${first.count}`);
    throw new AppError('E_INPUT', `missing shard${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (given: ${have.join(', ')}): merge needs all ${first.count}`, { missing });
  }
  return [...byIndex.values()].sort((a, b) => a.index - b.index);
}

/** How many rows shard K of N holds when the input has `total` data rows (rows whose position mod N is K). */
export function expectedShardRows(total: number, index: number, count: number): number {
  return total > index ? Math.ceil((total - index) / count) : 0;
}

function checkOne(c: ShardCandidate): CheckedShard {
  const summaryPath = `${c.path}.summary.json`;
  if (c.unfinished) {
    throw new AppError('E_INPUT', `${c.path}: its run has not finished (a .partial file or resume journal is beside it); finish it with the same command and --resume first`, { file: c.path });
  }
  const s = c.summary;
  if (!s) throw new AppError('E_INPUT', `${c.path}: no summary (${summaryPath}), so its run did not finish or the file is not a shard file`, { file: c.path });
  if (!s.shard) throw new AppError('E_INPUT', `${c.path}: not a shard file (its summary has no "shard": it was not written by assign --shard K/N)`, { file: c.path });
  if (s.dryRun) throw new AppError('E_INPUT', `${c.path}: its summary is a dry run's (no shard file was written)`, { file: c.path });
  if (s.stoppedBecause) throw new AppError('E_INPUT', `${c.path}: its run stopped early (${s.stoppedBecause})`, { file: c.path });
  return { path: c.path, index: s.shard.index, count: s.shard.count, summary: s };
}

function sameInput(a: RunSummary, b: RunSummary): boolean {
  const x = a.shard!.input;
  const y = b.shard!.input;
  return x.size === y.size && x.head === y.head && x.tail === y.tail;
}

function describeInput(s: RunSummary): string {
  return `${s.input} (${s.shard!.input.size} bytes, sha256 of its first MiB ${s.shard!.input.head.slice(0, 12)}…)`;
}
