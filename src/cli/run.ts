/**
 * Dispatches a command and maps its outcome to an exit code: the one place errors become messages.
 * Each command's module is loaded when it runs: start-up is part of every run's time, and `assign`
 * has no use for the simulator, the NRM planner or the merge.
 */
import { AppError, EXIT, exitCodeFor } from '../errors.js';
import { parseArgv } from './args.js';
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
        return await (await import('./commands/assign.js')).assignCommand(command, positionals, values, io);
      case 'next':
        return await (await import('./commands/next.js')).nextCommand(positionals, values, io);
      case 'nrm export':
        return await (await import('./commands/nrm-export.js')).nrmExportCommand(positionals, values, io);
      case 'nrm apply':
        return await (await import('./commands/nrm-apply.js')).nrmApplyCommand(positionals, values, io);
      case 'nrm plan':
        return await (await import('./commands/nrm-plan.js')).nrmPlanCommand(positionals, values, io);
      case 'simulate':
        return await (await import('./commands/simulate.js')).simulateCommand(positionals, values, io);
      case 'demo':
        return await (await import('./commands/demo.js')).demoCommand(positionals, values, io);
      case 'merge':
        return await (await import('./commands/merge.js')).mergeCommand(positionals, values, io);
      case 'watch':
        return await (await import('./commands/watch.js')).watchCommand(positionals, values, io);
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
