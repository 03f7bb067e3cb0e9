#!/usr/bin/env node
/** The process entry: wires stdio, environment and signals to runCli, and exits with its code. */
import { readFileSync } from 'node:fs';
import { AppError, EXIT } from '../errors.js';
import type { Io } from './io.js';
import { reportError, runCli } from './run.js';
import { tuneV8 } from './v8-tuning.js';

tuneV8();

const version = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
const stop = new AbortController();
let signalled = false;
let finished = false;

const io: Io = {
  env: process.env,
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  stderrIsTTY: process.stderr.isTTY === true,
  signal: stop.signal,
  version,
};

// The first SIGINT/SIGTERM stops the run gracefully (flush, summary, exit 130/143); a second exits at
// once (the journal is durable). Explicit handlers also make this work as PID 1 in a container, where
// the kernel drops signals that have no handler.
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    if (signalled) process.exit(sig === 'SIGINT' ? EXIT.sigint : EXIT.sigterm);
    signalled = true;
    stop.abort(sig);
  });
}

// A reader that goes away (`… -o - | head`) breaks stdout: say so and stop, rather than wait for a drain that never comes.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  process.exit(reportError(new AppError('E_USAGE', `cannot write stdout (${err.code ?? 'error'}): the output is incomplete`), io));
});

// A bug that escaped every command still gets one line on stderr and exit 70, never a stack trace (unless OIQ_BATCH_DEBUG).
const die = (err: unknown): void => {
  process.exit(reportError(err, io));
};
process.on('uncaughtException', die);
process.on('unhandledRejection', die);
process.on('beforeExit', () => {
  if (!finished) die(new Error('the command stopped before it finished (nothing left to wait for)'));
});

const code = await runCli(process.argv.slice(2), io);
finished = true;
process.exitCode = code;
// Let stdout drain; sockets and timers are closed by the commands, so the process ends on its own,
// but a lingering keep-alive must not hold a CronJob pod open.
setTimeout(() => process.exit(code), 2_000).unref();
