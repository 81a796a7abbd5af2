/**
 * A token bucket per tenant: `ratePerS` events a second on average, bursts of up to `burst`.
 * Pure apart from the clock passed in. A request takes as many tokens as it has events; when the
 * bucket holds too few, it says how long until it would hold enough.
 */
export class TenantRateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly ratePerS: number,
    private readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** 0 when the events may go now (the tokens are taken), else the seconds to wait. */
  take(tenant: string, events: number): number {
    const now = this.now();
    const bucket = this.buckets.get(tenant) ?? { tokens: this.burst, at: now };
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.ratePerS);
    bucket.at = now;
    this.buckets.set(tenant, bucket);
    // A request larger than the whole burst may go once the bucket is full, or it never could.
    const need = Math.min(events, this.burst);
    if (bucket.tokens >= need) {
      bucket.tokens -= events;
      return 0;
    }
    return Math.max(1, Math.ceil((need - bucket.tokens) / this.ratePerS));
  }
}
