/** `oiq-batch watch <inbox> --outbox <dir> [--once]`: drop-folder mode over the assign job. */
import { basename } from 'node:path';
import { AppError } from '../../errors.js';
import { runWatch } from '../../ops/watch.js';
import { runAssign } from '../../pipeline/assign.js';
import { formatHumanSummary } from '../../report/human.js';
import type { FlagValues } from '../args.js';
import { buildAssignConfig, defaultOutputFor, int, onePositional, str } from '../build-config.js';
import { loggerFor, progressFor, readTextFile, type Io, reportFileJobProgress } from '../io.js';
import { createRunClient } from '../file-job-command.js';
import { publishOutcome } from '../publish.js';

/** Flags that belong to watch itself, not to the assign job it runs on each file. */
const WATCH_ONLY = ['outbox', 'once', 'poll-ms', 'settle-ms'];

/** Runs the watcher; returns the worst file's exit code (130/143 when stopped by a signal). */
export async function watchCommand(positionals: string[], values: FlagValues, io: Io): Promise<number> {
  const inbox = onePositional('watch', positionals, '<inbox>');
  const outbox = str(values, 'outbox');
  if (outbox === undefined) throw new AppError('E_USAGE', 'watch: --outbox DIR is required (where enriched files and summaries go)');
  const pollMs = int(values, 'poll-ms') ?? 2_000;
  const settleMs = int(values, 'settle-ms') ?? 2_000;
  if (pollMs < 10 || settleMs < 0) throw new AppError('E_USAGE', `watch: --poll-ms must be at least 10 and --settle-ms at least 0 (got ${pollMs}, ${settleMs})`);
  const assignValues: FlagValues = Object.fromEntries(Object.entries(values).filter(([flag]) => !WATCH_ONLY.includes(flag)));
  // Built once up front so a bad flag or a missing key stops the watcher before it claims anything.
  const base = buildAssignConfig('assign', [inbox], assignValues, io.env, readTextFile);
  const logger = loggerFor(io, values);
  const { client, limit } = createRunClient(base, io);
  try {
    const result = await runWatch(
      { inbox, outbox, once: values.once === true, pollMs, settleMs },
      {
        logger,
        signal: io.signal,
        outputNameFor: (name) => basename(defaultOutputFor('assign', name)),
        async processFile({ input, output, resume }) {
          // The key file is read again for each file, so a rotated Secret is picked up without a restart.
          const config = buildAssignConfig('assign', [input], { ...assignValues, output, ...(resume ? { resume: true } : {}) }, io.env, readTextFile);
          const progress = progressFor(io, logger, config.progress, config.progressIntervalMs);
          try {
            const summary = await runAssign(config, {
              client,
              logger: logger.child({ file: basename(input) }),
              signal: io.signal,
              limit,
              onProgress: reportFileJobProgress(progress),
            });
            progress.stop();
            io.stderr.write(`${basename(input)}:\n${formatHumanSummary(summary)}\n`);
            return summary;
          } finally {
            progress.stop();
          }
        },
        publish: (summary) => publishOutcome(base, summary, logger),
      },
    );
    return result.exitCode;
  } finally {
    await client.close();
  }
}
