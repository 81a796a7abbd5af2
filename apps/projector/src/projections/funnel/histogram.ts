/**
 * A log-bucketed histogram of durations in milliseconds (DDSketch's mapping): every value lands in
 * bucket ceil(log_γ(ms)), so a percentile read from it is within 2 % of the true value (γ = 1.04), it merges by
 * adding counts, and it stays small (about a thousand buckets from 1 ms to a year). Pure.
 */
export type Histogram = Record<string, number>;

const GAMMA = 1.04;
const LOG_GAMMA = Math.log(GAMMA);
/** Durations under 1 ms (including steps recorded out of order, clamped to 0). */
const ZERO = 'z';

export function bucketOf(ms: number): string {
  if (!(ms >= 1)) return ZERO;
  return String(Math.ceil(Math.log(ms) / LOG_GAMMA));
}

export function record(h: Histogram, ms: number): Histogram {
  const b = bucketOf(ms);
  return { ...h, [b]: (h[b] ?? 0) + 1 };
}

function valueOf(bucket: string): number {
  if (bucket === ZERO) return 0;
  const i = Number(bucket);
  // The bucket's midpoint in relative terms: at most (γ−1)/(γ+1) ≈ 2 % from any value in it.
  return Math.round((2 * GAMMA ** i) / (GAMMA + 1));
}

/** The nearest-rank percentile (q in 0–1), or null for an empty histogram. */
export function percentile(h: Histogram, q: number): number | null {
  return percentiles(h, [q])[0]!;
}

/** Several nearest-rank percentiles of one histogram (its buckets sorted once), in the order asked. */
export function percentiles(h: Histogram, qs: readonly number[]): (number | null)[] {
  const buckets = Object.entries(h)
    .filter(([, n]) => n > 0)
    .map(([b, n]) => [b === ZERO ? -Infinity : Number(b), b, n] as const)
    .sort((a, b) => a[0] - b[0]);
  const total = buckets.reduce((s, [, , n]) => s + n, 0);
  return qs.map((q) => {
    if (total === 0) return null;
    const rank = Math.max(1, Math.ceil(q * total));
    let seen = 0;
    for (const [, b, n] of buckets) {
      seen += n;
      if (seen >= rank) return valueOf(b);
    }
    return valueOf(buckets[buckets.length - 1]![1]);
  });
}
