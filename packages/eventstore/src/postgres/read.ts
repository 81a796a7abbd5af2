import type { Sql } from 'postgres';
import type { RecordedEvent } from '@pulse/events';
import type { ReadAllOptions, ReadStreamOptions } from '../port.ts';
import { toRecordedEvent, type EventRow } from './rows.ts';

export async function readStream(sql: Sql, stream: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
  const limit = options.limit ?? 1000;
  const rows =
    options.direction === 'backwards'
      ? await sql<EventRow[]>`
          SELECT * FROM events WHERE stream = ${stream}
            AND stream_version <= ${options.from ?? 2_147_483_647}
          ORDER BY stream_version DESC LIMIT ${limit}`
      : await sql<EventRow[]>`
          SELECT * FROM events WHERE stream = ${stream} AND stream_version >= ${options.from ?? 0}
          ORDER BY stream_version LIMIT ${limit}`;
  return rows.map(toRecordedEvent);
}

/** Keyset read of the global order. Writers commit in position order, so no gap can appear behind it. */
export async function readAll(sql: Sql, options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
  const { fromPosition = 0, limit = 1000, filter = {} } = options;
  const rows = await sql<EventRow[]>`
    SELECT * FROM events
    WHERE position > ${fromPosition}
      ${filter.tenant ? sql`AND tenant = ${filter.tenant}` : sql``}
      ${filter.types?.length ? sql`AND type = ANY(${filter.types}::text[])` : sql``}
      ${filter.streamPrefix ? sql`AND stream LIKE ${escapeLike(filter.streamPrefix) + '%'}` : sql``}
    ORDER BY position
    LIMIT ${limit}`;
  return rows.map(toRecordedEvent);
}

export async function headPosition(sql: Sql): Promise<number> {
  const [row] = await sql<{ head: number | null }[]>`SELECT max(position) AS head FROM events`;
  return row?.head ?? 0;
}

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}
