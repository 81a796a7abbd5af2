import type { Sql as PoolSql } from 'postgres';
import type { RetentionResult } from '../port.ts';
import type { CategoryMaxAge } from './retention-filter.ts';

export interface RetentionOptions {
  /** Rows per DELETE. Each batch is its own short transaction. */
  batchSize?: number;
}

/**
 * Deletes what reads already hide: events below a stream's truncateBefore, and events older than
 * the stream's maxAge or, without one, its category's default; each stream's last event stays. Each DELETE takes at most
 * `batchSize` rows and commits on its own, so row locks and the transaction's xid (which holds
 * readers' settled head back, see write-events.ts) last milliseconds. Inserts never touch old
 * rows, so writers are not blocked at all.
 */
export async function applyRetention(
  sql: PoolSql,
  categoryMaxAge: CategoryMaxAge,
  options: RetentionOptions = {},
): Promise<RetentionResult> {
  const batchSize = options.batchSize ?? 1000;
  let deleted = 0;

  const perStream = await sql<{ stream: string; max_age: number | null; truncate_before: number | null }[]>`
    SELECT stream, max_age, truncate_before FROM stream_metadata`;
  for (const m of perStream) {
    if (m.truncate_before !== null) {
      deleted += await inBatches(batchSize, () => sql`
        DELETE FROM events WHERE position = ANY(ARRAY(
          SELECT e.position FROM events e
          WHERE e.stream = ${m.stream} AND e.stream_version < ${m.truncate_before} AND ${notLast(sql)}
          LIMIT ${batchSize}))`);
    }
    if (m.max_age !== null) {
      deleted += await inBatches(batchSize, () => sql`
        DELETE FROM events WHERE position = ANY(ARRAY(
          SELECT e.position FROM events e
          WHERE e.stream = ${m.stream} AND e.recorded_at < now() - make_interval(secs => ${m.max_age}) AND ${notLast(sql)}
          LIMIT ${batchSize}))`);
    }
  }

  // A category's default applies to its streams that have no maxAge of their own. The BRIN
  // index on recorded_at narrows the scan to the old end of the table.
  for (const [category, maxAge] of Object.entries(categoryMaxAge)) {
    const prefix = `${category.replace(/[\\%_]/g, (c) => `\\${c}`)}-%`;
    deleted += await inBatches(batchSize, () => sql`
      DELETE FROM events WHERE position = ANY(ARRAY(
        SELECT e.position FROM events e
        WHERE e.recorded_at < now() - make_interval(secs => ${maxAge})
          AND e.stream LIKE ${prefix}
          AND NOT EXISTS (SELECT 1 FROM stream_metadata m WHERE m.stream = e.stream AND m.max_age IS NOT NULL)
          AND ${notLast(sql)}
        LIMIT ${batchSize}))`);
  }
  return { deleted };
}

/**
 * A stream's last event stays, hidden from reads, as KurrentDB's scavenge keeps it: the next
 * append numbers on from it (pulse_append), so a stream's versions never start over.
 */
function notLast(sql: PoolSql) {
  return sql`e.stream_version < (SELECT max(l.stream_version) FROM events l WHERE l.stream = e.stream)`;
}

async function inBatches(batchSize: number, deleteBatch: () => Promise<{ count: number }>): Promise<number> {
  let total = 0;
  for (;;) {
    const { count } = await deleteBatch();
    total += count;
    if (count < batchSize) return total;
  }
}
