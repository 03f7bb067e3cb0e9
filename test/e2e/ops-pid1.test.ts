/**
 * The CLI as PID 1, as in a container with `ENTRYPOINT ["node", …]`: the kernel gives PID 1 no default
 * signal handling, so SIGTERM only works because the CLI handles it itself. `unshare --pid --fork`
 * makes node PID 1 of a new PID namespace; SIGTERM must drain, exit 143 and leave resumable output.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../src/simulator/index.js';
import { CLI, runCli, simEnv, tempDir } from './harness.js';

// --kill-child: should the test fail early, killing unshare takes node (PID 1 inside) down with it.
const UNSHARE = ['--pid', '--fork', '--kill-child', '--mount-proc'];

/** Why the test cannot run here, or undefined: it needs root (or user namespaces) and unshare(1). */
function whyNoPidNamespace(): string | undefined {
  if (process.platform !== 'linux') return 'PID namespaces are Linux only';
  const probe = spawnSync('unshare', [...UNSHARE, process.execPath, '-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8', timeout: 20_000 });
  if (probe.error) return `unshare(1) is not available (${probe.error.message})`;
  if (probe.status !== 0 || probe.stdout !== '1') return `unshare --pid --fork is not permitted here (exit ${probe.status}: ${probe.stderr.trim() || 'no message'}); run as root or with CAP_SYS_ADMIN`;
  return undefined;
}

const skipReason = whyNoPidNamespace();
if (skipReason) console.warn(`skipping the PID 1 test: ${skipReason}`);

/** The host pid of the process whose parent is `ppid` (unshare's forked child: node, PID 1 inside). */
function findChild(ppid: number): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) === ppid) return Number(entry);
    } catch {
      // The process ended while we looked.
    }
  }
  return undefined;
}

let sim: RunningSimulator;
beforeAll(async () => {
  sim = await startSimulator({ port: 0, seed: 9, faults: { latencyMs: 40 } });
});
afterAll(async () => {
  await sim.close();
});

describe.skipIf(skipReason !== undefined)('the CLI as PID 1 (unshare --pid --fork)', () => {
  it('drains on SIGTERM, exits 143 with a journal, and --resume completes the file', async () => {
    const dir = tempDir('oiq-pid1-');
    const input = join(dir, 'leads.csv');
    const output = join(dir, 'leads.enriched.csv');
    const ROWS = 3_000;
    const lines = ['name,phone'];
    for (let i = 0; i < ROWS; i++) lines.push(`P${i},${['212', '310', '415', '713'][i % 4]}555${String(i).padStart(4, '0')}`);
    writeFileSync(input, `${lines.join('\n')}\n`);
    const journal = join(dir, '.leads.enriched.csv.journal');
    const args = ['assign', input, '-o', output, '--batch-size', '20', '--concurrency', '2', '--progress', 'off', '--grace-ms', '5000'];

    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries({ PATH: process.env.PATH, ...simEnv(sim.url) })) if (v !== undefined) env[k] = v;
    const unshare = spawn('unshare', [...UNSHARE, process.execPath, CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    unshare.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const exited = new Promise<number | null>((resolve) => unshare.on('close', (code) => resolve(code)));

    let code: number | null;
    try {
      const until = Date.now() + 30_000;
      while (!(existsSync(journal) && readFileSync(journal, 'utf8').split('\n').length > 10)) {
        if (Date.now() > until) throw new Error(`no progress: ${stderr}`);
        await sleep(20);
      }
      const node = findChild(unshare.pid!);
      expect(node).toBeDefined();
      // NSpid: the host pid, then the pid inside the new namespace.
      expect(readFileSync(`/proc/${node}/status`, 'utf8')).toMatch(/^NSpid:\s+\d+\s+1$/m);
      process.kill(node!, 'SIGTERM');
      code = await exited;
    } finally {
      unshare.kill('SIGKILL'); // a no-op once it has exited; else --kill-child takes node down too
    }
    expect(code).toBe(143);
    expect(stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(output)).toBe(false); // not committed: the run was cut short…
    expect(existsSync(journal)).toBe(true); // …and can be resumed
    expect(existsSync(join(dir, '.leads.enriched.csv.partial'))).toBe(true);
    const stopped = JSON.parse(readFileSync(`${output}.summary.json`, 'utf8'));
    expect(stopped.exitCode).toBe(143);
    expect(stopped.rows.total).toBeLessThan(ROWS);
    const processed = sim.stats().leadsProcessed;

    const resumed = await runCli([...args, '--resume'], { env: simEnv(sim.url) });
    expect(resumed.code, resumed.stderr).toBe(0);
    const rows = (parse(readFileSync(output), { relax_column_count: true }) as string[][]).slice(1);
    expect(rows.map((r) => r[0])).toEqual(Array.from({ length: ROWS }, (_, i) => `P${i}`));
    expect(rows.every((r) => r[4] === 'assigned')).toBe(true);
    const summary = JSON.parse(readFileSync(`${output}.summary.json`, 'utf8'));
    expect(summary).toMatchObject({ resumed: true, exitCode: 0, rows: { total: ROWS, assigned: ROWS } });
    // The resumed run sent only what the first one had not had answered (in-flight rows at most twice).
    expect(processed).toBeLessThan(ROWS);
    expect(sim.stats().leadsProcessed).toBeLessThanOrEqual(ROWS + 2 * 20);
    expect(sim.stats().processedByPhone.size).toBe(ROWS);
  });
});
