import type { ViewDelta, ViewName, ViewRows, ViewSnapshot } from '@pulse/events';
import { rowKey } from './view-rows.ts';

/** What a client shows of one view: every row by key, as of `position`. */
export interface ViewData<V extends ViewName = ViewName> {
  position: number;
  rows: ReadonlyMap<string, ViewRows[V]>;
}

/**
 * A client's view of one subscription. While a snapshot loads, deltas are buffered (they may be
 * newer than the snapshot) and the previous data, if any, stays on screen as stale.
 */
export type SyncState<V extends ViewName = ViewName> =
  | { phase: 'loading'; buffer: ViewDelta<V>[]; data: ViewData<V> | undefined }
  | { phase: 'synced'; data: ViewData<V> };

export function initialSync<V extends ViewName>(): SyncState<V> {
  return { phase: 'loading', buffer: [], data: undefined };
}

/** A (re)subscription started: buffer from now on, keep showing what we have. */
export function beginLoading<V extends ViewName>(state: SyncState<V>): SyncState<V> {
  return { phase: 'loading', buffer: [], data: state.data };
}

export function receiveDelta<V extends ViewName>(state: SyncState<V>, delta: ViewDelta<V>): SyncState<V> {
  if (state.phase === 'loading') return { ...state, buffer: [...state.buffer, delta] };
  const data = applyDelta(state.data, delta);
  return data === state.data ? state : { phase: 'synced', data };
}

/**
 * The snapshot replaces everything; then the buffered deltas newer than it are applied in
 * position order, and those at or below its position (already in it) are dropped (invariant 5).
 */
export function receiveSnapshot<V extends ViewName>(
  state: SyncState<V>,
  snapshot: ViewSnapshot<V>,
): SyncState<V> {
  let data: ViewData<V> = {
    position: snapshot.position,
    rows: new Map(snapshot.rows.map((row) => [rowKey(snapshot.view, row), row])),
  };
  const buffered = state.phase === 'loading' ? [...state.buffer].sort((a, b) => a.position - b.position) : [];
  for (const delta of buffered) data = applyDelta(data, delta);
  return { phase: 'synced', data };
}

/** Replaces rows by key; a delta at or below the data's position is already included and ignored. */
export function applyDelta<V extends ViewName>(data: ViewData<V>, delta: ViewDelta<V>): ViewData<V> {
  if (delta.position <= data.position) return data;
  const rows = new Map(data.rows);
  for (const row of delta.rows) rows.set(rowKey(delta.view, row), row);
  return { position: delta.position, rows };
}
