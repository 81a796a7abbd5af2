import type { Sql, TransactionSql } from 'postgres';
import type { EventStore } from '@pulse/eventstore';
import type { RecordedEvent } from '@pulse/events';
import { claimCheckpoint, ensureCheckpoint, storeCheckpoint } from '../adapters/checkpoints.ts';
import { loadFunnelSteps } from '../projections/funnel/funnel.projection.ts';
import {
  checkBatch,
  commitBatch,
  tablesOf,
  type Projection,
  type Rebuilder,
} from '../projections/projection.ts';

export interface RebuildProgress {
  position: number;
  head: number;
  events: number;
  eventsPerSecond: number;
  phase: 'replaying' | 'swapping' | 'done';
}

export interface RebuildOptions {
  sql: Sql;
  store: EventStore;
  projections: readonly Projection[];
  batchSize?: number;
  onProgress?: (p: RebuildProgress) => void;
  /** How often progress is reported, in ms. */
  progressMs?: number;
  /** Events folded in memory between two writes of the changed rows. */
  flushEvery?: number;
}

export interface RebuildResult {
  events: number;
  position: number;
  seconds: number;
  eventsPerSecond: number;
}

const rebuildCheckpoint = (p: Projection) => `${p.name}:rebuild`;

/**
 * Rebuilds read models from the whole log while the live ones keep serving: replay into shadow
 * tables (`<table>_rebuild`, each with its own checkpoint), then, in one transaction that holds
 * the live checkpoints, replay the few events the live model got meanwhile, swap the tables by
 * renaming, and move the live checkpoints to the shadow's position. A live projector blocked on its
 * checkpoint during the swap then finds it moved and carries on from there (CheckpointMoved), on
 * the new tables. The log is read once for all the projections given.
 */
export async function rebuild(o: RebuildOptions): Promise<RebuildResult> {
  const { sql, store, projections } = o;
  const batchSize = o.batchSize ?? 5000;
  const started = performance.now();
  const head = await store.headPosition();
  for (const p of projections) await createShadow(sql, p);

  let from = 0;
  let events = 0;
  let lastReport = 0;
  const report = (phase: RebuildProgress['phase']) => {
    const seconds = (performance.now() - started) / 1000;
    o.onProgress?.({
      position: from,
      head,
      events,
      eventsPerSecond: Math.round(events / Math.max(seconds, 1e-3)),
      phase,
    });
  };
  // Projections with a rebuilder fold in memory and write every `flushEvery` events; the others
  // commit batch by batch like the live path.
  const tenants = await sql<{ tenant: string }[]>`SELECT DISTINCT tenant FROM projector_tenant_settings`;
  const ctx = {
    funnelSteps: await loadFunnelSteps(
      sql,
      tenants.map((t) => t.tenant),
    ),
  };
  const builders = projections.map((p) => ({ p, b: p.rebuilder?.(ctx) }));
  const inMemory = builders.filter((x): x is { p: Projection; b: Rebuilder } => x.b !== undefined);
  const batched = builders.filter((x) => x.b === undefined).map((x) => x.p);
  const flushEvery = o.flushEvery ?? 200_000;
  let flushedAt = 0;
  let sinceFlush = 0;
  let flushing: Promise<void> = Promise.resolve();
  // Each flush writes the rows changed so far, with the in-memory projections' checkpoints, in one
  // transaction; it runs while folding goes on, one flush at a time. A row that changes again
  // meanwhile may be written early: the next flush writes it again, and a crashed rebuild starts over.
  const flush = (position: number, last: boolean) => {
    const writes = inMemory.map(({ p, b }) => ({ p, b, t: tablesOf(p, true) }));
    const from = flushedAt;
    flushedAt = position;
    const previous = flushing;
    flushing = previous.then(() =>
      sql
        .begin(async (tx) => {
          for (const w of writes) {
            await claimCheckpoint(tx, rebuildCheckpoint(w.p), from);
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
  let next: Promise<RecordedEvent[]> = store.readAll({ fromPosition: from, limit: batchSize });
  for (;;) {
    const batch = await next;
    if (batch.length === 0) {
      // Past the head it started from, the swap takes the rest under lock. Before it, an empty read
      // only means an older transaction somewhere in the cluster still hides events: wait for it.
      // (Positions of rolled-back appends are never filled: stop when nothing committed is left.)
      if (from >= head || !(await committedAfter(sql, from))) break;
      await new Promise((r) => setTimeout(r, 20));
      next = store.readAll({ fromPosition: from, limit: batchSize });
      continue;
    }
    const last = batch[batch.length - 1]!.position;
    next = store.readAll({ fromPosition: last, limit: batchSize });
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
    if (sinceFlush >= flushEvery) {
      sinceFlush = 0;
      // At most one flush in flight: wait for the previous one before taking more rows.
      await flushing;
      void flush(from, false).catch(() => {});
    }
    if (performance.now() - lastReport >= (o.progressMs ?? 1000)) {
      lastReport = performance.now();
      report('replaying');
    }
    // A short batch at or past the starting head: the swap takes the rest under lock.
    if (batch.length < batchSize && from >= head) break;
  }
  await flushing;
  await flush(from, true);
  for (const p of projections) await addSecondaryIndexes(sql, p);
  report('swapping');
  from = await swap(sql, store, projections, from, batchSize);
  report('done');
  const seconds = (performance.now() - started) / 1000;
  return { events, position: from, seconds, eventsPerSecond: Math.round(events / Math.max(seconds, 1e-3)) };
}

/**
 * A shadow of each table with its columns, defaults, checks and primary key (the upserts need it),
 * but not its other indexes: building those once after the bulk load is far cheaper than keeping
 * them up to date row by row (see addSecondaryIndexes).
 */
/** Whether a committed event lies past `position` (one the gap-safe reader may still hide). */
async function committedAfter(sql: Sql, position: number): Promise<boolean> {
  const rows = await sql`SELECT 1 FROM events WHERE position > ${position} LIMIT 1`;
  return rows.length > 0;
}

async function createShadow(sql: Sql, p: Projection): Promise<void> {
  await sql.begin(async (tx) => {
    for (const table of Object.values(p.tables)) {
      const shadow = `${table}_rebuild`;
      await tx`DROP TABLE IF EXISTS ${tx(shadow)}`;
      await tx`CREATE TABLE ${tx(shadow)} (LIKE ${tx(table)} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`;
      const [pk] = await tx<{ columns: string[] }[]>`
        SELECT array_agg(a.attname ORDER BY k.ord)::text[] AS columns
        FROM pg_index x JOIN pg_class t ON t.oid = x.indrelid
        CROSS JOIN LATERAL unnest(x.indkey) WITH ORDINALITY AS k (attnum, ord)
        JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
        WHERE t.relname = ${table} AND t.relnamespace = 'public'::regnamespace AND x.indisprimary`;
      if (pk?.columns?.length) await tx`ALTER TABLE ${tx(shadow)} ADD PRIMARY KEY (${tx(pk.columns)})`;
    }
    await tx`DELETE FROM projection_checkpoints WHERE projection = ${rebuildCheckpoint(p)}`;
    await tx`INSERT INTO projection_checkpoints (projection, position) VALUES (${rebuildCheckpoint(p)}, 0)`;
  });
}

/** Builds the live tables' other indexes on the shadows, before the swap (outside its lock). */
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

/** Catches the shadows up under the live checkpoints' locks and swaps them in; returns the position. */
async function swap(
  sql: Sql,
  store: EventStore,
  projections: readonly Projection[],
  shadowAt: number,
  batchSize: number,
): Promise<number> {
  for (const p of projections) await ensureCheckpoint(sql, p.name);
  return sql.begin(async (tx) => {
    // Holding every live checkpoint stops the live projector between two batches of its own.
    const rows = await tx<{ position: number }[]>`
      SELECT position FROM projection_checkpoints
      WHERE projection = ANY(${projections.map((p) => p.name)}::text[]) ORDER BY projection FOR UPDATE`;
    const live = Math.max(...rows.map((r) => r.position));
    let at = shadowAt;
    while (at < live) {
      const batch = await store.readAll({ fromPosition: at, limit: batchSize });
      if (batch.length === 0) {
        // The live model is past what this reader sees yet (an older transaction still open): wait for it.
        await new Promise((r) => setTimeout(r, 20));
        continue;
      }
      const checked = checkBatch(batch);
      for (const p of projections) await p.apply(tx, checked, tablesOf(p, true));
      at = checked.position;
    }
    for (const p of projections) {
      for (const table of Object.values(p.tables)) await swapTable(tx, table);
      await tx`UPDATE projection_checkpoints SET position = ${at}, updated_at = now() WHERE projection = ${p.name}`;
      await tx`DELETE FROM projection_checkpoints WHERE projection = ${rebuildCheckpoint(p)}`;
    }
    return at;
  });
}

/** Renames the shadow into place and gives its indexes the live names, so migrations find them. */
async function swapTable(tx: TransactionSql, table: string): Promise<void> {
  const shadow = `${table}_rebuild`;
  const old = `${table}_replaced`;
  const indexes = async (t: string) =>
    tx<{ name: string; def: string }[]>`
      SELECT i.relname AS name, pg_get_indexdef(i.oid) AS def FROM pg_index x
      JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
      WHERE t.relname = ${t} AND t.relnamespace = 'public'::regnamespace`;
  // An index's definition, less its own name and its table's: the same for a live index and its shadow.
  const shape = (def: string, name: string, t: string) =>
    def.replace(` ${name} `, ' ').replace(` public.${t} `, ' ');
  const liveIndexes = await indexes(table);
  const shadowIndexes = await indexes(shadow);
  await tx`ALTER TABLE ${tx(table)} RENAME TO ${tx(old)}`;
  await tx`ALTER TABLE ${tx(shadow)} RENAME TO ${tx(table)}`;
  await tx`DROP TABLE ${tx(old)}`;
  for (const s of shadowIndexes) {
    const match = liveIndexes.find((l) => shape(l.def, l.name, table) === shape(s.def, s.name, shadow));
    if (match && match.name !== s.name) await tx`ALTER INDEX ${tx(s.name)} RENAME TO ${tx(match.name)}`;
  }
}
