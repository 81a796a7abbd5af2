import type { Sql, TransactionSql } from 'postgres';
import { eventTypes, type KnownRecordedEvent, type RecordedEvent, type ViewDelta } from '@pulse/events';
import { advanceCheckpoint } from '../adapters/checkpoints.ts';
import { checkEvent } from './known-event.ts';
import type { ProjectionCache } from './row-cache.ts';

/** What one committed batch leaves for the runner to do: deltas to publish, events it had to skip. */
export interface CommittedBatch {
  position: number;
  deltas: ViewDelta[];
  invalid: InvalidEvent[];
}

export interface InvalidEvent {
  position: number;
  type: string;
  reason: string;
}

/** A batch checked against the catalog once, shared by every projection that folds it. */
export interface CheckedBatch {
  /** The last position of the batch, whether or not its event is known. */
  position: number;
  events: KnownRecordedEvent[];
  invalid: InvalidEvent[];
}

/**
 * `types`: the only event types the caller folds (typesOf its projections). Events of other types
 * are passed over unchecked, as an unknown type is: no projection of the caller would read them,
 * so checking them against their schemas (zod) is work for nothing.
 */
export function checkBatch(batch: readonly RecordedEvent[], types?: ReadonlySet<string>): CheckedBatch {
  if (batch.length === 0) throw new Error('a batch needs at least one event');
  const checked: CheckedBatch = { position: batch[batch.length - 1]!.position, events: [], invalid: [] };
  for (const recorded of batch) {
    if (types && !types.has(recorded.type)) continue;
    const c = checkEvent(recorded);
    if (c.kind === 'known') checked.events.push(c.event);
    else if (c.kind === 'invalid')
      checked.invalid.push({ position: recorded.position, type: recorded.type, reason: c.reason });
  }
  return checked;
}

/**
 * The tables a projection writes, by logical name. Live, each maps to itself; a rebuild maps each
 * to its shadow (`<table>_rebuild`), so the same code fills either.
 */
export type Tables<K extends string = string> = Readonly<Record<K, string>>;

/**
 * A read model: pure folding lives in each projection's `*.evolve.ts`; `apply` is its persistence
 * for one batch inside the caller's transaction (load the touched rows in one query per table,
 * evolve in memory, upsert once) and returns the deltas to publish once that transaction commits.
 */
export interface Projection<K extends string = string> {
  name: string;
  /** Logical table name → live table name. */
  tables: Tables<K>;
  /**
   * `cache`: the live runner's rows in memory (rows it loads or writes are staged there); a
   * rebuild's catch-up passes none and loads every row it touches.
   */
  apply(
    tx: TransactionSql,
    batch: CheckedBatch,
    tables: Tables<K>,
    cache?: ProjectionCache,
  ): Promise<ViewDelta[]>;
  /** Called after each committed batch (the reactions process manager wakes its outbox here). */
  afterCommit?: () => void;
  /**
   * The event types its evolve reads (by prefix, from the catalog): a rebuild reads only these.
   * Undefined: every type.
   */
  eventTypes?: readonly string[];
  /** Rebuild it in a lane of its own (a worker thread): it holds a large share of the log's work. */
  ownLane?: boolean;
  /** The rebuild path: the same evolve over rows kept in memory, written in large flushes. */
  rebuilder?: (ctx: RebuildContext) => Rebuilder;
}

/** What a rebuild reads once up front: the settings a fold depends on. */
export interface RebuildContext {
  funnelSteps: ReadonlyMap<string, readonly string[]>;
}

/**
 * A rebuild owns its shadow tables, so it need not load a row it has already seen: it folds every
 * batch into rows held in memory (the same pure evolve as the live path) and writes the rows that
 * changed every so often (while folding goes on).
 */
export interface Rebuilder {
  fold(batch: CheckedBatch): void;
  flush(tx: TransactionSql, tables: Tables): Promise<void>;
  /** Once, after the last flush: tables derived from the rows (counts, rollups). */
  finish?(tx: TransactionSql, tables: Tables, position: number): Promise<void>;
}

/** Rows changed since the last take, keyed; `take` hands them over and starts afresh. */
export class Dirty<R> {
  private changed = new Map<string, R>();
  private taken = new Set<string>();
  set(key: string, row: R): void {
    this.changed.set(key, row);
  }
  take(): R[] {
    const rows = [...this.changed.values()];
    this.changed = new Map();
    return rows;
  }
  /**
   * Like `take`, split into rows never taken before and rows taken before. For a rebuild's shadow
   * table, which only its own flushes (one at a time, in order) write, the first are new rows
   * that can be COPYed without an upsert; a failed flush fails the whole rebuild.
   */
  takeSplit(): { fresh: R[]; again: R[] } {
    const fresh: R[] = [];
    const again: R[] = [];
    for (const [key, row] of this.changed) {
      if (this.taken.has(key)) again.push(row);
      else {
        this.taken.add(key);
        fresh.push(row);
      }
    }
    this.changed = new Map();
    return { fresh, again };
  }
}

/** Runs a write over rows in chunks, so no statement carries more than `size` rows. */
export async function inChunks<R>(
  rows: R[],
  size: number,
  write: (chunk: R[]) => Promise<unknown>,
): Promise<void> {
  for (let i = 0; i < rows.length; i += size) await write(rows.slice(i, i + size));
}

/** The live tables, or their shadows for a rebuild. */
export function tablesOf(p: Projection, shadow: boolean): Tables {
  if (!shadow) return p.tables;
  return Object.fromEntries(Object.entries(p.tables).map(([k, t]) => [k, `${t}_rebuild`]));
}

/**
 * Applies one batch and moves the checkpoint from `from` to the batch's last position in one
 * transaction (invariant 4). `checkpoint` is the projection's name live, `<name>:rebuild` for a rebuild.
 */
export async function commitBatch(
  sql: Sql,
  projection: Projection,
  batch: CheckedBatch,
  from: number,
  o: { checkpoint?: string; tables?: Tables } = {},
): Promise<CommittedBatch> {
  const checkpoint = o.checkpoint ?? projection.name;
  const deltas = await sql.begin(async (tx) => {
    // Claimed and moved up front: the rows below commit with it or not at all.
    await advanceCheckpoint(tx, checkpoint, from, batch.position);
    return projection.apply(tx, batch, o.tables ?? projection.tables);
  });
  return { position: batch.position, deltas, invalid: batch.invalid };
}

/** Groups rows into one delta per tenant, all at the batch position (invariant 5). */
export function deltasByTenant<V extends ViewDelta['view'], R extends { tenant: string }>(
  view: V,
  rows: readonly R[],
  position: number,
  toView: (row: R) => ViewDelta<V>['rows'][number],
): ViewDelta<V>[] {
  const byTenant = new Map<string, ViewDelta<V>>();
  for (const row of rows) {
    let delta = byTenant.get(row.tenant);
    if (!delta) byTenant.set(row.tenant, (delta = { view, tenant: row.tenant, position, rows: [] }));
    delta.rows.push(toView(row));
  }
  return [...byTenant.values()];
}

/** Strips what only the read model keeps (tenant, position) from a row. */
export function withoutTenant<R extends { tenant: string; position: number }>(
  row: R,
): Omit<R, 'tenant' | 'position'> {
  const { tenant: _t, position: _p, ...view } = row;
  return view;
}

/** The part of a checked batch past a position (the whole batch when the position is before it). */
export function after(checked: CheckedBatch, position: number): CheckedBatch {
  if (checked.events.length === 0 || checked.events[0]!.position > position) {
    if (checked.invalid.every((i) => i.position > position)) return checked;
  }
  return {
    position: checked.position,
    events: checked.events.filter((e) => e.position > position),
    invalid: checked.invalid.filter((i) => i.position > position),
  };
}

/**
 * The event types some projections fold: every type one of them names, or undefined (every type)
 * if one of them does not say.
 */
export function typesOf(projections: readonly Projection[]): string[] | undefined {
  if (projections.some((p) => !p.eventTypes)) return undefined;
  return [...new Set(projections.flatMap((p) => p.eventTypes!))];
}

/** The catalog's event types that start with a prefix (`machine.`): what a projection folds. */
export const typesStartingWith = (prefix: string): string[] => eventTypes.filter((t) => t.startsWith(prefix));
