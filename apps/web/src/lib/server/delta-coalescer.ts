import type { ViewDelta, ViewName } from '@pulse/events';
import type { KeyedDelta } from '../live/protocol.ts';
import { rowKey } from '../live/view-rows.ts';
import { changedFields, encodePatches } from './row-diff.ts';

type Row = ViewDelta['rows'][number];

export interface CoalescerOptions {
  /** At most one emit per room per this many milliseconds. */
  intervalMs: number;
  emit: (room: string, delta: KeyedDelta) => void;
  /**
   * Views whose rows may go out as patches (only the fields that changed): those whose snapshot
   * holds every row of the view, so a client always has the row a patch applies to.
   */
  patchable?: (view: ViewName) => boolean;
  now?: () => number;
}

/** A row's fields changed since the room last emitted it, or 'whole' when it must go out whole. */
type Changes = Set<string> | 'whole';

interface Pending {
  delta: ViewDelta;
  rows: Map<string, Row>;
  /** Patchable views only: per row, what changed over every version heard since the last emit. */
  changes?: Map<string, Changes>;
}

/**
 * Merges the deltas of one room into at most one emit per interval (DESIGN "Budgets": a few emits
 * per second per view, each carrying many rows). Rows are merged by key, a later row replacing an
 * earlier one, and the merged delta carries the highest position. That is safe for a client that
 * skips deltas at or below its snapshot's position: deltas arrive in position order, so every row
 * of a merged delta is at least as new as the snapshot's. A delta that arrives out of order (at or
 * below a position this room has already seen, e.g. from a projector that lost its lock) is dropped
 * here, as every client would drop it: merged into a newer delta it would slip past their check.
 *
 * For a patchable view a row this room has emitted before goes out as a patch: the fields that
 * changed in ANY version heard since its last emit, not only against the last emitted one. A
 * client holds the view exactly as of its position (a snapshot, or every emit up to it), so its
 * row is the last emitted one or a version heard since (a snapshot may be newer than this node's
 * last emit, never older): every field the patch leaves out is equal in all of those. A row new
 * to the room, or one that lost a field, goes out whole; so does every row after a gap in what
 * this node heard (forget()).
 */
export class DeltaCoalescer {
  readonly #pending = new Map<string, Pending>();
  readonly #timers = new Map<string, ReturnType<typeof setTimeout>>();
  readonly #lastEmit = new Map<string, number>();
  readonly #highWater = new Map<string, number>();
  /** Patchable rooms: the row each key last went out as. */
  readonly #sent = new Map<string, Map<string, Row>>();
  readonly #now: () => number;

  constructor(private readonly options: CoalescerOptions) {
    this.#now = options.now ?? Date.now;
  }

  push(room: string, delta: ViewDelta): void {
    if (delta.position <= (this.#highWater.get(room) ?? -1)) {
      // Its rows may be in a snapshot some client holds, and no patch would carry their changes.
      this.#sent.delete(room);
      return;
    }
    this.#highWater.set(room, delta.position);
    let pending = this.#pending.get(room);
    if (!pending) {
      const patchable = this.options.patchable?.(delta.view) ?? false;
      pending = {
        delta: { ...delta, rows: [] },
        rows: new Map(),
        changes: patchable ? new Map() : undefined,
      };
      this.#pending.set(room, pending);
    }
    pending.delta.position = Math.max(pending.delta.position, delta.position);
    const sent = pending.changes && this.#sent.get(room);
    for (const row of delta.rows) {
      const key = rowKey(delta.view, row);
      if (pending.changes) this.#track(pending.changes, key, pending.rows.get(key) ?? sent?.get(key), row);
      pending.rows.set(key, row);
    }
    if (this.#timers.has(room)) return;
    // The first delta after a quiet spell goes out on the next tick (which still gathers the deltas
    // of the same socket read); later ones wait for the rest of the interval.
    const wait = Math.max(0, (this.#lastEmit.get(room) ?? -Infinity) + this.options.intervalMs - this.#now());
    this.#timers.set(
      room,
      setTimeout(() => this.flush(room), wait),
    );
  }

  #track(changes: Map<string, Changes>, key: string, prev: Row | undefined, row: Row): void {
    const sofar = changes.get(key) ?? new Set<string>();
    if (sofar === 'whole') return;
    const fields = prev && changedFields(prev, row);
    if (!fields) return void changes.set(key, 'whole');
    for (const f of fields) sofar.add(f);
    changes.set(key, sofar);
  }

  /** Emits what is pending for a room now. */
  flush(room: string): void {
    const timer = this.#timers.get(room);
    if (timer) clearTimeout(timer);
    this.#timers.delete(room);
    const pending = this.#pending.get(room);
    if (!pending) return;
    this.#pending.delete(room);
    this.#lastEmit.set(room, this.#now());
    if (!pending.changes) {
      this.options.emit(room, { ...pending.delta, rows: [...pending.rows.values()] });
      return;
    }
    let sent = this.#sent.get(room);
    if (!sent) this.#sent.set(room, (sent = new Map()));
    const whole: Row[] = [];
    const patched: { key: string; row: Row; fields: string[] }[] = [];
    for (const [key, row] of pending.rows) {
      const changes = pending.changes.get(key)!;
      sent.set(key, row);
      if (changes === 'whole') whole.push(row);
      // No field changed (the same version again): nothing to send for it.
      else if (changes.size > 0) patched.push({ key, row, fields: [...changes].sort() });
    }
    const delta: KeyedDelta = { ...pending.delta, rows: whole };
    if (patched.length > 0) delta.patches = encodePatches(patched);
    this.options.emit(room, delta);
  }

  /** This node may have missed deltas (its bus was down): rows go out whole until re-emitted. */
  forget(): void {
    this.#sent.clear();
  }

  /** Drops everything pending (shutdown, or the bus is down) and what was sent. */
  close(): void {
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    this.#pending.clear();
    this.#sent.clear();
  }
}
