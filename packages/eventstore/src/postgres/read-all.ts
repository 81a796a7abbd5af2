import type { Sql as PoolSql } from 'postgres';
import type { RecordedEvent } from '@pulse/events';
import type { ReadAllOptions } from '../port.ts';
import { notExpired, settled, type CategoryMaxAge } from './retention-filter.ts';
import {
  inReadTransaction,
  selectRecordedEvent,
  toRecordedEvents,
  type RecordedEventRow,
  type Sql,
} from './rows.ts';

/**
 * Keyset read of the global order. Only settled rows are returned, so a reader that moves its
 * checkpoint to the last position it got never skips an event that commits later.
 */
export async function readAll(
  sql: PoolSql,
  options: ReadAllOptions,
  categoryMaxAge: CategoryMaxAge,
): Promise<RecordedEvent[]> {
  const [rows] = await inReadTransaction(sql, 'READ COMMITTED', (conn) => [
    readAllQuery(conn, options, categoryMaxAge),
  ]);
  return toRecordedEvents(rows as RecordedEventRow[]);
}

/**
 * The page query on its own, so a subscription can read it together with the settled head. Rows
 * come as arrays: toRecordedEvents makes the events.
 */
export function readAllQuery(
  sql: Sql,
  options: ReadAllOptions,
  categoryMaxAge: CategoryMaxAge,
  storedHorizon = false,
) {
  const { fromPosition = 0, limit = 1000, filter = {} } = options;
  return sql`
    SELECT ${selectRecordedEvent(sql)}
    FROM events e
    WHERE e.position > ${fromPosition}
      AND ${settled(sql, storedHorizon)}
      ${filter.tenant ? sql`AND e.tenant = ${filter.tenant}` : sql``}
      ${filter.types?.length ? sql`AND e.type = ANY(${filter.types}::text[])` : sql``}
      ${filter.streamPrefix ? sql`AND e.stream LIKE ${escapeLike(filter.streamPrefix) + '%'}` : sql``}
      AND ${notExpired(sql, categoryMaxAge)}
    ORDER BY e.position
    LIMIT ${limit}`.values();
}

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}
