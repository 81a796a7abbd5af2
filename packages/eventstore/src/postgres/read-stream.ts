import type { RecordedEvent } from '@pulse/events';
import type { ReadStreamOptions } from '../port.ts';
import { notExpired, type CategoryMaxAge } from './retention-filter.ts';
import { selectRecordedEvent, toRecordedEvents, type RecordedEventRow, type Sql } from './rows.ts';

/**
 * Reads one stream by version. No settled-rows filter here: a stream's versions are dense and
 * unique, so a command handler sees its own committed append at once (read-your-writes).
 */
export async function readStream(
  sql: Sql,
  stream: string,
  options: ReadStreamOptions,
  categoryMaxAge: CategoryMaxAge,
): Promise<RecordedEvent[]> {
  const limit = options.limit ?? 1000;
  const backwards = options.direction === 'backwards';
  const rows = await sql`
    SELECT ${selectRecordedEvent(sql)}
    FROM events e
    WHERE e.stream = ${stream}
      ${backwards ? sql`AND e.stream_version <= ${options.from ?? 2_147_483_647}` : sql`AND e.stream_version >= ${options.from ?? 0}`}
      AND ${notExpired(sql, categoryMaxAge)}
    ORDER BY e.stream_version ${backwards ? sql`DESC` : sql`ASC`}
    LIMIT ${limit}`.values();
  return toRecordedEvents(rows as unknown as RecordedEventRow[]);
}
