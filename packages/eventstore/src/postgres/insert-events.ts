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
 * - The batch goes as one JSON text, expanded by jsonb_to_recordset: one parameter however large
 *   the batch, and the client does one native JSON.stringify instead of escaping array literals
 *   column by column (measured ~15% faster end to end). It is sent as text and cast: typed jsonb,
 *   the driver would encode the string again and the server would see one JSON string.
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
  const batch = JSON.stringify(
    events.map((e) => ({
      id: e.id, stream: e.stream, tenant: e.tenant, type: e.type, schema_version: e.schemaVersion,
      data: e.data, metadata: e.metadata ?? {}, occurred_at: e.occurredAt,
    })),
  );
  return sql<InsertedRow[]>`
    WITH input AS (
      SELECT * FROM ROWS FROM (jsonb_to_recordset(${batch}::text::jsonb) AS (
        id uuid, stream text, tenant text, type text, schema_version int, data jsonb, metadata jsonb, occurred_at timestamptz
      )) WITH ORDINALITY AS i(id, stream, tenant, type, schema_version, data, metadata, occurred_at, ord)
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
