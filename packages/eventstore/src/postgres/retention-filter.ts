import type { Sql } from './rows.ts';

/** Category defaults for maxAge, in seconds, by category (`telemetry` → 30 days). */
export type CategoryMaxAge = Readonly<Record<string, number>>;

/**
 * Joins each row of `events e` to its retention: the stream's metadata (m) and its category's
 * default maxAge (c). Both are small, so PostgreSQL hashes them and keeps reading in index order.
 */
export function retentionJoins(sql: Sql, categoryMaxAge: CategoryMaxAge) {
  const categories = Object.keys(categoryMaxAge);
  return sql`
    LEFT JOIN stream_metadata m ON m.stream = e.stream
    LEFT JOIN unnest(${categories}::text[], ${categories.map((c) => categoryMaxAge[c]!)}::int[]) AS c(category, max_age)
      ON c.category = split_part(e.stream, '-', 1)`;
}

/** Keeps the rows that truncateBefore and maxAge (the stream's, else its category's) still allow. */
export function notExpired(sql: Sql) {
  return sql`e.stream_version >= coalesce(m.truncate_before, 0)
    AND (coalesce(m.max_age, c.max_age) IS NULL
         OR e.recorded_at >= now() - make_interval(secs => coalesce(m.max_age, c.max_age)))`;
}

/**
 * Rows whose transaction has finished, as of this statement's snapshot (see write-events.ts).
 * A scalar subquery, so the snapshot is taken once per statement rather than once per row.
 */
export function settled(sql: Sql) {
  return sql`e.transaction_id < (SELECT pg_snapshot_xmin(pg_current_snapshot()))`;
}
