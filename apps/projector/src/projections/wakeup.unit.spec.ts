import { describe, expect, it } from 'vitest';
import { Wakeup } from './wakeup.ts';

describe('wakeup', () => {
  it('returns at once when notified while the loop was busy', async () => {
    const w = new Wakeup();
    w.notify();
    const t = Date.now();
    await w.sleep(5_000);
    expect(Date.now() - t).toBeLessThan(100);
  });

  it('wakes a sleeper on notify, and sleeps the full time when nobody calls', async () => {
    const w = new Wakeup();
    const t = Date.now();
    setTimeout(() => w.notify(), 20);
    await w.sleep(5_000);
    expect(Date.now() - t).toBeLessThan(1_000);
    const t2 = Date.now();
    await w.sleep(50);
    expect(Date.now() - t2).toBeGreaterThanOrEqual(45);
  });
});
