/** E2E harness: the built CLI as a real child process, against the simulator on loopback. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SIMULATOR_KEY } from '../../src/simulator/index.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const CLI = join(ROOT, 'dist/cli/main.js');
export const FIXTURES = join(ROOT, 'fixtures');

/** A fresh temporary folder for one test's files. */
export function tempDir(prefix = 'oiq-e2e-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  env?: Record<string, string | undefined>;
  stdin?: string | Buffer;
  cwd?: string;
  /** Called once the child is running (to send it signals). */
  onSpawn?: (child: ChildProcess) => void;
}

/** Environment pointing the CLI at a simulator, with fast retries and JSON logs. */
export function simEnv(url: string, extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    OUTBOUNDIQ_BASE_URL: url,
    OUTBOUNDIQ_API_KEY: SIMULATOR_KEY,
    OIQ_BATCH_RETRY_MIN_DELAY_MS: '1',
    OIQ_BATCH_RETRY_MAX_DELAY_MS: '20',
    OIQ_BATCH_LOG_LEVEL: 'warn',
    ...extra,
  };
}

/** Runs the built CLI to completion and collects its output. */
export function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries({ PATH: process.env.PATH, HOME: process.env.HOME, ...options.env })) if (v !== undefined) env[k] = v;
    const child = spawn(process.execPath, [CLI, ...args], { cwd: options.cwd ?? ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }));
    if (options.stdin !== undefined) child.stdin.end(options.stdin);
    else child.stdin.end();
    options.onSpawn?.(child);
  });
}
