/**
 * The rows between reading and writing, in input order. A row's output line is encoded once, when it is
 * read: its cells as they will be written, with the three result cells left open when the row waits for
 * an answer. The answer is kept beside it when it comes, and rows leave, completed, in input order once
 * every row before them has finished.
 *
 * Nothing per row is kept as an object. The bytes sit in chunks that are reused once written; the rest
 * sits in typed arrays and string slots of a ring indexed by row (it doubles when a row is staged
 * further ahead than it spans). Rows waiting for their answer (eight batches of a thousand) used to
 * hold their parsed fields and their output arrays, which outlived young-generation collections: most
 * of a run's collection time and a large part of its peak memory.
 */
import { ByteChunks, copyBytes } from '../byte-chunks.js';
import { createCellEncoder, maxCellBytes, type CellEncoder, type RowTextDialect } from '../csv/row-text.js';
import type { ResultColumns, RowOutcome } from './types.js';

/** How rows are written: the cell dialect and the line ending. */
export interface RowDialect extends RowTextDialect {
  recordDelimiter: string;
}

/** What is done with a row when its turn to be written comes. */
export interface StagedRowsOptions {
  dialect: RowDialect;
  columns: ResultColumns;
  /** The first row's index (a resumed run starts after its checkpoint). */
  firstIndex?: number;
  /** The ring's starting span (a power of two). */
  capacity?: number;
  /** Encode nothing (a dry run writes no file): rows are still ordered and counted. */
  discard?: boolean;
}

/** Receives the rows leaving in order: their bytes (copied before it returns) and what to count. */
export interface StagedRowsTarget {
  writeBytes(bytes: Buffer): Promise<void>;
  countRow(status: string, error: string, warning: string | undefined): void;
}

const OUT_BYTES = 64 * 1024;

// A slot's state.
const EMPTY = 0; // nothing staged at this index (yet)
const OPEN = 1; // staged with its result cells open, waiting for its answer
const ANSWERED = 2; // open, and its answer has come: the result cells go into its holes
const COMPLETE = 3; // staged complete (a row that needed no answer)
const NO_OUTPUT = 4; // finished without output (another shard's row)

/** Which result cell a column holds. */
const VALUE = 0;
const ERROR = 1;
const STATUS = 2;
const POSITION = 3;
const INPUT = -1;

/** Rows between reading and writing (see the module comment). */
export class StagedRows {
  private readonly encodeCell: CellEncoder;
  private readonly delimiter: Buffer;
  private readonly recordDelimiter: Buffer;
  private readonly columns: ResultColumns;
  private readonly discard: boolean;
  /** What each output column holds: INPUT or a result cell. */
  private readonly roles: Int8Array;
  /** The result cells' roles in the order their columns come. */
  private readonly holeOrder: readonly number[];

  // The ring, indexed by row & mask.
  private mask: number;
  private state: Uint8Array;
  private chunkOf: (Buffer | undefined)[];
  private start: Int32Array;
  private end: Int32Array;
  /** Where each open result cell goes (offsets in the chunk), in holeOrder. */
  private holes: Int32Array;
  private status: (string | undefined)[];
  private value: (string | undefined)[];
  private error: (string | undefined)[];
  private warning: (string | undefined)[];

  private next: number; // the first row not yet written
  private staged: number; // the row after the last one staged
  private finishedNext: number; // the first row not finished (every row before it is finished)

  private readonly bytes = new ByteChunks();
  private out: Buffer = Buffer.allocUnsafe(OUT_BYTES);

  constructor(options: StagedRowsOptions) {
    const { columns } = options;
    this.columns = columns;
    this.discard = options.discard === true;
    this.encodeCell = createCellEncoder(options.dialect);
    this.delimiter = Buffer.from(options.dialect.delimiter, 'utf8');
    this.recordDelimiter = Buffer.from(options.dialect.recordDelimiter, 'utf8');
    this.roles = new Int8Array(columns.width).fill(INPUT);
    this.roles[columns.value] = VALUE;
    this.roles[columns.error] = ERROR;
    this.roles[columns.status] = STATUS;
    if (columns.position !== undefined) this.roles[columns.position] = POSITION;
    this.holeOrder = [VALUE, ERROR, STATUS].sort((a, b) => this.columnOf(a) - this.columnOf(b));
    this.next = this.staged = this.finishedNext = options.firstIndex ?? 0;
    const capacity = options.capacity ?? 1024;
    this.mask = capacity - 1;
    this.state = new Uint8Array(capacity);
    this.chunkOf = new Array<Buffer | undefined>(capacity);
    this.start = new Int32Array(capacity);
    this.end = new Int32Array(capacity);
    this.holes = new Int32Array(3 * capacity);
    this.status = new Array<string | undefined>(capacity);
    this.value = new Array<string | undefined>(capacity);
    this.error = new Array<string | undefined>(capacity);
    this.warning = new Array<string | undefined>(capacity);
  }

  /** Stages a row that waits for its answer: its cells encoded, its result cells open. */
  stageOpen(index: number, fields: readonly string[], warning: string | undefined): void {
    const slot = this.claim(index, OPEN);
    this.warning[slot] = warning;
    this.encode(slot, index, fields, undefined, true);
  }

  /** Stages a row already complete: with `outcome`'s result cells, or (none) its own cells as read. */
  stageFinished(index: number, fields: readonly string[], outcome: RowOutcome | undefined, status: string, error: string, warning: string | undefined): void {
    const slot = this.claim(index, COMPLETE);
    this.status[slot] = status;
    this.error[slot] = error;
    this.warning[slot] = warning;
    this.encode(slot, index, fields, outcome, false);
    this.advanceFinished();
  }

  /** Marks a row that is not part of this output (another shard's). */
  skip(index: number): void {
    this.claim(index, NO_OUTPUT);
    this.advanceFinished();
  }

  /** Completes an open row with its answer. */
  finish(index: number, outcome: RowOutcome): void {
    const slot = index & this.mask;
    if (index < this.next || index >= this.staged || this.state[slot] !== OPEN) {
      throw new Error(`row ${index} is not waiting for an answer (finished twice, or never staged)`);
    }
    this.state[slot] = ANSWERED;
    this.status[slot] = outcome.status;
    this.value[slot] = outcome.value;
    this.error[slot] = outcome.error;
    if (index === this.finishedNext) this.advanceFinished();
  }

  /** Rows staged and not yet written. */
  buffered(): number {
    return this.staged - this.next;
  }

  /** Rows finished in order and not yet written. */
  readyCount(): number {
    return this.finishedNext - this.next;
  }

  /** The first row not yet written: every row before it has been handed to the target. */
  writtenNext(): number {
    return this.next;
  }

  /**
   * Hands every row finished in order to `target`, completed: one call of `writeBytes` per ~64 KiB,
   * each awaited (back-pressure). Rows are taken as they are encoded, so `writtenNext()` is exact
   * whenever the returned promise settles.
   */
  async writeReady(target: StagedRowsTarget): Promise<void> {
    while (this.next < this.finishedNext) {
      let n = 0;
      while (this.next < this.finishedNext) {
        const slot = this.next & this.mask;
        if (this.state[slot] !== NO_OUTPUT) {
          const room = this.discard ? 0 : this.bytesOf(slot);
          if (n > 0 && n + room > this.out.length) break;
          if (room > this.out.length) this.out = Buffer.allocUnsafe(room); // a record larger than a chunk
          if (!this.discard) n = this.complete(slot, n);
          target.countRow(this.status[slot]!, this.error[slot]!, this.warning[slot]);
        }
        this.release(slot);
        this.next += 1;
      }
      if (n > 0) await target.writeBytes(this.out.subarray(0, n));
      if (this.out.length > OUT_BYTES) this.out = Buffer.allocUnsafe(OUT_BYTES);
    }
  }

  /** The column of a result cell. */
  private columnOf(role: number): number {
    return role === VALUE ? this.columns.value : role === ERROR ? this.columns.error : this.columns.status;
  }

  /** Takes the slot of the next row to stage (rows are staged in input order). */
  private claim(index: number, state: number): number {
    if (index !== this.staged) throw new Error(`row ${index} staged out of order (expected ${this.staged})`);
    if (index - this.next >= this.state.length) this.grow();
    const slot = index & this.mask;
    this.state[slot] = state;
    this.staged = index + 1;
    return slot;
  }

  /** Moves `finishedNext` past every finished row. */
  private advanceFinished(): void {
    while (this.finishedNext < this.staged) {
      const s = this.state[this.finishedNext & this.mask];
      if (s === EMPTY || s === OPEN) break;
      this.finishedNext += 1;
    }
  }

  /**
   * Encodes a row's output line (without its line ending) into the current chunk: `outcome`'s result
   * cells, or open ones (`open`), or the row's own cells. Extra fields of a row longer than the header
   * follow the result cells, as they always have: misaligned data is kept, never dropped.
   */
  private encode(slot: number, index: number, fields: readonly string[], outcome: RowOutcome | undefined, open: boolean): void {
    if (this.discard) return;
    const { width, inputWidth } = this.columns;
    const position = this.columns.position === undefined ? '' : String(index);
    let most = (width + fields.length) * (this.delimiter.length + 3) + 3 * position.length;
    for (let i = 0; i < fields.length; i++) most += 3 * fields[i]!.length;
    if (outcome) most += maxCellBytes(outcome.value) + maxCellBytes(outcome.error) + maxCellBytes(outcome.status);
    const buf = this.bytes.room(most);
    let at = this.bytes.start();
    this.chunkOf[slot] = buf;
    this.start[slot] = at;
    let hole = 3 * slot;
    for (let c = 0; c < width; c++) {
      if (c > 0) at = this.putDelimiter(buf, at);
      const role = this.roles[c]!;
      let cell: string;
      if (role === INPUT || (outcome === undefined && !open && role !== POSITION)) cell = c < inputWidth ? (fields[c] ?? '') : '';
      else if (role === POSITION) cell = position;
      else if (open) {
        this.holes[hole++] = at;
        continue;
      } else cell = role === VALUE ? outcome!.value : role === ERROR ? outcome!.error : outcome!.status;
      at = this.encodeCell(cell, buf, at);
    }
    for (let i = inputWidth; i < fields.length; i++) {
      at = this.putDelimiter(buf, at);
      at = this.encodeCell(fields[i]!, buf, at);
    }
    this.end[slot] = at;
    this.bytes.commit(at);
  }

  private putDelimiter(buf: Buffer, at: number): number {
    if (this.delimiter.length === 1) {
      buf[at] = this.delimiter[0]!;
      return at + 1;
    }
    return at + this.delimiter.copy(buf, at);
  }

  /** The most bytes a finished row takes completed, with its line ending. */
  private bytesOf(slot: number): number {
    const n = this.end[slot]! - this.start[slot]! + this.recordDelimiter.length;
    if (this.state[slot] !== ANSWERED) return n;
    return n + maxCellBytes(this.value[slot]!) + maxCellBytes(this.error[slot]!) + maxCellBytes(this.status[slot]!);
  }

  /** Writes a finished row, completed, into `out` at `at`; returns the offset after its line ending. */
  private complete(slot: number, at: number): number {
    const buf = this.chunkOf[slot]!;
    let from = this.start[slot]!;
    const out = this.out;
    if (this.state[slot] === ANSWERED) {
      for (let h = 0; h < 3; h++) {
        const to = this.holes[3 * slot + h]!;
        at = copyBytes(buf, from, to, out, at);
        const role = this.holeOrder[h];
        at = this.encodeCell(role === VALUE ? this.value[slot]! : role === ERROR ? this.error[slot]! : this.status[slot]!, out, at);
        from = to;
      }
    }
    at = copyBytes(buf, from, this.end[slot]!, out, at);
    return copyBytes(this.recordDelimiter, 0, this.recordDelimiter.length, out, at);
  }

  /** Forgets a written row (its chunk is reused once every row in it is written). */
  private release(slot: number): void {
    const buf = this.chunkOf[slot];
    if (buf !== undefined) this.bytes.release(buf);
    this.state[slot] = EMPTY;
    this.chunkOf[slot] = undefined;
    this.status[slot] = this.value[slot] = this.error[slot] = this.warning[slot] = undefined;
  }

  /** Doubles the ring, keeping each staged row at its index. */
  private grow(): void {
    const capacity = this.state.length * 2;
    const mask = capacity - 1;
    const state = new Uint8Array(capacity);
    const chunkOf = new Array<Buffer | undefined>(capacity);
    const start = new Int32Array(capacity);
    const end = new Int32Array(capacity);
    const holes = new Int32Array(3 * capacity);
    const status = new Array<string | undefined>(capacity);
    const value = new Array<string | undefined>(capacity);
    const error = new Array<string | undefined>(capacity);
    const warning = new Array<string | undefined>(capacity);
    for (let i = this.next; i < this.staged; i++) {
      const from = i & this.mask;
      const to = i & mask;
      state[to] = this.state[from]!;
      chunkOf[to] = this.chunkOf[from];
      start[to] = this.start[from]!;
      end[to] = this.end[from]!;
      holes.set(this.holes.subarray(3 * from, 3 * from + 3), 3 * to);
      status[to] = this.status[from];
      value[to] = this.value[from];
      error[to] = this.error[from];
      warning[to] = this.warning[from];
    }
    Object.assign(this, { mask, state, chunkOf, start, end, holes, status, value, error, warning });
  }
}
