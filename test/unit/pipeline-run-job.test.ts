/**
 * The streaming job's own guarantees, with a scripted job and a slow in-memory sink: checkpoints claim
 * exactly the rows written (never rows that finished while the sink was busy), and a stop sends nothing
 * new, lets answers on their way arrive, and leaves abandoned rows unwritten for --resume.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { CsvRecord } from '../../src/csv/index.js';
import { AppError } from '../../src/errors.js';
import { RunCounters } from '../../src/pipeline/counters.js';
import { fingerprintInput, Journal, type Checkpoint } from '../../src/pipeline/journal.js';
import { runJob, type RowSink } from '../../src/pipeline/run-job.js';
import type { Job, ResultColumns, RowOutcome } from '../../src/pipeline/types.js';

const logger = pino({ level: 'silent' });
const columns: ResultColumns = { value: 1, error: 2, status: 3, inputWidth: 1, width: 4 };
const STATUSES = ['assigned', 'rejected', 'invalid', 'failed'];
const dialect = { delimiter: ',', recordDelimiter: '\n', excelSafe: false };

/** Records in batches of one, as a slow reader would hand them over. */
async function* records(n: number): AsyncGenerator<readonly CsvRecord[]> {
  for (let i = 0; i < n; i++) yield [{ fields: [String(i)], line: i + 2 }];
}

/** A sink that reads the rows back from their bytes, counts one "byte" per row, and yields to the event loop on every write and sync. */
function slowSink(): RowSink & { rows: string[][] } {
  const rows: string[][] = [];
  return {
    rows,
    async writeBytes(bytes) {
      // This test's cells need no quoting: lines split on LF, cells on commas.
      for (const line of bytes.toString('utf8').split('\n').slice(0, -1)) rows.push(line.split(','));
      await delay(1);
    },
    bytesWritten: () => rows.length,
    async sync() {
      await delay(1);
    },
  };
}

/** A job answering each row after a pseudo-random delay, so groups finish out of order. */
function scrambledJob(sent: number[], groupSize = 3): Job<number> {
  let seed = 7;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  return {
    prepare: (_fields, index) => ({ kind: 'send', payload: index }),
    groupSize: () => groupSize,
    async sendGroup(items) {
      for (const i of items) sent.push(i.index);
      await delay(Math.floor(next() * 4));
      return new Map<number, RowOutcome>(items.map((i) => [i.index, { status: 'assigned', value: `ani-${i.index}`, error: '' }]));
    },
  };
}

function journalIn(dir: string): Journal {
  const input = join(dir, 'in.csv');
  writeFileSync(input, 'x\n');
  return Journal.create(join(dir, '.out.csv.journal'), { command: 'assign', fingerprint: fingerprintInput(input), options: 'o' });
}

function checkpointsOf(dir: string): Checkpoint[] {
  return readFileSync(join(dir, '.out.csv.journal'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { c?: Checkpoint })
    .flatMap((e) => (e.c ? [e.c] : []));
}

describe('runJob', () => {
  it('every checkpoint claims exactly the rows in the sink, even as groups finish during writes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'oiq-runjob-'));
    const sink = slowSink();
    const journal = journalIn(dir);
    const stop = await runJob({
      records: records(3000),
      sink,
      dialect,
      columns,
      job: scrambledJob([]),
      limit: { current: () => 8 },
      counters: new RunCounters(STATUSES),
      logger,
      signal: new AbortController().signal,
      graceMs: 1000,
      journal,
      checkpointEveryMs: 0,
      bufferRows: 300,
    });
    journal.close();
    expect(stop).toBeUndefined();
    expect(sink.rows.map((r) => r[0])).toEqual(Array.from({ length: 3000 }, (_, i) => String(i)));
    const cps = checkpointsOf(dir);
    expect(cps.length).toBeGreaterThan(5);
    for (const cp of cps) expect(cp.bytes).toBe(cp.next); // one byte per row in this sink
    expect(cps.at(-1)!.next).toBe(3000);
  });

  it('a stop sends nothing new, keeps the answers that arrive within the grace period, and checkpoints what it wrote', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'oiq-runjob-'));
    const sink = slowSink();
    const journal = journalIn(dir);
    const sent: number[] = [];
    const controller = new AbortController();
    const job = scrambledJob(sent);
    let sentAtStop = -1;
    const inner = job.sendGroup.bind(job);
    job.sendGroup = async (items, ctx) => {
      if (sent.length >= 600 && !controller.signal.aborted) {
        sentAtStop = sent.length + items.length;
        controller.abort('SIGTERM');
      }
      return inner(items, ctx);
    };
    const counters = new RunCounters(STATUSES);
    const stop = await runJob({ records: records(3000), sink, dialect, columns, job, limit: { current: () => 4 }, counters, logger, signal: controller.signal, graceMs: 5000, journal, checkpointEveryMs: 0 });
    journal.close();
    expect(stop).toBeInstanceOf(AppError);
    expect(stop!.code).toBe('E_INTERRUPTED');
    expect(stop!.context.signal).toBe('SIGTERM');
    expect(sent.length).toBe(sentAtStop); // the group being sent when the signal came was the last
    // Everything sent was answered within the grace period; the rows before the first unsent one are written.
    expect(sink.rows.length).toBe(Math.min(...Array.from({ length: 3000 }, (_, i) => i).filter((i) => !sent.includes(i))));
    expect(counters.rows.total).toBe(sink.rows.length);
    expect(checkpointsOf(dir).at(-1)).toMatchObject({ next: sink.rows.length, bytes: sink.rows.length });
  });

  it('reads ahead one group per slot, no more, and refills a slot before its answer is written', async () => {
    let yielded = 0;
    async function* counted(n: number): AsyncGenerator<readonly CsvRecord[]> {
      for (let i = 0; i < n; i++) {
        yielded += 1;
        yield [{ fields: [String(i)], line: i + 2 }];
      }
    }
    const answers: (() => void)[] = [];
    const events: string[] = [];
    const job: Job<number> = {
      prepare: (_f, index) => ({ kind: 'send', payload: index }),
      groupSize: () => 5,
      sendGroup(items) {
        events.push(`send ${items[0]!.index}`);
        return new Promise((resolve) => answers.push(() => resolve(new Map(items.map((i) => [i.index, { status: 'assigned', value: 'a', error: '' }])))));
      },
    };
    // Told of each group's answers when the run takes them in, before their rows are built.
    const journal = { recordAnswers: (a: ReadonlyMap<number, RowOutcome>) => events.push(`answer ${Math.min(...a.keys())}`), checkpoint: async () => undefined } as unknown as Journal;
    const sink = slowSink();
    const run = runJob({ records: counted(40), sink, dialect, columns, job, limit: { current: () => 2 }, counters: new RunCounters(STATUSES), logger, signal: new AbortController().signal, graceMs: 1000, journal });
    while (answers.length < 2) await delay(1);
    await delay(20);
    // Two groups out, and three cut ahead (one per slot, and the one that made the reader wait).
    expect(yielded).toBe(25);
    expect(events).toEqual(['send 0', 'send 5']);
    answers.shift()!();
    while (answers.length < 2) await delay(1);
    expect(events).toEqual(['send 0', 'send 5', 'send 10', 'answer 0']);
    for (let i = 0; i < 7; i++) {
      while (answers.length === 0) await delay(1);
      answers.shift()!();
    }
    expect(await run).toBeUndefined();
    expect(sink.rows.map((r) => r[0])).toEqual(Array.from({ length: 40 }, (_, i) => String(i)));
  });

  it('rows abandoned when the grace period is over are not written: they stay for --resume', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'oiq-runjob-'));
    const sink = slowSink();
    const journal = journalIn(dir);
    const controller = new AbortController();
    const job: Job<number> = {
      prepare: (_f, index) => ({ kind: 'send', payload: index }),
      groupSize: () => 10,
      async sendGroup(items, ctx) {
        const first = items[0]!.index;
        if (first === 20) controller.abort('SIGINT');
        if (first >= 20) {
          // Never answered: only the hard abort (grace over) ends it.
          await new Promise((_resolve, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true }));
        }
        return new Map(items.map((i) => [i.index, { status: 'assigned', value: 'a', error: '' }]));
      },
    };
    const stop = await runJob({ records: records(100), sink, dialect, columns, job, limit: { current: () => 1 }, counters: new RunCounters(STATUSES), logger, signal: controller.signal, graceMs: 20, journal, checkpointEveryMs: 0 });
    journal.close();
    expect(stop!.context.signal).toBe('SIGINT');
    expect(sink.rows.map((r) => r[3])).toEqual(Array(20).fill('assigned'));
    expect(checkpointsOf(dir).at(-1)!.next).toBe(20);
    // Nothing about rows 20–29 reached the journal: a resume sends them again.
    expect(readFileSync(join(dir, '.out.csv.journal'), 'utf8')).not.toMatch(/\[2\d,"assigned"/);
  });
});
