import type { NewEvent } from '../port.ts';
import type { Sql } from './rows.ts';

export interface StoredEvent {
  id: string;
  stream: string;
  position: number;
  stream_version: number;
  /** Same stream, type and data (compared as jsonb, so key order and number spelling do not matter). */
  same: boolean;
}

/**
 * The events of `candidates` that are already stored, each compared with what the caller sends now.
 * The ids are probed first; only duplicates (rare: retries) have their data sent back for comparison.
 */
export async function storedEvents(sql: Sql, candidates: NewEvent[]): Promise<StoredEvent[]> {
  const ids = await sql<
    { id: string }[]
  >`SELECT id FROM events WHERE id = ANY(${candidates.map((e) => e.id)}::uuid[])`;
  if (ids.length === 0) return [];
  const found = new Set(ids.map((r) => r.id));
  const dups = candidates.filter((e) => found.has(e.id));
  return sql<StoredEvent[]>`
    SELECT e.id, e.stream, e.position, e.stream_version,
           (e.stream = c.stream AND e.type = c.type AND e.data::jsonb = c.data) AS same
    FROM unnest(
      ${dups.map((e) => e.id)}::uuid[],
      ${dups.map((e) => e.stream)}::text[],
      ${dups.map((e) => e.type)}::text[],
      ${dups.map((e) => JSON.stringify(e.data))}::text[]::jsonb[]
    ) AS c(id, stream, type, data)
    JOIN events e ON e.id = c.id`;
}
