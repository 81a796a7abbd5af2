import { describe, expect, it } from 'vitest';
import { FIRST_BATCH, nextBatchLimit } from './projection-runner.ts';

describe('nextBatchLimit', () => {
  it('doubles while reads come back full, up to the most a batch may hold', () => {
    const limits = [FIRST_BATCH];
    for (let i = 0; i < 4; i++) limits.push(nextBatchLimit(limits.at(-1)!, limits.at(-1)!, 5000));
    expect(limits).toEqual([1000, 2000, 4000, 5000, 5000]);
  });

  it('starts small again once a read comes back short (caught up)', () => {
    expect(nextBatchLimit(5000, 4999, 5000)).toBe(FIRST_BATCH);
    expect(nextBatchLimit(2000, 0, 5000)).toBe(FIRST_BATCH);
  });

  it('never exceeds a smaller configured batch', () => {
    expect(nextBatchLimit(100, 100, 100)).toBe(100);
    expect(nextBatchLimit(100, 3, 100)).toBe(100);
  });
});
