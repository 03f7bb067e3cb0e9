/**
 * The process entry's last-resort behaviours: a reader that closes stdout mid-run (`… -o - | head`)
 * gets one clear line and exit 2 — not a silent hang-then-exit or a stack trace.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../src/simulator/index.js';
import { CLI, simEnv, tempDir } from './harness.js';
import { goodLeads, writeText } from './reliability-support.js';

let sim: RunningSimulator;
beforeAll(async () => {
  sim = await startSimulator({ seed: 9 });
});
afterAll(async () => {
  await sim.close();
});

describe('the process', () => {
  it('stdout closed by its reader: "cannot write stdout", exit 2, no stack trace', async () => {
    const input = writeText(join(tempDir(), 'leads.csv'), goodLeads(5000));
    const env: Record<string, string> = { PATH: process.env.PATH ?? '' };
    for (const [k, v] of Object.entries(simEnv(sim.url))) if (v !== undefined) env[k] = v;
    const { code, stderr, firstLine } = await new Promise<{ code: number | null; stderr: string; firstLine: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [CLI, 'assign', input, '-o', '-', '--progress', 'off'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let err = '';
      let first = '';
      child.stderr.on('data', (b: Buffer) => (err += b.toString('utf8')));
      // Read one chunk, then hang up, as `head -1` does.
      child.stdout.once('data', (b: Buffer) => {
        first = b.toString('utf8').split('\n')[0]!;
        child.stdout.destroy();
      });
      child.on('error', reject);
      child.on('close', (c) => resolve({ code: c, stderr: err, firstLine: first }));
    });
    expect(firstLine).toBe('id,name,phone,zip,notes,outboundani,error,status');
    expect(code).toBe(2);
    expect(stderr).toContain('oiq-batch: cannot write stdout (EPIPE): the output is incomplete');
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});
