import { describe, expect, it } from 'vitest';
import type { MachineView, ViewDelta, ViewSnapshot } from '@pulse/events';
import {
  applyDelta,
  beginLoading,
  initialSync,
  receiveDelta,
  receiveDeltas,
  receiveResume,
  receiveSnapshot,
  type SyncState,
} from './view-sync.ts';
import type { KeyedDelta } from './protocol.ts';
import { PatchBaseMissing, type RowPatches } from './row-patches.ts';

const machine = (machineId: string, patch: Partial<MachineView> = {}): MachineView => ({
  machineId,
  hostname: machineId,
  os: 'Debian 12',
  agentVersion: '1.0.0',
  status: 'online',
  lastSeenAt: '2026-11-25T12:00:00.000Z',
  registeredAt: '2026-11-25T11:00:00.000Z',
  cpuPct: 10,
  memPct: 20,
  diskPct: 30,
  uptimeS: 60,
  ...patch,
});
const snapshot = (position: number, rows: MachineView[]): ViewSnapshot<'fleet'> => ({
  view: 'fleet',
  tenant: 'demo',
  position,
  rows,
});
const delta = (position: number, rows: MachineView[]): ViewDelta<'fleet'> => ({
  view: 'fleet',
  tenant: 'demo',
  position,
  rows,
});
const shown = (state: SyncState<'fleet'>) =>
  Object.fromEntries([...(state.data?.rows.values() ?? [])].map((r) => [r.machineId, r.status]));

describe('client view sync', () => {
  describe('given a subscription whose snapshot is loading', () => {
    it('buffers deltas and shows nothing yet', () => {
      const state = receiveDelta(initialSync<'fleet'>(), delta(5, [machine('a')]));
      expect(state.phase).toBe('loading');
      expect(state.data).toBeUndefined();
    });

    it('applies only the buffered deltas newer than the snapshot, in position order', () => {
      let state = initialSync<'fleet'>();
      state = receiveDelta(state, delta(9, [machine('a', { status: 'overdue' })]));
      state = receiveDelta(state, delta(12, [machine('b', { status: 'offline' })]));
      state = receiveDelta(state, delta(11, [machine('c')]));
      state = receiveSnapshot(state, snapshot(10, [machine('a', { status: 'offline' }), machine('b')]));

      expect(state.phase).toBe('synced');
      // a's delta at 9 is already in the snapshot (which has a newer status): it must not win.
      expect(shown(state)).toEqual({ a: 'offline', b: 'offline', c: 'online' });
      expect(state.data?.position).toBe(12);
    });

    it('drops a buffered delta at exactly the snapshot position', () => {
      let state = receiveDelta(initialSync<'fleet'>(), delta(10, [machine('a', { status: 'overdue' })]));
      state = receiveSnapshot(state, snapshot(10, [machine('a', { status: 'offline' })]));
      expect(shown(state)).toEqual({ a: 'offline' });
      expect(state.data?.position).toBe(10);
    });
  });

  describe('given a synced view', () => {
    const synced = receiveSnapshot(initialSync<'fleet'>(), snapshot(10, [machine('a'), machine('b')]));

    it('replaces changed rows by machine id and adds new ones', () => {
      const state = receiveDelta(
        synced,
        delta(11, [machine('b', { status: 'overdue', cpuPct: 99 }), machine('c')]),
      );
      expect(shown(state)).toEqual({ a: 'online', b: 'overdue', c: 'online' });
      expect(state.data?.rows.get('b')?.cpuPct).toBe(99);
      expect(state.data?.position).toBe(11);
    });

    it('ignores a delta at or below its position and returns the same state', () => {
      expect(receiveDelta(synced, delta(10, [machine('a', { status: 'offline' })]))).toBe(synced);
      expect(receiveDelta(synced, delta(3, [machine('z')]))).toBe(synced);
    });

    it('keeps showing its rows while a resubscription loads, then replaces them with the fresh snapshot', () => {
      let state = beginLoading(synced);
      expect(state.phase).toBe('loading');
      expect(shown(state)).toEqual({ a: 'online', b: 'online' });
      state = receiveDelta(state, delta(25, [machine('d')]));
      state = receiveSnapshot(state, snapshot(20, [machine('a', { status: 'offline' })]));
      // b disappeared from the snapshot, so it is gone: the snapshot replaces, never merges.
      expect(shown(state)).toEqual({ a: 'offline', d: 'online' });
      expect(state.data?.position).toBe(25);
    });
  });

  describe('given a reconnect that resumes from the position it had', () => {
    const synced = receiveSnapshot(initialSync<'fleet'>(), snapshot(10, [machine('a'), machine('b')]));

    it('applies exactly the missed deltas and those that arrived meanwhile, each position once', () => {
      let state = beginLoading(synced);
      // Arrived on the socket while the resume was answered: 13 is also in the missed list.
      state = receiveDeltas(state, [delta(13, [machine('c', { cpuPct: 13 })]), delta(14, [machine('d')])]);
      const resumed = receiveResume(state, 10, [
        delta(11, [machine('a', { status: 'overdue' })]),
        delta(13, [machine('c', { cpuPct: 13 })]),
      ])!;
      expect(resumed.phase).toBe('synced');
      expect(shown(resumed)).toEqual({ a: 'overdue', b: 'online', c: 'online', d: 'online' });
      expect(resumed.data?.position).toBe(14);
    });

    it('keeps its rows when nothing was missed', () => {
      const resumed = receiveResume(beginLoading(synced), 10, [])!;
      expect(resumed.data).toBe(synced.data);
    });

    it('refuses a resume from a position it does not have', () => {
      expect(receiveResume(beginLoading(synced), 9, [])).toBeUndefined();
      expect(receiveResume(initialSync<'fleet'>(), 10, [])).toBeUndefined();
    });
  });

  it('applies a frame of deltas out of order as if in order, and drops repeats', () => {
    const synced = receiveSnapshot(initialSync<'fleet'>(), snapshot(10, [machine('a')]));
    const state = receiveDeltas(synced, [
      delta(12, [machine('a', { status: 'offline' })]),
      delta(11, [machine('a', { status: 'overdue' })]),
      delta(12, [machine('a', { status: 'online' })]),
    ]);
    expect(shown(state)).toEqual({ a: 'offline' });
    expect(state.data?.position).toBe(12);
  });

  it('applyDelta never mutates the data it was given', () => {
    const before = { position: 1, rows: new Map([['a', machine('a')]]) };
    const after = applyDelta(before, delta(2, [machine('a', { status: 'offline' })]));
    expect(before.rows.get('a')?.status).toBe('online');
    expect(after.rows.get('a')?.status).toBe('offline');
  });

  describe('patches (fleet rows the client has, only their changed fields)', () => {
    const patched = (position: number, rows: MachineView[], patches: RowPatches[]): KeyedDelta<'fleet'> => ({
      ...delta(position, rows),
      patches,
    });

    it('merges each patch into its row, beside whole rows, without touching the row objects it was given', () => {
      const a = machine('a');
      const synced = receiveSnapshot(initialSync<'fleet'>(), snapshot(10, [a, machine('b')]));
      const state = receiveDeltas(synced, [
        patched(
          11,
          [machine('c')],
          [
            {
              fields: ['cpuPct', 'status'],
              keys: ['a', 'b'],
              values: [
                [91, 'overdue'],
                [92, 'offline'],
              ],
            },
          ],
        ),
        patched(12, [], [{ fields: ['cpuPct'], keys: ['c'], values: [[93]] }]),
      ]);
      expect(state.data?.rows.get('a')).toEqual(machine('a', { cpuPct: 91, status: 'overdue' }));
      expect(state.data?.rows.get('b')).toEqual(machine('b', { cpuPct: 92, status: 'offline' }));
      expect(state.data?.rows.get('c')).toEqual(machine('c', { cpuPct: 93 }));
      expect(a).toEqual(machine('a'));
      expect(state.data?.position).toBe(12);
    });

    it('applies patches buffered while the snapshot loaded, and drops those it already has', () => {
      let state = receiveDelta(
        beginLoading(initialSync<'fleet'>()),
        patched(9, [], [{ fields: ['cpuPct'], keys: ['a'], values: [[9]] }]),
      );
      state = receiveDelta(state, patched(11, [], [{ fields: ['cpuPct'], keys: ['a'], values: [[11]] }]));
      state = receiveSnapshot(state, snapshot(10, [machine('a', { cpuPct: 10 })]));
      expect(state.data?.rows.get('a')?.cpuPct).toBe(11);
    });

    it('throws PatchBaseMissing for a patch of a row it does not have (the caller starts over)', () => {
      const synced = receiveSnapshot(initialSync<'fleet'>(), snapshot(10, [machine('a')]));
      expect(() =>
        receiveDeltas(synced, [patched(11, [], [{ fields: ['cpuPct'], keys: ['zz'], values: [[1]] }])]),
      ).toThrow(PatchBaseMissing);
    });
  });
});
