#!/usr/bin/env node
/** The process entry: wires stdio, environment and signals to runCli, and exits with its code. */
import { readFileSync } from 'node:fs';
import { runCli } from './run.js';

const version = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
const stop = new AbortController();
let signalled: NodeJS.Signals | undefined;

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    if (signalled) process.exit(sig === 'SIGINT' ? 130 : 143); // a second signal: stop now (the journal is durable)
    signalled = sig;
    stop.abort(sig);
  });
}

const code = await runCli(process.argv.slice(2), {
  env: process.env,
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  stderrIsTTY: process.stderr.isTTY === true,
  signal: stop.signal,
  version,
});
process.exitCode = code;
// Let stdout drain; sockets and timers are closed by the commands, so the process ends on its own,
// but a lingering keep-alive must not hold a CronJob pod open.
setTimeout(() => process.exit(code), 2_000).unref();
