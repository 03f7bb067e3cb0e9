/**
 * Which of several exit codes a `watch --once` run reports: the worst file's. Codes that mean the run
 * could not finish its work come first (interrupted, key refused, API unavailable: files are left
 * claimed and resumed later), then a bug, then a bad file (quarantined in failed/), then failed rows.
 */
import { EXIT } from '../errors.js';

/** Most severe first. */
const ORDER: readonly number[] = [EXIT.sigterm, EXIT.sigint, EXIT.auth, EXIT.unavailable, EXIT.internal, EXIT.usage, EXIT.rowsFailed, EXIT.ok];

/** A code's rank: higher is worse; an unknown code ranks as a bug (internal error). */
export function rankExitCode(code: number): number {
  const at = ORDER.indexOf(code);
  return ORDER.length - (at === -1 ? ORDER.indexOf(EXIT.internal) : at);
}

/** The worst of `codes` (0 when there are none). */
export function worstExitCode(codes: Iterable<number>): number {
  let worst: number = EXIT.ok;
  for (const code of codes) if (rankExitCode(code) > rankExitCode(worst)) worst = code;
  return worst;
}
