/**
 * Bytes written item after item into ~64 KiB chunks and released in the order they were written
 * (staged output lines, encoded leads): a chunk is reused once every item in it has been released, and
 * two are kept spare, so a run does not allocate a chunk per 64 KiB it holds. And the copy both users
 * make of an item's bytes when they send or write it.
 */

const CHUNK_BYTES = 64 * 1024;
const SPARE_CHUNKS = 2;
/** Copies shorter than this are done byte by byte: Buffer#copy makes a view per call. */
const SHORT_COPY = 64;

/** Copies src[from, to) into dst at `at`; returns the offset after it. */
export function copyBytes(src: Buffer, from: number, to: number, dst: Buffer, at: number): number {
  if (to - from >= SHORT_COPY) return at + src.copy(dst, at, from, to);
  for (let i = from; i < to; i++) dst[at++] = src[i]!;
  return at;
}

/** Items' bytes in reused chunks (see the module comment). */
export class ByteChunks {
  private chunk: Buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  private used = 0;
  private spare: Buffer[] = [];
  private lastReleased: Buffer | undefined;

  /** The chunk the next item is written into, from `start()`, with room for at least `most` bytes. */
  room(most: number): Buffer {
    if (this.used + most > this.chunk.length) {
      this.chunk = most <= CHUNK_BYTES ? (this.spare.pop() ?? Buffer.allocUnsafe(CHUNK_BYTES)) : Buffer.allocUnsafe(most);
      this.used = 0;
    }
    return this.chunk;
  }

  /** Where the next item starts in its chunk. */
  start(): number {
    return this.used;
  }

  /** Ends the item written into the chunk `room()` gave at `end`: the next one starts there. */
  commit(end: number): void {
    this.used = end;
  }

  /** Told the chunk of each item released, in the order they were written: a chunk passed by is reused. */
  release(chunk: Buffer): void {
    if (chunk === this.lastReleased) return;
    const done = this.lastReleased;
    this.lastReleased = chunk;
    if (done !== undefined && done.length === CHUNK_BYTES && this.spare.length < SPARE_CHUNKS) this.spare.push(done);
  }
}
