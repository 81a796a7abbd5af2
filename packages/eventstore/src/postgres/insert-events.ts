import type { NewEvent } from '../port.ts';
import type { Sql } from './rows.ts';

export interface InsertedRow {
  id: string;
  position: number;
  stream: string;
  stream_version: number;
}

/**
 * One statement for the whole batch: it moves each touched stream's version on by its number of
 * events and inserts the events numbered from there.
 *
 * - Column arrays through unnest keep the parameter count at eight however large the batch is.
 *   JSON goes as text[] then jsonb[]: typed jsonb[] directly, the driver would encode each
 *   already-encoded string again and store a JSON string instead of an object.
 * - The streams upsert comes first, so it is the transaction's first write (see write-events.ts).
 *   If another writer's uncommitted append holds a stream's row, ON CONFLICT waits for that commit
 *   and then counts on from the committed version: concurrent appends to one stream queue up
 *   instead of failing on the (stream, stream_version) key and retrying.
 * - ORDER BY ord: PostgreSQL evaluates the position default (a volatile nextval) after the sort,
 *   so positions follow the batch order.
 *
 * Returns the query unstarted, so the caller can pipeline it.
 */
export function insertEvents(sql: Sql, events: NewEvent[]) {
  return sql<InsertedRow[]>`
    WITH input AS (
      SELECT * FROM unnest(
        ${events.map((e) => e.id)}::uuid[],
        ${events.map((e) => e.stream)}::text[],
        ${events.map((e) => e.tenant)}::text[],
        ${events.map((e) => e.type)}::text[],
        ${events.map((e) => e.schemaVersion)}::int[],
        ${events.map((e) => JSON.stringify(e.data))}::text[]::jsonb[],
        ${events.map((e) => JSON.stringify(e.metadata ?? {}))}::text[]::jsonb[],
        ${events.map((e) => e.occurredAt)}::timestamptz[]
      ) WITH ORDINALITY AS i(id, stream, tenant, type, schema_version, data, metadata, occurred_at, ord)
    ), counts AS (
      SELECT stream, min(tenant) AS tenant, count(*)::int AS n FROM input GROUP BY stream
    ), bumped AS (
      INSERT INTO streams AS s (stream, tenant, version)
      SELECT stream, tenant, n - 1 FROM counts
      ON CONFLICT (stream) DO UPDATE SET version = s.version + excluded.version + 1, updated_at = now()
      RETURNING s.stream, s.version
    )
    INSERT INTO events (id, stream, stream_version, tenant, type, schema_version, data, metadata, occurred_at)
    SELECT i.id, i.stream, (b.version - c.n + row_number() OVER (PARTITION BY i.stream ORDER BY i.ord))::int,
           i.tenant, i.type, i.schema_version, i.data, i.metadata, i.occurred_at
    FROM input i JOIN counts c USING (stream) JOIN bumped b USING (stream)
    ORDER BY i.ord
    RETURNING id, position, stream, stream_version`;
}
