import type { KeyedDelta } from '../live/protocol.ts';
import { patchedRows } from '../live/row-patches.ts';

export interface ResumeBufferOptions {
  /** How many emitted deltas each room keeps. */
  maxDeltas?: number;
  /** How many rows, over all of a room's kept deltas, before the oldest are dropped. */
  maxRows?: number;
}

interface Room {
  deltas: KeyedDelta[];
  rows: number;
  /** Every change after this position is in `deltas` (or still pending in the coalescer). */
  from: number;
}

/**
 * What each room emitted lately, so a client that reconnects with its last position gets exactly
 * the deltas it missed (invariant 5) instead of a whole snapshot. It keeps the deltas as they were
 * emitted (after coalescing), so their position ranges never overlap and a client at position p
 * needs precisely those above p.
 *
 * The buffer is only complete above a floor: the position every projection had reached when this
 * node started listening (a delta committed later is published later, so it was heard). A client
 * below the floor, or below what has been evicted, must take a snapshot.
 */
export class ResumeBuffer {
  readonly #rooms = new Map<string, Room>();
  readonly #maxDeltas: number;
  readonly #maxRows: number;
  /** Unknown before the node has listened and read the checkpoints: nothing can resume. */
  #floor = Number.POSITIVE_INFINITY;
  /** The highest position this node has seen; a client claiming more has data from elsewhere. */
  #head = Number.NEGATIVE_INFINITY;

  constructor(options: ResumeBufferOptions = {}) {
    this.#maxDeltas = options.maxDeltas ?? 512;
    this.#maxRows = options.maxRows ?? 50_000;
  }

  /** This node hears every delta above `position` from now on; what it kept before may have gaps. */
  reset(position: number): void {
    this.#floor = position;
    this.#head = position;
    this.#rooms.clear();
  }

  /** A position this node served (a snapshot's): clients at or below it are not from elsewhere. */
  observe(position: number): void {
    if (position > this.#head) this.#head = position;
  }

  /** The node stopped hearing deltas (bus down): no client may resume until the next reset. */
  invalidate(): void {
    this.reset(Number.POSITIVE_INFINITY);
  }

  record(room: string, delta: KeyedDelta): void {
    let r = this.#rooms.get(room);
    if (!r) {
      r = { deltas: [], rows: 0, from: this.#floor };
      this.#rooms.set(room, r);
    }
    r.deltas.push(delta);
    this.observe(delta.position);
    r.rows += delta.rows.length + patchedRows(delta.patches);
    while (r.deltas.length > this.#maxDeltas || (r.rows > this.#maxRows && r.deltas.length > 1)) {
      const dropped = r.deltas.shift()!;
      r.rows -= dropped.rows.length + patchedRows(dropped.patches);
      r.from = dropped.position;
    }
  }

  /**
   * The deltas a client at `position` missed, oldest first (possibly none), or undefined when
   * this buffer cannot prove it has all of them.
   */
  since(room: string, position: number): KeyedDelta[] | undefined {
    const r = this.#rooms.get(room);
    const from = r?.from ?? this.#floor;
    // Ahead of this node: a rebuilt read model or another deployment; only a snapshot is safe.
    if (position < from || position > this.#head) return undefined;
    if (!r) return [];
    // Deltas are recorded in position order; find the first one above the client's position.
    let i = r.deltas.length;
    while (i > 0 && r.deltas[i - 1]!.position > position) i--;
    return r.deltas.slice(i);
  }
}
