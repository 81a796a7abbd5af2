import { WRITER_MARKER_CLASS, type Sql } from './rows.ts';

/** Category defaults for maxAge, in seconds, by category (`telemetry` → 30 days). */
export type CategoryMaxAge = Readonly<Record<string, number>>;

/**
 * Keeps the rows of `events e` that retention still allows: not below the stream's truncateBefore,
 * not older than the stream's maxAge or, without one, its category's default.
 *
 * Written for the common case, where few streams have metadata and nearly every row is kept, so a
 * read of thousands of rows pays almost nothing per row: whether any metadata exists is asked once
 * per statement (an InitPlan), and the per-stream lookups run only when it does (OR short-circuits);
 * a category default is a prefix test and a time comparison, and only a row that fails it looks
 * for a stream maxAge that would keep it.
 */
export function notExpired(sql: Sql, categoryMaxAge: CategoryMaxAge) {
  const anyMetadata = sql`(SELECT EXISTS (SELECT 1 FROM stream_metadata))`;
  const byStream = sql`
    (NOT ${anyMetadata} OR NOT EXISTS (
      SELECT 1 FROM stream_metadata m
      WHERE m.stream = e.stream
        AND (e.stream_version < m.truncate_before OR e.recorded_at < now() - make_interval(secs => m.max_age))))`;
  const byCategory = Object.entries(categoryMaxAge).map(
    ([category, maxAge]) => sql`
      AND (left(e.stream, ${category.length + 1}) <> ${category + '-'}
           OR e.recorded_at >= now() - make_interval(secs => ${maxAge})
           OR (${anyMetadata} AND EXISTS (
             SELECT 1 FROM stream_metadata m WHERE m.stream = e.stream AND m.max_age IS NOT NULL)))`,
  );
  return sql`${byStream} ${byCategory}`;
}

/**
 * The settled horizon, as an xid8: a row whose transaction id is below it can be returned, because
 * every append that could still commit a lower position has ended (see write-events.ts).
 *
 * Taken from this statement's snapshot: below its xmin every transaction has ended, so xmin would
 * do, and did at first. But xids are cluster-wide, and then any transaction holding an xid
 * anywhere in the cluster, in any database, held every reader back until it ended: a 24 s write
 * transaction in another database stalled live delivery for seconds (BENCHMARKS.md). So the
 * snapshot's running transactions (xip) hold readers back only if they may be appends:
 *
 * - those that hold the writer marker now (pulse_append: an append holds it from before it takes a
 *   position until it ends);
 * - those that have ended by now: they may have been appends whose rows this snapshot misses.
 *
 * A transaction that was running when the snapshot was taken, still runs, and holds no marker is
 * not an append that owns a position (it would hold the marker), so it is passed over. Order
 * matters, for each transaction: snapshot, then the lock table, then its status. An append that
 * took positions before the lock table was read holds the marker there, unless it had ended, and
 * then its status says so; one that took them later took them after every row this snapshot sees.
 * Read the other way round (status first, as an OR of the two tests was evaluated), an append
 * that commits between the two reads looks running and unmarked: it was passed over while its
 * rows, below later positions this snapshot sees, were missing from it, and a subscriber skipped
 * them (the property test, ~1 run in 1,000). SQL does not fix the order of an OR's operands; a
 * CASE does. Cost: one pass over the lock table per statement.
 */
export function writerHorizon(sql: Sql) {
  return sql`(
    SELECT least(pg_snapshot_xmax(s), (
      SELECT min(x) FROM pg_snapshot_xip(s) x
      WHERE CASE
        WHEN x::text::bigint % 4294967296 IN (
          SELECT l.objid::bigint FROM pg_locks l
          WHERE l.locktype = 'advisory' AND l.classid = ${WRITER_MARKER_CLASS} AND l.objsubid = 2 AND l.granted
            AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()))
        THEN true
        ELSE pg_xact_status(x) IS DISTINCT FROM 'in progress'
      END))
    FROM pg_current_snapshot() s)`;
}

/**
 * Rows whose transaction is below the settled horizon: computed once per statement (a scalar
 * subquery becomes an InitPlan), or, with `stored`, the one that `storeHorizon` left in the
 * transaction, so that several statements of one snapshot share it.
 */
export function settled(sql: Sql, stored = false) {
  return stored
    ? sql`e.transaction_id < current_setting('pulse.horizon')::xid8`
    : sql`e.transaction_id < ${writerHorizon(sql)}`;
}

/** Computes the horizon once for a REPEATABLE READ transaction (its first statement). */
export function storeHorizon(sql: Sql) {
  return sql`SELECT set_config('pulse.horizon', ${writerHorizon(sql)}::text, true)`;
}
