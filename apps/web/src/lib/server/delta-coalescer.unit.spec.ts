import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { MachineView, ViewDelta } from '@pulse/events';
import type { KeyedDelta } from '../live/protocol.ts';
import { DeltaCoalescer } from './delta-coalescer.ts';

const machine = (machineId: string, cpuPct: number): MachineView => ({
  machineId,
  hostname: machineId,
  os: 'Debian 12',
  agentVersion: '1.0.0',
  status: 'online',
  lastSeenAt: '2026-11-25T12:00:00.000Z',
  registeredAt: null,
  cpuPct,
  memPct: null,
  diskPct: null,
  uptimeS: null,
});
const delta = (tenant: string, position: number, rows: MachineView[]): ViewDelta => ({
  view: 'fleet',
  tenant,
  position,
  rows,
});

describe('DeltaCoalescer', () => {
  let emitted: { room: string; delta: ViewDelta<'fleet'> }[];
  let coalescer: DeltaCoalescer;

  beforeEach(() => {
    vi.useFakeTimers();
    emitted = [];
    coalescer = new DeltaCoalescer({
      intervalMs: 100,
      emit: (room, d) => emitted.push({ room, delta: d as ViewDelta<'fleet'> }),
    });
  });
  afterEach(() => {
    coalescer.close();
    vi.useRealTimers();
  });

  it('emits the first delta after a quiet spell on the next tick', () => {
    coalescer.push('demo:fleet', delta('demo', 1, [machine('a', 1)]));
    expect(emitted).toHaveLength(0);
    vi.advanceTimersByTime(0);
    expect(emitted).toEqual([{ room: 'demo:fleet', delta: delta('demo', 1, [machine('a', 1)]) }]);
  });

  it('merges deltas within the interval into one emit: rows by machine id, the last row wins, the highest position', () => {
    coalescer.push('demo:fleet', delta('demo', 1, [machine('a', 1)]));
    vi.advanceTimersByTime(0);
    coalescer.push('demo:fleet', delta('demo', 2, [machine('a', 2), machine('b', 2)]));
    coalescer.push('demo:fleet', delta('demo', 3, [machine('a', 3)]));
    vi.advanceTimersByTime(50);
    expect(emitted).toHaveLength(1);
    vi.advanceTimersByTime(50);
    expect(emitted).toHaveLength(2);
    expect(emitted[1]!.delta.position).toBe(3);
    expect(emitted[1]!.delta.rows).toEqual([machine('a', 3), machine('b', 2)]);
  });

  it('emits at most once per interval per room under a steady stream', () => {
    for (let i = 1; i <= 100; i++) {
      coalescer.push('demo:fleet', delta('demo', i, [machine(`m${i % 7}`, i)]));
      vi.advanceTimersByTime(10);
    }
    vi.advanceTimersByTime(100);
    // 1 s of deltas every 10 ms: the leading emit plus one per 100 ms.
    expect(emitted.length).toBeLessThanOrEqual(11);
    expect(emitted.at(-1)!.delta.position).toBe(100);
    const times = emitted.map((e) => e.delta.position);
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });

  it('drops a delta at or below a position the room has already seen, so it cannot ride along with a newer one', () => {
    coalescer.push('demo:fleet', delta('demo', 10, [machine('a', 10)]));
    vi.advanceTimersByTime(0);
    coalescer.push('demo:fleet', delta('demo', 5, [machine('a', 5), machine('stale', 5)]));
    coalescer.push('demo:fleet', delta('demo', 10, [machine('a', 10)]));
    coalescer.push('demo:fleet', delta('demo', 11, [machine('b', 11)]));
    vi.advanceTimersByTime(100);
    expect(emitted.map((e) => [e.delta.position, e.delta.rows.map((r) => r.machineId)])).toEqual([
      [10, ['a']],
      [11, ['b']],
    ]);
  });

  it('keeps rooms apart', () => {
    coalescer.push('acme:fleet', delta('acme', 1, [machine('a', 1)]));
    coalescer.push('demo:fleet', delta('demo', 2, [machine('a', 2)]));
    vi.advanceTimersByTime(0);
    expect(emitted.map((e) => [e.room, e.delta.tenant, e.delta.rows[0]!.cpuPct])).toEqual([
      ['acme:fleet', 'acme', 1],
      ['demo:fleet', 'demo', 2],
    ]);
  });

  it('does not mutate the deltas it was given', () => {
    const first = delta('demo', 1, [machine('a', 1)]);
    coalescer.push('demo:fleet', first);
    coalescer.push('demo:fleet', delta('demo', 2, [machine('a', 2)]));
    vi.advanceTimersByTime(0);
    expect(first).toEqual(delta('demo', 1, [machine('a', 1)]));
  });

  it('drops what is pending on close', () => {
    coalescer.push('demo:fleet', delta('demo', 1, [machine('a', 1)]));
    coalescer.close();
    vi.advanceTimersByTime(1000);
    expect(emitted).toHaveLength(0);
  });
});

describe('DeltaCoalescer, for a patchable view', () => {
  let emitted: KeyedDelta<'fleet'>[];
  let coalescer: DeltaCoalescer;
  const push = (position: number, rows: MachineView[]) =>
    coalescer.push('demo:fleet', delta('demo', position, rows));
  const emitNow = () => vi.advanceTimersByTime(100);

  beforeEach(() => {
    vi.useFakeTimers();
    emitted = [];
    coalescer = new DeltaCoalescer({
      intervalMs: 100,
      patchable: (view) => view === 'fleet',
      emit: (_room, d) => emitted.push(d as KeyedDelta<'fleet'>),
    });
  });
  afterEach(() => {
    coalescer.close();
    vi.useRealTimers();
  });

  it('sends a row new to the room whole, then only the fields that changed, grouped by those fields', () => {
    push(1, [machine('a', 1), machine('b', 1)]);
    emitNow();
    push(2, [machine('a', 2), { ...machine('b', 5), status: 'offline' }]);
    push(3, [machine('c', 3)]);
    emitNow();
    expect(emitted[0]!.rows).toEqual([machine('a', 1), machine('b', 1)]);
    expect(emitted[0]!.patches).toBeUndefined();
    expect(emitted[1]).toEqual({
      view: 'fleet',
      tenant: 'demo',
      position: 3,
      rows: [machine('c', 3)],
      patches: [
        { fields: ['cpuPct'], keys: ['a'], values: [[2]] },
        { fields: ['cpuPct', 'status'], keys: ['b'], values: [[5, 'offline']] },
      ],
    });
  });

  it('patches every field that changed in any version heard since the last emit, even one changed back', () => {
    push(1, [machine('a', 1)]);
    emitNow();
    // A client whose snapshot holds the middle version must still end up with the last one.
    push(2, [{ ...machine('a', 1), status: 'offline' }]);
    push(3, [machine('a', 7)]);
    emitNow();
    expect(emitted[1]!.rows).toEqual([]);
    expect(emitted[1]!.patches).toEqual([
      { fields: ['cpuPct', 'status'], keys: ['a'], values: [[7, 'online']] },
    ]);
  });

  it('sends a row whole when a field is gone, and nothing for a row that did not change', () => {
    push(1, [{ ...machine('a', 1), customer: 'acme' }, machine('b', 1)]);
    emitNow();
    push(2, [machine('a', 1), machine('b', 1)]);
    emitNow();
    expect(emitted[1]).toEqual({ view: 'fleet', tenant: 'demo', position: 2, rows: [machine('a', 1)] });
  });

  it('compares nested values by value', () => {
    const at = '2026-11-25T12:00:00.000Z';
    push(1, [{ ...machine('a', 1), signals: { agent: at } }]);
    emitNow();
    push(2, [{ ...machine('a', 1), signals: { agent: at } }]);
    push(3, [{ ...machine('b', 1) }]);
    emitNow();
    push(4, [{ ...machine('a', 1), signals: { agent: at, rmm: at } }]);
    emitNow();
    expect(emitted[1]!.patches).toBeUndefined();
    expect(emitted[2]!.patches).toEqual([
      { fields: ['signals'], keys: ['a'], values: [[{ agent: at, rmm: at }]] },
    ]);
  });

  it('sends rows whole again after forget() (the node may have missed deltas) and after an out-of-order delta', () => {
    push(1, [machine('a', 1)]);
    emitNow();
    coalescer.forget();
    push(2, [machine('a', 2)]);
    emitNow();
    push(1, [machine('a', 9)]);
    push(3, [machine('a', 3)]);
    emitNow();
    push(4, [machine('a', 4)]);
    emitNow();
    expect(emitted.map((d) => [d.rows.length, d.patches?.length ?? 0])).toEqual([
      [1, 0],
      [1, 0],
      [1, 0],
      [0, 1],
    ]);
  });
});
