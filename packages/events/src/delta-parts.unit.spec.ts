import { describe, expect, it } from 'vitest';
import { DeltaAssembler, deltaMessages, type DeltaPart } from './delta-parts.ts';
import type { ViewDelta } from './views.ts';

type Wire = ViewDelta & { part?: DeltaPart };

function fleetDelta(rows: number, position = 42, pad = 100): ViewDelta {
  return {
    view: 'fleet',
    tenant: 'acme',
    position,
    rows: Array.from(
      { length: rows },
      (_, i) => ({ machineId: `m-${i}`, hostname: 'h'.repeat(pad) }) as never,
    ),
  };
}

describe('deltaMessages', () => {
  it('sends a delta that fits as one message, unchanged', () => {
    const delta = fleetDelta(3);
    expect(deltaMessages(delta, 10_000)).toEqual([JSON.stringify(delta)]);
  });

  it('splits a large delta into numbered parts within the limit, rows in order', () => {
    const delta = fleetDelta(1000);
    const messages = deltaMessages(delta, 20_000);
    expect(messages.length).toBeGreaterThan(JSON.stringify(delta).length / 20_000);
    const parts = messages.map((m) => JSON.parse(m) as Wire);
    for (const [i, p] of parts.entries()) {
      expect(Buffer.byteLength(messages[i]!)).toBeLessThanOrEqual(20_000);
      expect(p).toMatchObject({
        view: 'fleet',
        tenant: 'acme',
        position: 42,
        part: { index: i, count: parts.length },
      });
    }
    expect(parts.flatMap((p) => p.rows)).toEqual(delta.rows);
  });

  it('sends a row larger than the limit alone rather than dropping it', () => {
    const delta = fleetDelta(3, 1, 5000);
    const parts = deltaMessages(delta, 1000).map((m) => JSON.parse(m) as Wire);
    expect(parts.map((p) => p.rows.length)).toEqual([1, 1, 1]);
  });
});

describe('DeltaAssembler', () => {
  const wire = (delta: ViewDelta, max: number) => deltaMessages(delta, max).map((m) => JSON.parse(m) as Wire);

  it('passes whole deltas through and joins parts into the delta that was split', () => {
    const joiner = new DeltaAssembler();
    const small = fleetDelta(2, 7);
    expect(joiner.accept(JSON.parse(JSON.stringify(small)) as Wire)).toEqual(small);
    const big = fleetDelta(500, 8);
    const parts = wire(big, 5_000);
    const out = parts.map((p) => joiner.accept(p));
    expect(out.slice(0, -1).every((d) => d === undefined)).toBe(true);
    expect(out.at(-1)).toEqual(big);
  });

  it('keeps tenants and views apart while their parts interleave', () => {
    const joiner = new DeltaAssembler();
    const a = wire(fleetDelta(300, 5), 5_000);
    const b = wire({ ...fleetDelta(300, 6), tenant: 'zeta' }, 5_000);
    const done: ViewDelta[] = [];
    for (let i = 0; i < Math.max(a.length, b.length); i++)
      for (const p of [a[i], b[i]]) if (p) done.push(...[joiner.accept(p)].filter((d) => d !== undefined));
    expect(done.map((d) => [d.tenant, d.rows.length])).toEqual(
      a.length <= b.length
        ? [
            ['acme', 300],
            ['zeta', 300],
          ]
        : [
            ['zeta', 300],
            ['acme', 300],
          ],
    );
  });

  it('gives up a delta that lost a part instead of passing half of it on', () => {
    const joiner = new DeltaAssembler();
    const reasons: string[] = [];
    const parts = wire(fleetDelta(300, 9), 5_000);
    expect(parts.length).toBeGreaterThan(2);
    const results = parts.filter((_, i) => i !== 1).map((p) => joiner.accept(p, (r) => reasons.push(r)));
    expect(results.every((d) => d === undefined)).toBe(true);
    expect(reasons.length).toBe(parts.length - 2);
    for (const r of reasons) expect(r).toContain('came without the parts before it');
    // The next delta goes through whole.
    const next = fleetDelta(1, 10);
    expect(joiner.accept(next, (r) => reasons.push(r))).toEqual(next);
  });

  it('drops unfinished parts when a whole delta of the same view overtakes them', () => {
    const joiner = new DeltaAssembler();
    const reasons: string[] = [];
    const parts = wire(fleetDelta(300, 11), 5_000);
    joiner.accept(parts[0]!, (r) => reasons.push(r));
    const next = fleetDelta(1, 12);
    expect(joiner.accept(next, (r) => reasons.push(r))).toEqual(next);
    expect(reasons).toEqual([expect.stringContaining('never came')]);
  });
});
