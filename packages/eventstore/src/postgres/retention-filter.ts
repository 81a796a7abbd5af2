import type { Sql } from './rows.ts';

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
 * Rows whose transaction has finished, as of this statement's snapshot (see write-events.ts).
 * A scalar subquery, so the snapshot is taken once per statement rather than once per row.
 */
export function settled(sql: Sql) {
  return sql`e.transaction_id < (SELECT pg_snapshot_xmin(pg_current_snapshot()))`;
}
