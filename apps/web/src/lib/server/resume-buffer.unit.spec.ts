import { describe, expect, it } from 'vitest';
import type { ViewDelta } from '@pulse/events';
import { ResumeBuffer } from './resume-buffer.ts';

const delta = (position: number, ids: string[] = ['a']): ViewDelta =>
  ({ view: 'fleet', tenant: 'demo', position, rows: ids.map((machineId) => ({ machineId })) }) as ViewDelta;
const positions = (ds: ViewDelta[] | undefined) => ds?.map((d) => d.position);

describe('ResumeBuffer', () => {
  it('cannot resume anyone before the node has read its floor', () => {
    const buffer = new ResumeBuffer();
    expect(buffer.since('demo:fleet', 10)).toBeUndefined();
  });

  describe('given a floor of 100', () => {
    const fresh = () => {
      const b = new ResumeBuffer({ maxDeltas: 3 });
      b.reset(100);
      return b;
    };

    it('resumes a client at the floor with nothing to send', () => {
      expect(fresh().since('demo:fleet', 100)).toEqual([]);
    });

    it('sends a client below the floor to a snapshot: it may have missed deltas this node never heard', () => {
      expect(fresh().since('demo:fleet', 99)).toBeUndefined();
    });

    it('sends exactly the deltas above the client position, oldest first', () => {
      const b = fresh();
      b.record('demo:fleet', delta(105));
      b.record('demo:fleet', delta(110));
      b.record('demo:alerts', delta(111));
      expect(positions(b.since('demo:fleet', 100))).toEqual([105, 110]);
      expect(positions(b.since('demo:fleet', 105))).toEqual([110]);
      expect(positions(b.since('demo:fleet', 107))).toEqual([110]);
      expect(positions(b.since('demo:fleet', 110))).toEqual([]);
      expect(positions(b.since('demo:alerts', 105))).toEqual([111]);
    });

    it('sends a client that fell behind what was evicted to a snapshot', () => {
      const b = fresh();
      for (const p of [101, 102, 103, 104]) b.record('demo:fleet', delta(p));
      expect(b.since('demo:fleet', 100)).toBeUndefined();
      expect(positions(b.since('demo:fleet', 101))).toEqual([102, 103, 104]);
    });

    it('evicts by rows as well as by count', () => {
      const b = new ResumeBuffer({ maxRows: 3 });
      b.reset(0);
      b.record('demo:fleet', delta(1, ['a', 'b']));
      b.record('demo:fleet', delta(2, ['c', 'd']));
      expect(b.since('demo:fleet', 0)).toBeUndefined();
      expect(positions(b.since('demo:fleet', 1))).toEqual([2]);
    });

    it('sends a client claiming a position this node never reached to a snapshot', () => {
      const b = fresh();
      b.record('demo:fleet', delta(105));
      expect(b.since('demo:fleet', 200)).toBeUndefined();
      b.observe(200);
      expect(b.since('demo:fleet', 200)).toEqual([]);
    });

    it('resumes nobody after the bus went away, until the next floor', () => {
      const b = fresh();
      b.record('demo:fleet', delta(105));
      b.invalidate();
      expect(b.since('demo:fleet', 105)).toBeUndefined();
      b.reset(120);
      expect(b.since('demo:fleet', 120)).toEqual([]);
    });
  });
});
