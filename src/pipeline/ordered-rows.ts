/**
 * The reorder buffer: rows complete in any order (batches answer out of order) and leave in input order.
 * Pure and synchronous; the job loop bounds its size by pausing the reader.
 */

/** A finished output row (with the warning to count when it is written), or null for a row that produces no output (another shard's). */
export type FinishedRow = { fields: string[]; status: string; error: string; warning?: string } | null;

type Row = Exclude<FinishedRow, null>;
/** Marks a slot whose row finished without output (null), as opposed to an empty slot (undefined). */
const NO_OUTPUT = { fields: [], status: '', error: '' } as Row;

/**
 * Holds finished rows until every row before them has finished, in a ring indexed by row number (it
 * doubles when a row finishes further ahead than it spans). With eight batches in flight most rows
 * finish ahead of an earlier one: a Map entry set and deleted for each was a tenth of the job's allocation.
 */
export class OrderedRows {
  private slots: (Row | undefined)[];
  private mask: number;
  private held = 0; // rows finished ahead of `next`, in the ring
  private next: number;
  /** Rows ready to be written, in order. Taken (and emptied) by `take()`. */
  private ready: Row[] = [];

  /** `capacity`: the ring's starting span (a power of two). */
  constructor(firstIndex = 0, capacity = 1024) {
    this.next = firstIndex;
    this.slots = new Array<Row | undefined>(capacity);
    this.mask = capacity - 1;
  }

  /** Marks row `index` finished; moves every now-contiguous row to the ready list. */
  finish(index: number, row: FinishedRow): void {
    if (index - this.next >= this.slots.length) this.grow(index - this.next + 1);
    if (index < this.next || this.slots[index & this.mask] !== undefined) {
      throw new Error(`row ${index} finished twice (next expected ${this.next})`);
    }
    if (index !== this.next) {
      this.slots[index & this.mask] = row ?? NO_OUTPUT;
      this.held += 1;
      return;
    }
    if (row) this.ready.push(row);
    this.next += 1;
    while (this.held > 0) {
      const slot = this.next & this.mask;
      const r = this.slots[slot];
      if (r === undefined) break;
      this.slots[slot] = undefined;
      this.held -= 1;
      if (r !== NO_OUTPUT) this.ready.push(r);
      this.next += 1;
    }
  }

  /** Returns the ready rows and forgets them. */
  take(): Row[] {
    const rows = this.ready;
    this.ready = [];
    return rows;
  }

  /** Rows waiting for an earlier row, plus rows ready but not yet taken. */
  buffered(): number {
    return this.held + this.ready.length;
  }

  /** How many ready rows wait to be taken. */
  readyCount(): number {
    return this.ready.length;
  }

  /** The index of the first row not yet finished: every row before it has left or is ready. */
  nextIndex(): number {
    return this.next;
  }

  /** Doubles the ring until it spans `span` rows from `next`, keeping each held row at its index. */
  private grow(span: number): void {
    let capacity = this.slots.length * 2;
    while (capacity < span) capacity *= 2;
    const slots = new Array<Row | undefined>(capacity);
    const mask = capacity - 1;
    for (let i = this.next; i < this.next + this.slots.length; i++) slots[i & mask] = this.slots[i & this.mask];
    this.slots = slots;
    this.mask = mask;
  }
}
