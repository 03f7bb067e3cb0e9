/**
 * The resume journal: an append-only JSON-lines file beside the output, holding every answer received
 * (completed rows are not a contiguous prefix under concurrency) and periodic checkpoints of what the
 * partial output file holds. `--resume` reads it back so no answered row is sent twice.
 */
import { createHash } from 'node:crypto';
import { closeSync, fsync, fsyncSync, ftruncateSync, openSync, readSync, statSync, writeSync } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { AppError } from '../errors.js';
import { putBytes, putJsonString, putNumber } from '../json-bytes.js';
import type { CounterSnapshot } from './counters.js';
import type { RowOutcome } from './types.js';

const fsyncAsync = promisify(fsync);

const VERSION = 1;
const ANSWERS_OPEN = Buffer.from('{"a":[', 'latin1');
const ANSWERS_CLOSE = Buffer.from(']}\n', 'latin1');
const SAMPLE_BYTES = 1 << 20;

/** Identifies an input file cheaply: its size and hashes of its first and last MiB. */
export interface InputFingerprint {
  size: number;
  head: string;
  tail: string;
}

/** The journal's first line: what run it belongs to. */
export interface JournalHeader {
  v: number;
  command: string;
  fingerprint: InputFingerprint;
  /** Hash of the options that change what a row's answer means (columns, campaign, shard, …). */
  options: string;
}

/** What the partial output holds at a moment: rows before `next`, in `bytes` bytes, counted as `counters`. */
export interface Checkpoint {
  next: number;
  bytes: number;
  counters: CounterSnapshot;
}

/** What a resumed run starts from. */
export interface ResumeState {
  checkpoint: Checkpoint;
  /** Answers received for rows at or after the checkpoint. */
  answers: Map<number, RowOutcome>;
}

/** The journal's path for an output file (a stable name, so `--resume` finds it). */
export function journalPathFor(output: string): string {
  return join(dirname(output), `.${basename(output)}.journal`);
}

/** Fingerprints an input file so a resume refuses a different file. */
export function fingerprintInput(path: string): InputFingerprint {
  const { size } = statSync(path);
  const fd = openSync(path, 'r');
  try {
    const hashAt = (position: number) => {
      const buf = Buffer.alloc(Math.min(SAMPLE_BYTES, size));
      const n = readSync(fd, buf, 0, buf.length, position);
      return createHash('sha256').update(buf.subarray(0, n)).digest('hex');
    };
    return { size, head: hashAt(0), tail: hashAt(Math.max(0, size - SAMPLE_BYTES)) };
  } finally {
    closeSync(fd);
  }
}

/** Hashes the answer-relevant options into the header's `options`. */
export function hashOptions(options: unknown): string {
  return createHash('sha256').update(JSON.stringify(options)).digest('hex').slice(0, 16);
}

/**
 * An open journal: appends are synchronous single writes, so a line written is in the kernel's cache
 * and survives kill -9 whole. Against power loss, each checkpoint's fsync (every second) makes every
 * line before it durable; the answers of the last second at most could be lost and would be sent
 * again on --resume. An fsync after each group of answers, as this did before, cost 10% of a
 * zero-latency run's CPU (test/bench: 200 fsyncs per 200k rows) to narrow that second.
 */
export class Journal {
  private position = 0; // where the next line goes
  private line = Buffer.allocUnsafeSlow(64 * 1024);

  private constructor(
    readonly path: string,
    private fd: number,
  ) {}

  /** Starts a new journal (replacing any old one) with its header. */
  static create(path: string, header: Omit<JournalHeader, 'v'>): Journal {
    const fd = openSync(path, 'w');
    const journal = new Journal(path, fd);
    journal.append(`${JSON.stringify({ v: VERSION, ...header })}\n`);
    fsyncSync(fd);
    return journal;
  }

  /**
   * Reads a journal for `--resume`, checks it belongs to this input and these options, and reopens it
   * for appending after its last whole line (a line torn by a crash is cut off, so later lines stay readable).
   */
  static async resume(path: string, expected: Omit<JournalHeader, 'v'>): Promise<{ journal: Journal; state: ResumeState }> {
    const { state, wholeBytes } = await readJournal(path, expected);
    const fd = openSync(path, 'r+');
    ftruncateSync(fd, wholeBytes);
    const journal = new Journal(path, fd);
    journal.position = wholeBytes;
    return { journal, state };
  }

  /**
   * Appends the answers of one group: the line JSON.stringify({ a: [[row, status, value, error], …] })
   * would write, written straight into the line buffer (an array per answer and the line's text were a
   * twentieth of a run's allocation).
   */
  recordAnswers(entries: ReadonlyMap<number, RowOutcome>): void {
    if (entries.size === 0) return;
    let most = ANSWERS_OPEN.length + ANSWERS_CLOSE.length;
    // forEach, not for-of: destructuring each [row, outcome] entry allocated an array per row.
    entries.forEach((o) => (most += 32 + 6 * (o.status.length + o.value.length + o.error.length)));
    const buf = this.lineOfAtLeast(most);
    let at = putBytes(ANSWERS_OPEN, buf, 0);
    let first = true;
    entries.forEach((o, row) => {
      if (!first) buf[at++] = 0x2c; // ,
      first = false;
      buf[at++] = 0x5b; // [
      at = putNumber(row, buf, at);
      buf[at++] = 0x2c;
      at = putJsonString(o.status, buf, at);
      buf[at++] = 0x2c;
      at = putJsonString(o.value, buf, at);
      buf[at++] = 0x2c;
      at = putJsonString(o.error, buf, at);
      buf[at++] = 0x5d; // ]
    });
    this.appendBytes(buf, putBytes(ANSWERS_CLOSE, buf, at));
  }

  /**
   * Appends a checkpoint and makes the journal durable. The fsync runs off the main thread: a
   * synchronous one held up every answer arriving meanwhile (5–20 ms a checkpoint on a shared disk),
   * and answers may still be appended while it runs (a line written before it completes is covered).
   */
  async checkpoint(cp: Checkpoint): Promise<void> {
    this.append(`${JSON.stringify({ c: cp })}\n`);
    await fsyncAsync(this.fd);
  }

  /** Writes a whole line at the end, encoded into the line buffer. */
  private append(line: string): void {
    const buf = this.lineOfAtLeast(3 * line.length); // UTF-8 needs at most 3 bytes per UTF-16 unit
    this.appendBytes(buf, buf.write(line, 0, 'utf8'));
  }

  /**
   * The line buffer, kept from line to line and grown as needed: a buffer per line (~40 KB for a group of
   * a thousand answers) was malloc churn that glibc kept resident.
   */
  private lineOfAtLeast(bytes: number): Buffer {
    if (bytes > this.line.length) this.line = Buffer.allocUnsafeSlow(Math.max(bytes, 2 * this.line.length));
    return this.line;
  }

  /** Writes buf[0, length) at the end (explicit positions: the file may have been cut back on resume). */
  private appendBytes(buf: Buffer, length: number): void {
    let done = 0;
    while (done < length) done += writeSync(this.fd, buf, done, length - done, this.position + done);
    this.position += length;
  }

  /** Closes the journal, keeping it for a later `--resume`. */
  close(): void {
    if (this.fd < 0) return;
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.fd = -1;
  }

  /** Closes and deletes the journal: the run is complete. */
  async remove(): Promise<void> {
    this.close();
    await rm(this.path, { force: true });
  }
}

/** Reads the journal's whole lines (a torn last line is ignored); `wholeBytes` is where they end. */
async function readJournal(path: string, expected: Omit<JournalHeader, 'v'>): Promise<{ state: ResumeState; wholeBytes: number }> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch {
    throw new AppError('E_RESUME', `nothing to resume: no journal at ${path} (run without --resume to start afresh)`, { path });
  }
  let header: JournalHeader | undefined;
  let checkpoint: Checkpoint | undefined;
  const answers = new Map<number, RowOutcome>();
  let wholeBytes = 0;
  const take = (line: string): boolean => {
    let entry: { a?: [number, string, string, string][]; c?: Checkpoint } & Partial<JournalHeader>;
    try {
      entry = JSON.parse(line);
    } catch {
      return false; // cannot happen for a line we wrote whole; stop trusting the file here
    }
    if (!header) {
      header = entry as JournalHeader;
      checkHeader(path, header, expected);
    } else if (entry.c) {
      checkpoint = entry.c;
      for (const i of answers.keys()) if (i < checkpoint.next) answers.delete(i);
    } else if (entry.a) {
      for (const [i, status, value, error] of entry.a) {
        if (!checkpoint || i >= checkpoint.next) answers.set(i, { status, value, error });
      }
    }
    return true;
  };
  try {
    let carry = Buffer.alloc(0);
    read: for await (const chunk of handle.createReadStream({ highWaterMark: 1 << 20 })) {
      let buf = carry.length > 0 ? Buffer.concat([carry, chunk as Buffer]) : (chunk as Buffer);
      for (let nl = buf.indexOf(10); nl !== -1; nl = buf.indexOf(10)) {
        if (nl > 0 && !take(buf.toString('utf8', 0, nl))) break read;
        wholeBytes += nl + 1;
        buf = buf.subarray(nl + 1);
      }
      carry = Buffer.from(buf);
    }
  } finally {
    await handle.close();
  }
  if (!header) throw new AppError('E_RESUME', `cannot resume: the journal ${path} is empty`, { path });
  return { state: { checkpoint: checkpoint ?? { next: 0, bytes: 0, counters: emptyCounters() }, answers }, wholeBytes };
}

function checkHeader(path: string, header: JournalHeader, expected: Omit<JournalHeader, 'v'>): void {
  if (header.v !== VERSION || header.command !== expected.command) {
    throw new AppError('E_RESUME', `cannot resume: ${path} was written by another command or version`, { path });
  }
  const a = header.fingerprint;
  const b = expected.fingerprint;
  if (a.size !== b.size || a.head !== b.head || a.tail !== b.tail) {
    throw new AppError('E_RESUME', `cannot resume: the input is not the file this run started with (size or content changed); run without --resume to start afresh`, { path });
  }
  if (header.options !== expected.options) {
    throw new AppError('E_RESUME', `cannot resume: column mapping, campaign, shard or other row options differ from the interrupted run`, { path });
  }
}

function emptyCounters(): CounterSnapshot {
  return { rows: { total: 0 }, errors: {}, warnings: {}, requests: { sent: 0, retries: 0, ambiguousRetries: 0, byStatus: {} } };
}
