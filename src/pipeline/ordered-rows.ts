/**
 * The reorder buffer: rows complete in any order (batches answer out of order) and leave in input order.
 * Pure and synchronous; the job loop bounds its size by pausing the reader.
 */

/** A finished output row (with the warning to count when it is written), or null for a row that produces no output (another shard's). */
export type FinishedRow = { fields: string[]; status: string; error: string; warning?: string } | null;

/** Holds finished rows until every row before them has finished. */
export class OrderedRows {
  private readonly pending = new Map<number, FinishedRow>();
  private next: number;
  /** Rows ready to be written, in order. Taken (and emptied) by `take()`. */
  private ready: Exclude<FinishedRow, null>[] = [];

  constructor(firstIndex = 0) {
    this.next = firstIndex;
  }

  /** Marks row `index` finished; moves every now-contiguous row to the ready list. */
  finish(index: number, row: FinishedRow): void {
    if (index < this.next || this.pending.has(index)) {
      throw new Error(`row ${index} finished twice (next expected ${this.next})`);
    }
    if (index !== this.next) {
      this.pending.set(index, row);
      return;
    }
    if (row) this.ready.push(row);
    this.next += 1;
    while (this.pending.size > 0 && this.pending.has(this.next)) {
      const r = this.pending.get(this.next)!;
      this.pending.delete(this.next);
      if (r) this.ready.push(r);
      this.next += 1;
    }
  }

  /** Returns the ready rows and forgets them. */
  take(): Exclude<FinishedRow, null>[] {
    const rows = this.ready;
    this.ready = [];
    return rows;
  }

  /** Rows waiting for an earlier row, plus rows ready but not yet taken. */
  buffered(): number {
    return this.pending.size + this.ready.length;
  }

  /** How many ready rows wait to be taken. */
  readyCount(): number {
    return this.ready.length;
  }

  /** The index of the first row not yet finished: every row before it has left or is ready. */
  nextIndex(): number {
    return this.next;
  }
}
