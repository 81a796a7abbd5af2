import { describe, expect, it } from 'vitest';
import { TenantRateLimiter } from './rate-limiter.ts';

describe('TenantRateLimiter', () => {
  it('lets a burst through, then refills at the rate, per tenant', () => {
    let now = 0;
    const limiter = new TenantRateLimiter(100, 200, () => now);
    expect(limiter.take('acme', 200)).toBe(0);
    expect(limiter.take('acme', 50)).toBe(1);
    expect(limiter.take('zeta', 200)).toBe(0);
    now += 500;
    expect(limiter.take('acme', 50)).toBe(0);
    expect(limiter.take('acme', 150)).toBe(2);
  });

  it('lets a request larger than the burst go once the bucket is full', () => {
    let now = 0;
    const limiter = new TenantRateLimiter(100, 200, () => now);
    expect(limiter.take('acme', 500)).toBe(0);
    expect(limiter.take('acme', 1)).toBeGreaterThan(0);
    now += 5000;
    expect(limiter.take('acme', 1)).toBe(0);
  });
});
