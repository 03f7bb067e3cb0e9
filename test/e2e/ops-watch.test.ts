/** The drop folder end to end: `watch` as real processes on a real folder, against the simulator. */
import { type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync, renameSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { gzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../src/simulator/index.js';
import { FIXTURES, runCli, simEnv, tempDir } from './harness.js';

const AREA_CODES = ['212', '718', '310', '415', '305', '312', '713', '214', '512', '619'];
let sims: RunningSimulator[] = [];
afterEach(async () => {
  for (const s of sims) await s.close();
  sims = [];
});
async function simulator(latencyMs = 0): Promise<RunningSimulator> {
  const sim = await startSimulator({ port: 0, seed: 3, faults: { latencyMs } });
  sims.push(sim);
  return sim;
}

/** A lead file whose phones are all distinct across files (area code per file, 555-01xx/555-xxxx lines). */
function leads(file: number, rows: number): string {
  const ac = AREA_CODES[file % AREA_CODES.length]!;
  const lines = ['name,phone,zip'];
  for (let i = 0; i < rows; i++) lines.push(`Person ${file}-${i},${ac}555${String(1000 * Math.floor(file / AREA_CODES.length) + i).padStart(4, '0')},`);
  return `${lines.join('\n')}\n`;
}

/** Every regular file under a folder, relative path → bytes (hidden files included). */
function snapshot(root: string, dir = ''): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const name of readdirSync(join(root, dir))) {
    const rel = dir ? `${dir}/${name}` : name;
    if (statSync(join(root, rel)).isDirectory()) for (const [k, v] of snapshot(root, rel)) out.set(k, v);
    else out.set(rel, readFileSync(join(root, rel)));
  }
  return out;
}

async function waitFor(what: string, check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

const dataRows = (path: string) => (parse(readFileSync(path), { bom: true, relax_column_count: true }) as string[][]).slice(1);

describe('watch --once on a drop folder', () => {
  it('two good files and one bad: two enriched files, the bad one in failed/ with its reason, inbox empty, nothing deleted', async () => {
    const sim = await simulator();
    const root = tempDir('oiq-watch-');
    const inbox = join(root, 'inbox');
    const outbox = join(root, 'outbox');
    mkdirSync(inbox);
    const sources = new Map<string, Buffer>([
      ['crm-export.csv', readFileSync(join(FIXTURES, 'leads-demo.csv'))],
      ['dialer.tsv.gz', gzipSync(readFileSync(join(FIXTURES, 'leads-basic.tsv')))],
      ['broken.csv', readFileSync(join(FIXTURES, 'unclosed-quote.csv'))],
    ]);
    for (const [name, bytes] of sources) writeFileSync(join(inbox, name), bytes);
    writeFileSync(join(inbox, '.uploading.csv'), 'name,phone\n'); // hidden: still being uploaded
    writeFileSync(join(inbox, 'next.csv.part'), 'name,phone\n'); // a temporary upload name

    const r = await runCli(['watch', inbox, '--outbox', outbox, '--once', '--settle-ms', '50', '--progress', 'off'], { env: simEnv(sim.url) });
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.code).toBe(2); // the worst file's: the bad one

    expect(readdirSync(outbox).sort()).toEqual(['crm-export.enriched.csv', 'crm-export.enriched.csv.summary.json', 'dialer.enriched.tsv', 'dialer.enriched.tsv.summary.json']);
    expect(dataRows(join(outbox, 'crm-export.enriched.csv')).length).toBe(200);
    expect(JSON.parse(readFileSync(join(outbox, 'dialer.enriched.tsv.summary.json'), 'utf8')).rows).toMatchObject({ total: 3, assigned: 3 });
    const reason = readFileSync(join(inbox, 'failed', 'broken.csv.reason.txt'), 'utf8');
    expect(reason).toMatch(/^exit 2: broken\.csv: unclosed quote in the record starting at line 4/);
    expect(reason).not.toContain('.claimed');

    // Nothing left waiting (the temporary names are not lead files), nothing deleted, nothing changed.
    const after = snapshot(inbox);
    expect([...after.keys()].sort()).toEqual(['.uploading.csv', 'done/crm-export.csv', 'done/dialer.tsv.gz', 'failed/broken.csv', 'failed/broken.csv.reason.txt', 'next.csv.part']);
    expect(after.get('done/crm-export.csv')!.equals(sources.get('crm-export.csv')!)).toBe(true);
    expect(after.get('done/dialer.tsv.gz')!.equals(sources.get('dialer.tsv.gz')!)).toBe(true);
    expect(after.get('failed/broken.csv')!.equals(sources.get('broken.csv')!)).toBe(true);
    expect(readdirSync(join(inbox, '.claimed'))).toEqual([]); // the watcher's claim folder is gone with it
  });

  it('two watchers started together on one inbox process every file exactly once', async () => {
    const sim = await simulator(15);
    const root = tempDir('oiq-watch-');
    const inbox = join(root, 'inbox');
    const outbox = join(root, 'outbox');
    mkdirSync(inbox);
    const FILES = 8;
    const ROWS = 40;
    for (let f = 0; f < FILES; f++) writeFileSync(join(inbox, `drop-${f}.csv`), leads(f, ROWS));
    const args = ['watch', inbox, '--outbox', outbox, '--once', '--settle-ms', '300', '--batch-size', '10', '--progress', 'off'];
    const [a, b] = await Promise.all([runCli(args, { env: simEnv(sim.url) }), runCli(args, { env: simEnv(sim.url) })]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);

    expect(readdirSync(join(inbox, 'done')).sort()).toEqual(Array.from({ length: FILES }, (_, f) => `drop-${f}.csv`).sort());
    expect(readdirSync(outbox).filter((n) => n.endsWith('.enriched.csv')).length).toBe(FILES);
    const stats = sim.stats();
    expect(stats.leadsProcessed).toBe(FILES * ROWS);
    expect(stats.processedByPhone.size).toBe(FILES * ROWS);
    for (const [phone, times] of stats.processedByPhone) expect(times, phone).toBe(1);
    // Which watcher took which file is up to the race; together they took each file once.
    const owners = new Set(readdirSync(outbox).filter((n) => n.endsWith('.summary.json')).map((n) => /\.claimed\/([^/]+)\//.exec(JSON.parse(readFileSync(join(outbox, n), 'utf8')).input)?.[1]));
    expect(owners.size).toBeGreaterThanOrEqual(1);
    expect(owners.size).toBeLessThanOrEqual(2);
  });
});

describe('watch survives restarts', () => {
  const ROWS = 3_000;
  const setup = async () => {
    const sim = await simulator(40);
    const root = tempDir('oiq-watch-');
    const inbox = join(root, 'inbox');
    const outbox = join(root, 'outbox');
    mkdirSync(inbox);
    writeFileSync(join(inbox, 'big.csv'), leads(0, ROWS));
    const journal = join(outbox, '.big.enriched.csv.journal');
    const args = ['watch', inbox, '--outbox', outbox, '--settle-ms', '0', '--batch-size', '20', '--concurrency', '2', '--progress', 'off', '--grace-ms', '5000'];
    return { sim, inbox, outbox, journal, args };
  };
  /** Starts the watcher and stops it with `signal` once it has answers in its journal. */
  const interrupt = async (args: string[], env: Record<string, string | undefined>, journal: string, signal: NodeJS.Signals) => {
    let child: ChildProcess | undefined;
    const running = runCli(args, { env, onSpawn: (c) => (child = c) });
    await waitFor('answers in the journal', () => existsSync(journal) && readFileSync(journal, 'utf8').split('\n').length > 10);
    child!.kill(signal);
    return running;
  };

  it('a watcher killed mid-file (SIGKILL) leaves it claimed; the next start adopts and resumes it without re-sending answered rows', async () => {
    const { sim, inbox, outbox, journal, args } = await setup();
    const env = simEnv(sim.url);
    const killed = await interrupt([...args, '--once'], env, journal, 'SIGKILL');
    expect(killed.signal).toBe('SIGKILL');
    const [owner] = readdirSync(join(inbox, '.claimed'));
    expect(readdirSync(join(inbox, '.claimed', owner!)).sort()).toEqual(['.alive', 'big.csv']); // its heartbeat stays: it died
    expect(existsSync(join(inbox, 'big.csv'))).toBe(false);
    const sentBefore = sim.stats().leadsProcessed;
    expect(sentBefore).toBeGreaterThan(0);
    expect(sentBefore).toBeLessThan(ROWS);

    const resumed = await runCli([...args, '--once', '--log-level', 'info'], { env });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain('adopted a file claimed by a watcher that is gone');
    expect(resumed.stderr).toContain('resuming an interrupted run');
    expect(readdirSync(join(inbox, 'done'))).toEqual(['big.csv']);
    expect(readdirSync(join(inbox, '.claimed'))).toEqual([]);
    const summary = JSON.parse(readFileSync(join(outbox, 'big.enriched.csv.summary.json'), 'utf8'));
    expect(summary.resumed).toBe(true);
    expect(summary.rows).toMatchObject({ total: ROWS, failed: 0 });
    const rows = dataRows(join(outbox, 'big.enriched.csv'));
    expect(rows.map((r) => r[0])).toEqual(Array.from({ length: ROWS }, (_, i) => `Person 0-${i}`));
    // Only rows that were in flight when it died may have been sent twice (at most concurrency × batch size).
    const stats = sim.stats();
    expect(stats.processedByPhone.size).toBe(ROWS);
    expect(stats.leadsProcessed).toBeLessThanOrEqual(ROWS + 2 * 20);
  });

  it('a long-running watcher stops on SIGTERM with 143, releasing its claim; the next start resumes the file', async () => {
    const { sim, inbox, outbox, journal, args } = await setup();
    const metrics = join(outbox, '..', 'watch.prom');
    const env = simEnv(sim.url);
    const stopped = await interrupt([...args, '--poll-ms', '50', '--metrics-file', metrics], env, journal, 'SIGTERM');
    expect(stopped.code).toBe(143);
    const [owner] = readdirSync(join(inbox, '.claimed'));
    expect(readdirSync(join(inbox, '.claimed', owner!))).toEqual(['big.csv']); // heartbeat removed: adoptable at once
    expect(existsSync(journal)).toBe(true);

    const resumed = await runCli([...args, '--once', '--metrics-file', metrics], { env });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(readdirSync(join(inbox, 'done'))).toEqual(['big.csv']);
    expect(JSON.parse(readFileSync(join(outbox, 'big.enriched.csv.summary.json'), 'utf8')).rows).toMatchObject({ total: ROWS, failed: 0 });
    expect(sim.stats().processedByPhone.size).toBe(ROWS);
    const prom = readFileSync(metrics, 'utf8');
    expect(prom).toContain('oiq_batch_exit_code{command="watch"} 0');
    expect(prom).toMatch(/oiq_batch_last_success_timestamp_seconds\{command="watch"\} \d/);
  });

  it('a long-running watcher picks up files dropped while it runs (renamed into place) and exits 143 on SIGTERM when idle', async () => {
    const sim = await simulator();
    const root = tempDir('oiq-watch-');
    const inbox = join(root, 'inbox');
    const outbox = join(root, 'outbox');
    mkdirSync(inbox);
    let child: ChildProcess | undefined;
    const running = runCli(['watch', inbox, '--outbox', outbox, '--poll-ms', '50', '--settle-ms', '100', '--progress', 'off'], { env: simEnv(sim.url), onSpawn: (c) => (child = c) });
    await waitFor('the watcher to start', () => existsSync(join(inbox, 'done')));
    for (const f of [0, 1]) {
      writeFileSync(join(inbox, `.drop-${f}.csv.tmp`), leads(f, 25)); // uploaded under a temporary name…
      renameSync(join(inbox, `.drop-${f}.csv.tmp`), join(inbox, `drop-${f}.csv`)); // …then renamed into place
      await waitFor(`drop-${f}.csv to be done`, () => existsSync(join(inbox, 'done', `drop-${f}.csv`)));
    }
    child!.kill('SIGTERM');
    const r = await running;
    expect(r.code).toBe(143);
    expect(readdirSync(outbox).filter((n) => n.endsWith('.enriched.csv')).sort()).toEqual(['drop-0.enriched.csv', 'drop-1.enriched.csv']);
    expect(readdirSync(join(inbox, '.claimed'))).toEqual([]);
    expect(sim.stats().leadsProcessed).toBe(50);
  });
});
