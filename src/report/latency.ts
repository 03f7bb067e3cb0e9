/** A bounded latency histogram: log-spaced buckets (~2% wide), so memory is fixed whatever the run's length. */
const BUCKETS_PER_DOUBLING = 36;
/** Samples are bucketed in units of 10 µs, so loopback latencies below 1 ms still resolve. */
const UNITS_PER_MS = 100;
const MAX_BUCKET = BUCKETS_PER_DOUBLING * 32; // 2^32 × 10 µs ≈ 12 hours

/** Records latencies and answers percentiles within about 2%. */
export class LatencyHistogram {
  private readonly counts = new Uint32Array(MAX_BUCKET + 1);
  private total = 0;

  /** Adds one sample in milliseconds. */
  record(ms: number): void {
    this.counts[bucketOf(ms)]! += 1;
    this.total += 1;
  }

  /** The value at quantile q (0..1), or 0 when empty. */
  percentile(q: number): number {
    if (this.total === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.total));
    let seen = 0;
    for (let b = 0; b < this.counts.length; b++) {
      seen += this.counts[b]!;
      if (seen >= rank) return valueOf(b);
    }
    return valueOf(MAX_BUCKET);
  }

  /** p50, p95 and p99 rounded to 0.1 ms, as the summary reports them. */
  summary(): { p50: number; p95: number; p99: number } {
    const round = (v: number) => Math.round(v * 10) / 10;
    return { p50: round(this.percentile(0.5)), p95: round(this.percentile(0.95)), p99: round(this.percentile(0.99)) };
  }
}

function bucketOf(ms: number): number {
  const units = ms * UNITS_PER_MS;
  if (!(units > 1)) return 0;
  return Math.min(MAX_BUCKET, Math.ceil(Math.log2(units) * BUCKETS_PER_DOUBLING));
}

function valueOf(bucket: number): number {
  return 2 ** (bucket / BUCKETS_PER_DOUBLING) / UNITS_PER_MS;
}
