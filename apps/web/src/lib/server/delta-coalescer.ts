import type { ViewDelta } from '@pulse/events';
import { rowKey } from '../live/view-rows.ts';

export interface CoalescerOptions {
  /** At most one emit per room per this many milliseconds. */
  intervalMs: number;
  emit: (room: string, delta: ViewDelta) => void;
  now?: () => number;
}

interface Pending {
  delta: ViewDelta;
  rows: Map<string, ViewDelta['rows'][number]>;
}

/**
 * Merges the deltas of one room into at most one emit per interval (DESIGN "Budgets": a few emits
 * per second per view, each carrying many rows). Rows are merged by key, a later row replacing an
 * earlier one, and the merged delta carries the highest position. That is safe for a client that
 * skips deltas at or below its snapshot's position: deltas arrive in position order, so every row
 * of a merged delta is at least as new as the snapshot's. A delta that arrives out of order (at or
 * below a position this room has already seen, e.g. from a projector that lost its lock) is dropped
 * here, as every client would drop it: merged into a newer delta it would slip past their check.
 */
export class DeltaCoalescer {
  readonly #pending = new Map<string, Pending>();
  readonly #timers = new Map<string, ReturnType<typeof setTimeout>>();
  readonly #lastEmit = new Map<string, number>();
  readonly #highWater = new Map<string, number>();
  readonly #now: () => number;

  constructor(private readonly options: CoalescerOptions) {
    this.#now = options.now ?? Date.now;
  }

  push(room: string, delta: ViewDelta): void {
    if (delta.position <= (this.#highWater.get(room) ?? -1)) return;
    this.#highWater.set(room, delta.position);
    const pending = this.#pending.get(room);
    if (pending) {
      for (const row of delta.rows) pending.rows.set(rowKey(delta.view, row), row);
      pending.delta.position = Math.max(pending.delta.position, delta.position);
    } else {
      const rows = new Map(delta.rows.map((row) => [rowKey(delta.view, row), row] as const));
      this.#pending.set(room, { delta: { ...delta, rows: [] }, rows });
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

  /** Emits what is pending for a room now. */
  flush(room: string): void {
    const timer = this.#timers.get(room);
    if (timer) clearTimeout(timer);
    this.#timers.delete(room);
    const pending = this.#pending.get(room);
    if (!pending) return;
    this.#pending.delete(room);
    this.#lastEmit.set(room, this.#now());
    this.options.emit(room, { ...pending.delta, rows: [...pending.rows.values()] });
  }

  /** Drops everything pending (shutdown). */
  close(): void {
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    this.#pending.clear();
  }
}
