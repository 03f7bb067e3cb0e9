/**
 * Interrupted runs through the built CLI, resumed with `--resume`: kill -9, SIGTERM, SIGINT, a second
 * signal, and an API that goes down (exit 4). Each resumed file must equal, byte for byte, the file an
 * uninterrupted run writes — apart from the ANIs themselves, which depend on the API's rotation
 * counters — and re-send no more rows than were in flight.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempPathFor } from '../../src/csv/writer.js';
import { journalPathFor } from '../../src/pipeline/journal.js';
import { startSimulator, type RunningSimulator, type SimulatorFaults } from '../../src/simulator/index.js';
import { runCli, simEnv, tempDir, type CliResult } from './harness.js';
import { checkEnriched, countDuplicates, expectSummaryMatches, goodLeads, makeLeadsCsv, readText, writeText, type LeadKind } from './reliability-support.js';

const ROWS = 4000;
const BATCH = 50;
const CONCURRENCY = 4;
const SEED = 31;
const LATENCY: SimulatorFaults = { latencyMs: 20 };

/** A few rows the API refuses and a few never sent. */
const KINDS: LeadKind[] = Array.from({ length: ROWS }, (_, i) => (i % 97 === 5 ? 'api-invalid' : i % 89 === 7 ? 'invalid' : 'good'));

/** A spreadsheet-style file: BOM, CRLF, quoted notes. */
function leadsFile(): string {
  return `\uFEFF${makeLeadsCsv(KINDS).replace(/\n/g, '\r\n')}`;
}

/** The file with every ANI replaced by a placeholder: what must be byte-for-byte identical. */
function withoutAnis(text: string): string {
  return text.replace(/,\d{10},,assigned\r\n/g, ',ANI,,assigned\r\n');
}

const args = (input: string, output: string, ...more: string[]) => ['assign', input, '-o', output, '--batch-size', String(BATCH), '--concurrency', String(CONCURRENCY), '--progress', 'off', ...more];

/** The file an uninterrupted run writes, from a fresh simulator with the same seed. */
async function uninterrupted(csv: string): Promise<string> {
  const sim = await startSimulator({ seed: SEED });
  try {
    const dir = tempDir();
    const input = writeText(join(dir, 'leads.csv'), csv);
    const output = join(dir, 'leads.enriched.csv');
    const r = await runCli(args(input, output), { env: simEnv(sim.url) });
    expect(r.code).toBe(0);
    return readText(output);
  } finally {
    await sim.close();
  }
}

/** Runs the CLI and calls `act` with the child once the simulator has received `leads` leads. */
function runUntil(sim: RunningSimulator, cliArgs: string[], leads: number, act: (child: ChildProcess) => void, env = simEnv(sim.url)): Promise<CliResult & { actedAt: number }> {
  let actedAt = 0;
  let timer: NodeJS.Timeout | undefined;
  return runCli(cliArgs, {
    env,
    onSpawn: (child) => {
      timer = setInterval(() => {
        if (sim.stats().leadsReceived >= leads) {
          clearInterval(timer);
          actedAt = Date.now();
          act(child);
        }
      }, 2);
    },
  }).then((r) => {
    clearInterval(timer);
    return { ...r, actedAt };
  });
}

/** Resumes, then checks the file against the input, its summary, and the uninterrupted run's file. */
async function resumeAndCheck(sim: RunningSimulator, csv: string, input: string, output: string, expected: string): Promise<void> {
  const r = await runCli(args(input, output, '--resume'), { env: simEnv(sim.url) });
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.code).toBe(0);
  const text = readText(output);
  const rows = checkEnriched(csv, text);
  const summary = JSON.parse(readText(`${output}.summary.json`));
  expect(summary.resumed).toBe(true);
  expectSummaryMatches(summary, rows);
  expect(withoutAnis(text)).toBe(withoutAnis(expected));
  expect(existsSync(journalPathFor(output))).toBe(false);
  expect(existsSync(tempPathFor(output))).toBe(false);
}

describe('interrupted runs resume to the uninterrupted file', async () => {
  const csv = leadsFile();
  const expected = await uninterrupted(csv);
  const sendable = KINDS.filter((k) => k !== 'invalid').length;
  const good = KINDS.filter((k) => k === 'good').length;

  it('kill -9 mid-run: --resume completes it, re-sending no more rows than were in flight', async () => {
    const sim = await startSimulator({ seed: SEED, faults: LATENCY });
    try {
      const dir = tempDir();
      const input = writeText(join(dir, 'leads.csv'), csv);
      const output = join(dir, 'leads.enriched.csv');
      const killed = await runUntil(sim, args(input, output), 1500, (child) => child.kill('SIGKILL'));
      expect(killed.signal).toBe('SIGKILL');
      expect(existsSync(output)).toBe(false);
      expect(existsSync(journalPathFor(output))).toBe(true);
      await resumeAndCheck(sim, csv, input, output, expected);
      const stats = sim.stats();
      expect(stats.leadsReceived - sendable).toBeLessThanOrEqual(CONCURRENCY * BATCH);
      expect(countDuplicates(stats.processedByPhone)).toBeLessThanOrEqual(CONCURRENCY * BATCH);
    } finally {
      await sim.close();
    }
  });

  for (const [signal, code] of [['SIGTERM', 143], ['SIGINT', 130]] as const) {
    it(`${signal} mid-run: exit ${code} within the grace period after flushing; --resume sends no row twice`, async () => {
      const sim = await startSimulator({ seed: SEED, faults: LATENCY });
      try {
        const dir = tempDir();
        const input = writeText(join(dir, 'leads.csv'), csv);
        const output = join(dir, 'leads.enriched.csv');
        const stopped = await runUntil(sim, args(input, output), 1500, (child) => child.kill(signal));
        const exitedAt = Date.now();
        expect(stopped.stderr).not.toMatch(/\n\s+at /);
        expect(stopped.code).toBe(code);
        expect(exitedAt - stopped.actedAt).toBeLessThan(10_000);
        expect(stopped.stderr).toContain('stopped: interrupted; run the same command with --resume to continue');
        const summary = JSON.parse(readText(`${output}.summary.json`));
        expect(summary.exitCode).toBe(code);
        expect(summary.rows.failed).toBe(0);
        await resumeAndCheck(sim, csv, input, output, expected);
        // In-flight batches were answered within the grace period: every lead was sent exactly once.
        expect(sim.stats().leadsReceived).toBe(sendable);
        expect(countDuplicates(sim.stats().processedByPhone)).toBe(0);
      } finally {
        await sim.close();
      }
    });
  }

  it('a second signal exits at once, even with requests hanging; the run still resumes', async () => {
    const sim = await startSimulator({ seed: SEED, faults: LATENCY });
    try {
      const dir = tempDir();
      const input = writeText(join(dir, 'leads.csv'), csv);
      const output = join(dir, 'leads.enriched.csv');
      const stopped = await runUntil(sim, args(input, output, '--timeout-ms', '60000'), 1500, (child) => {
        sim.setFaults({ ...LATENCY, hangRate: 1 }); // nothing in flight will ever be answered
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGTERM'), 300);
      });
      expect(stopped.code).toBe(143);
      expect(Date.now() - stopped.actedAt).toBeLessThan(10_000);
      sim.setFaults(LATENCY);
      await resumeAndCheck(sim, csv, input, output, expected);
    } finally {
      await sim.close();
    }
  });

  it('the API goes down: exit 4 within --unavailable-after-ms, no row failed; --resume once it is back sends each lead once', async () => {
    const sim = await startSimulator({ seed: SEED, faults: LATENCY });
    try {
      const dir = tempDir();
      const input = writeText(join(dir, 'leads.csv'), csv);
      const output = join(dir, 'leads.enriched.csv');
      const down = await runUntil(sim, args(input, output, '--unavailable-after-ms', '500'), 1500, () => sim.setFaults({ ...LATENCY, down: true }));
      expect(down.stderr).not.toMatch(/\n\s+at /);
      expect(down.code).toBe(4);
      expect(down.stderr).toMatch(/stopped: the API has been unavailable for \d+s \(last: 503 Service Unavailable\)/);
      const summary = JSON.parse(readText(`${output}.summary.json`));
      expect(summary.exitCode).toBe(4);
      expect(summary.rows.failed).toBe(0);
      sim.setFaults(LATENCY);
      await resumeAndCheck(sim, csv, input, output, expected);
      // A 503 is never processed: across both runs every good lead was acted on exactly once.
      expect(sim.stats().leadsProcessed).toBe(good);
      expect(countDuplicates(sim.stats().processedByPhone)).toBe(0);
    } finally {
      await sim.close();
    }
  });

  it('--resume refuses another input (exit 2, says why) and keeps the interrupted run resumable', async () => {
    const sim = await startSimulator({ seed: SEED, faults: LATENCY });
    try {
      const dir = tempDir();
      const input = writeText(join(dir, 'leads.csv'), csv);
      const output = join(dir, 'leads.enriched.csv');
      await runUntil(sim, args(input, output), 1000, (child) => child.kill('SIGKILL'));
      writeText(input, goodLeads(ROWS));
      const refused = await runCli(args(input, output, '--resume'), { env: simEnv(sim.url) });
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain('cannot resume: the input is not the file this run started with');
      expect(refused.stderr).not.toMatch(/\n\s+at /);
      writeText(input, csv);
      await resumeAndCheck(sim, csv, input, output, expected);
    } finally {
      await sim.close();
    }
  });
});
