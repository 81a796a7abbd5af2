import type { Sql } from 'postgres';
import type { EventStore } from '@pulse/eventstore';
import type { RecordedEvent } from '@pulse/events';
import { claimCheckpoint, storeCheckpoint } from '../adapters/checkpoints.ts';
import {
  checkBatch,
  commitBatch,
  tablesOf,
  typesOf,
  type Projection,
  type Rebuilder,
  type RebuildContext,
} from '../projections/projection.ts';

export const rebuildCheckpoint = (p: Projection) => `${p.name}:rebuild`;

export interface LaneOptions {
  sql: Sql;
  store: EventStore;
  projections: readonly Projection[];
  ctx: RebuildContext;
  /** The head when the rebuild started: the lane replays at least to it. */
  head: number;
  batchSize: number;
  /** Events folded in memory between two writes of the changed rows. */
  flushEvery: number;
  onProgress?: (p: { events: number; position: number }) => void;
}

/**
 * Replays the log into the shadow tables of some projections, reading only the event types they
 * fold, and returns the position their shadows reflect (their `<name>:rebuild` checkpoints).
 * Projections with a rebuilder fold in memory and write every `flushEvery` events; the others
 * commit batch by batch like the live path.
 */
export async function replayLane(o: LaneOptions): Promise<{ events: number; position: number }> {
  const { sql, store, projections, head, batchSize } = o;
  // The event types the lane reads: all its projections fold, or every type if one does not say.
  const types = typesOf(projections);
  const read = (fromPosition: number) =>
    store.readAll({ fromPosition, limit: batchSize, filter: types ? { types } : {} });
  const builders = projections.map((p) => ({ p, b: p.rebuilder?.(o.ctx) }));
  const inMemory = builders.filter((x): x is { p: Projection; b: Rebuilder } => x.b !== undefined);
  const batched = builders.filter((x) => x.b === undefined).map((x) => x.p);
  let from = 0;
  let events = 0;
  let flushedAt = 0;
  let sinceFlush = 0;
  let flushing: Promise<void> = Promise.resolve();
  // Each flush writes the rows changed so far, with the in-memory projections' checkpoints, in one
  // transaction; it runs while folding goes on, one flush at a time. A row that changes again
  // meanwhile may be written early: the next flush writes it again, and a crashed rebuild starts over.
  const flush = (position: number, last: boolean) => {
    const writes = inMemory.map(({ p, b }) => ({ p, b, t: tablesOf(p, true) }));
    const start = flushedAt;
    flushedAt = position;
    flushing = flushing.then(() =>
      sql
        .begin(async (tx) => {
          for (const w of writes) {
            await claimCheckpoint(tx, rebuildCheckpoint(w.p), start);
            await w.b.flush(tx, w.t);
            if (last) await w.b.finish?.(tx, w.t, position);
            await storeCheckpoint(tx, rebuildCheckpoint(w.p), position);
          }
        })
        .then(() => undefined),
    );
    return flushing;
  };
  // Read the next batch while the current one folds: reading and folding overlap.
  let next: Promise<RecordedEvent[]> = read(from);
  for (;;) {
    const batch = await next;
    if (batch.length === 0) {
      // Past the head it started from, the swap takes the rest under lock. Before it, an empty read
      // only means an older transaction somewhere in the cluster still hides events: wait for it.
      // (Positions of rolled-back appends are never filled: stop when nothing committed is left.)
      if (from >= head || !(await committedAfter(sql, from, types))) break;
      await new Promise((r) => setTimeout(r, 20));
      next = read(from);
      continue;
    }
    const last = batch[batch.length - 1]!.position;
    next = read(last);
    const checked = checkBatch(batch);
    for (const { b } of inMemory) b.fold(checked);
    await Promise.all(
      batched.map((p) =>
        commitBatch(sql, p, checked, from, { checkpoint: rebuildCheckpoint(p), tables: tablesOf(p, true) }),
      ),
    );
    from = last;
    events += batch.length;
    sinceFlush += batch.length;
    if (sinceFlush >= o.flushEvery) {
      sinceFlush = 0;
      // At most one flush in flight: wait for the previous one before taking more rows.
      await flushing;
      void flush(from, false).catch(() => {});
    }
    o.onProgress?.({ events, position: from });
    // A short batch at or past the starting head: the swap takes the rest under lock.
    if (batch.length < batchSize && from >= head) break;
  }
  // A lane that reads some types may end before the head: if the head is settled (a reader gets
  // it, so every lower position has ended) and none of its types lies between, its shadow is as
  // of the head too, and the swap need not replay the others' events for it under lock.
  if (types && from < head) {
    const [probe] = await store.readAll({ fromPosition: head - 1, limit: 1 });
    if (probe && probe.position >= head && !(await committedAfter(sql, from, types, head))) from = head;
  }
  await flushing;
  await flush(from, true);
  // Each lane builds its own shadows' other indexes once their rows are in, while other lanes may
  // still replay: the largest (telemetry's) then costs the rebuild no time of its own.
  for (const p of projections) {
    await addSecondaryIndexes(sql, p);
    // Planner statistics before the shadow goes live: the live batches' key lookups join arrays
    // of keys, and without statistics the telemetry load probed read_telemetry_metric and filtered
    // the bucket's other machines' rows instead of using the primary key. Autovacuum would analyze
    // the swapped-in table only later (or never, where it is off).
    for (const table of Object.values(tablesOf(p, true))) await sql`ANALYZE ${sql(table)}`;
  }
  return { events, position: from };
}

/** Whether a committed event (of the types, if given; up to `upTo`) lies past `position`. */
async function committedAfter(
  sql: Sql,
  position: number,
  types: string[] | undefined,
  upTo = Number.MAX_SAFE_INTEGER,
): Promise<boolean> {
  const rows = await sql`
    SELECT 1 FROM events WHERE position > ${position} AND position <= ${upTo}
      ${types ? sql`AND type = ANY(${types}::text[])` : sql``} LIMIT 1`;
  return rows.length > 0;
}

/** Builds the live tables' other indexes on a projection's shadows, before the swap (outside its lock). */
async function addSecondaryIndexes(sql: Sql, p: Projection): Promise<void> {
  for (const table of Object.values(p.tables)) {
    const defs = await sql<{ name: string; def: string }[]>`
      SELECT i.relname AS name, pg_get_indexdef(i.oid) AS def FROM pg_index x
      JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
      WHERE t.relname = ${table} AND t.relnamespace = 'public'::regnamespace AND NOT x.indisprimary`;
    for (const { name, def } of defs) {
      // The live definition, unnamed (PostgreSQL picks a free name) and on the shadow.
      await sql.unsafe(
        def.replace(` INDEX ${name} ON public.${table} `, ` INDEX ON public.${table}_rebuild `),
      );
    }
  }
}
