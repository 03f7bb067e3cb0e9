/** Dispatches a command and maps its outcome to an exit code: the one place errors become messages. */
import { AppError, EXIT, exitCodeFor } from '../errors.js';
import { parseArgv } from './args.js';
import { assignCommand } from './commands/assign.js';
import { demoCommand } from './commands/demo.js';
import { mergeCommand } from './commands/merge.js';
import { nextCommand } from './commands/next.js';
import { nrmApplyCommand } from './commands/nrm-apply.js';
import { nrmExportCommand } from './commands/nrm-export.js';
import { nrmPlanCommand } from './commands/nrm-plan.js';
import { simulateCommand } from './commands/simulate.js';
import { watchCommand } from './commands/watch.js';
import type { Io } from './io.js';
import { publishFailure } from './publish.js';

/** Runs the CLI for argv (without node and script); never throws. */
export async function runCli(argv: readonly string[], io: Io): Promise<number> {
  try {
    const parsed = parseArgv(argv, io.env);
    if (parsed.kind === 'version') {
      io.stdout.write(`${io.version}\n`);
      return EXIT.ok;
    }
    if (parsed.kind === 'help') {
      io.stdout.write(`${parsed.text}\n`);
      return EXIT.ok;
    }
    const { command, positionals, values } = parsed;
    switch (command) {
      case 'assign':
      case 'rerun':
        return await assignCommand(command, positionals, values, io);
      case 'next':
        return await nextCommand(positionals, values, io);
      case 'nrm export':
        return await nrmExportCommand(positionals, values, io);
      case 'nrm apply':
        return await nrmApplyCommand(positionals, values, io);
      case 'nrm plan':
        return await nrmPlanCommand(positionals, values, io);
      case 'simulate':
        return await simulateCommand(positionals, values, io);
      case 'demo':
        return await demoCommand(positionals, values, io);
      case 'merge':
        return await mergeCommand(positionals, values, io);
      case 'watch':
        return await watchCommand(positionals, values, io);
      default:
        throw new AppError('E_USAGE', `command "${command}" is not available yet`);
    }
  } catch (err) {
    return reportError(err, io);
  }
}

/** Prints an error for a person (no stack trace for anything the user can fix) and returns its exit code. */
export function reportError(err: unknown, io: Io): number {
  if (err instanceof AppError) {
    io.stderr.write(`oiq-batch: ${err.message}\n`);
    if (err.code === 'E_INTERNAL' && err.cause instanceof Error && io.env.OIQ_BATCH_DEBUG) io.stderr.write(`${err.cause.stack}\n`);
    publishFailure(exitCodeFor(err), err.message);
    return exitCodeFor(err);
  }
  const e = err as Error;
  io.stderr.write(`oiq-batch: internal error: ${e?.message ?? String(err)} (please report it; set OIQ_BATCH_DEBUG=1 for the stack)\n`);
  if (io.env.OIQ_BATCH_DEBUG && e?.stack) io.stderr.write(`${e.stack}\n`);
  publishFailure(EXIT.internal, `internal error: ${e?.message ?? String(err)}`);
  return EXIT.internal;
}
