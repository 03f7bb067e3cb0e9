/**
 * The run's outcome as a Kubernetes termination message: one line that `kubectl describe pod` and the
 * Job's status show without digging through logs.
 */
import { closeSync, constants, openSync, writeSync } from 'node:fs';
import type { RunSummary } from './summary.js';

/** Kubernetes keeps at most this many bytes of a container's termination message. */
const MAX_TERMINATION_BYTES = 4096;
/** Statuses in reading order; any other status follows in the summary's own order. */
const STATUS_ORDER = ['assigned', 'done', 'rejected', 'invalid', 'failed'];

/** What to do next, by exit code, when the summary does not say it itself. */
const NEXT_STEP: Record<number, string> = {
  1: 'run rerun',
  2: 'fix the input or the command line',
  3: 'check the API key',
  4: 'API unavailable: resume with --resume',
  130: 'interrupted: resume with --resume',
  143: 'interrupted: resume with --resume',
};

/**
 * One line summing up a run, e.g.
 * `exit 1: 1990 assigned, 0 rejected, 3 invalid, 7 failed of 2000 rows in 12.3s — run rerun`.
 */
export function formatOutcomeLine(summary: RunSummary): string {
  const statuses = Object.keys(summary.rows).filter((s) => s !== 'total');
  const ordered = [...STATUS_ORDER.filter((s) => statuses.includes(s)), ...statuses.filter((s) => !STATUS_ORDER.includes(s))];
  const counts = ordered.map((s) => `${summary.rows[s]} ${s}`).join(', ');
  const flags = [summary.dryRun === true ? 'dry run' : '', summary.resumed === true ? 'resumed' : ''].filter(Boolean);
  const next = summary.stoppedBecause ?? NEXT_STEP[summary.exitCode];
  return (
    `exit ${summary.exitCode}: ${counts}${counts ? ' ' : ''}of ${summary.rows.total} rows in ${(summary.durationMs / 1000).toFixed(1)}s` +
    (flags.length > 0 ? ` (${flags.join(', ')})` : '') +
    (next !== undefined ? ` — ${next}` : '')
  );
}

/**
 * Writes `summaryLine` as the container's termination message, flattened to one line and cut to
 * Kubernetes' 4096-byte limit. Only an existing, writable file is written (outside Kubernetes
 * `/dev/termination-log` does not exist, and creating it would be a surprise). Never throws: the
 * outcome is already in the logs and the exit code. Returns whether the message was written.
 */
export function writeTerminationMessage(summaryLine: string, path = '/dev/termination-log'): boolean {
  const text = truncateUtf8(`${summaryLine.replace(/\s*[\r\n]+\s*/g, ' ').trim()}\n`, MAX_TERMINATION_BYTES);
  let fd: number | undefined;
  try {
    // No O_CREAT: a missing path is left missing.
    fd = openSync(path, constants.O_WRONLY | constants.O_TRUNC);
    writeSync(fd, text);
    return true;
  } catch {
    return false;
  } finally {
    if (fd !== undefined) {
      try {
        closeSync(fd);
      } catch {
        // Nothing left to do: the write itself already succeeded or failed.
      }
    }
  }
}

/** Cuts `text` to at most `maxBytes` UTF-8 bytes without splitting a character. */
function truncateUtf8(text: string, maxBytes: number): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return bytes;
  let end = maxBytes;
  // Step back over continuation bytes (10xxxxxx) to the start of the cut character.
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end);
}
