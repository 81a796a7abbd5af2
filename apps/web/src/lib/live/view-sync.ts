import type { ViewName, ViewRows, ViewSnapshot } from '@pulse/events';
import type { KeyedDelta } from './protocol.ts';
import { applyRowPatches } from './row-patches.ts';
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
  | { phase: 'loading'; buffer: KeyedDelta<V>[]; data: ViewData<V> | undefined }
  | { phase: 'synced'; data: ViewData<V> };

export function initialSync<V extends ViewName>(): SyncState<V> {
  return { phase: 'loading', buffer: [], data: undefined };
}

/** A (re)subscription started: buffer from now on, keep showing what we have. */
export function beginLoading<V extends ViewName>(state: SyncState<V>): SyncState<V> {
  return { phase: 'loading', buffer: [], data: state.data };
}

export function receiveDelta<V extends ViewName>(state: SyncState<V>, delta: KeyedDelta<V>): SyncState<V> {
  return receiveDeltas(state, [delta]);
}

/** Several deltas at once (one animation frame's worth): buffered while loading, else applied together. */
export function receiveDeltas<V extends ViewName>(
  state: SyncState<V>,
  deltas: readonly KeyedDelta<V>[],
): SyncState<V> {
  if (deltas.length === 0) return state;
  if (state.phase === 'loading') return { ...state, buffer: [...state.buffer, ...deltas] };
  const data = applyDeltas(state.data, deltas);
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
  const data: ViewData<V> = {
    position: snapshot.position,
    rows: new Map(snapshot.rows.map((row) => [rowKey(snapshot.view, row), row])),
  };
  const buffered = state.phase === 'loading' ? state.buffer : [];
  return { phase: 'synced', data: applyDeltas(data, buffered) };
}

/**
 * The server had every delta since the position we asked from: apply them, and whatever arrived
 * meanwhile, to the rows we kept. Each position is applied at most once, whichever way it came.
 * Returns undefined when we have no rows at that position (we then ask for a snapshot).
 */
export function receiveResume<V extends ViewName>(
  state: SyncState<V>,
  since: number,
  deltas: readonly KeyedDelta<V>[],
): SyncState<V> | undefined {
  if (!state.data || state.data.position !== since) return undefined;
  const buffered = state.phase === 'loading' ? state.buffer : [];
  return { phase: 'synced', data: applyDeltas(state.data, [...deltas, ...buffered]) };
}

/** Replaces rows by key; a delta at or below the data's position is already included and ignored. */
export function applyDelta<V extends ViewName>(data: ViewData<V>, delta: KeyedDelta<V>): ViewData<V> {
  return applyDeltas(data, [delta]);
}

/**
 * Applies deltas in position order, each only if newer than what is applied so far, copying the
 * rows once. Throws PatchBaseMissing when a patch names a row these rows lack (never expected:
 * the caller starts over from a snapshot).
 */
export function applyDeltas<V extends ViewName>(
  data: ViewData<V>,
  deltas: readonly KeyedDelta<V>[],
): ViewData<V> {
  const newer = deltas.filter((d) => d.position > data.position).sort((a, b) => a.position - b.position);
  if (newer.length === 0) return data;
  const rows = new Map(data.rows);
  let position = data.position;
  for (const delta of newer) {
    if (delta.position <= position) continue;
    for (const row of delta.rows) rows.set(rowKey(delta.view, row), row);
    if (delta.patches) applyRowPatches(rows, delta.patches);
    position = delta.position;
  }
  return { position, rows };
}
