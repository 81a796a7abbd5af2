import type { Sql as PoolSql, TransactionSql } from 'postgres';

/** Either the pool or a transaction: the same SQL runs in both. */
export type Sql = PoolSql | TransactionSql;
import type { NewEvent } from '../port.ts';

/**
 * Inserts already-versioned events with one statement: column arrays through unnest, so the
 * parameter count stays at ten however large the batch is.
 */
export async function insertEvents(
  sql: Sql,
  events: (NewEvent & { streamVersion: number })[],
): Promise<Map<string, number>> {
  if (events.length === 0) return new Map();
  const rows = await sql<{ id: string; position: number }[]>`
    INSERT INTO events (id, stream, stream_version, tenant, type, schema_version, data, metadata, occurred_at)
    SELECT * FROM unnest(
      ${events.map((e) => e.id)}::uuid[],
      ${events.map((e) => e.stream)}::text[],
      ${events.map((e) => e.streamVersion)}::int[],
      ${events.map((e) => e.tenant)}::text[],
      ${events.map((e) => e.type)}::text[],
      ${events.map((e) => e.schemaVersion)}::int[],
      ${events.map((e) => JSON.stringify(e.data))}::jsonb[],
      ${events.map((e) => JSON.stringify(e.metadata ?? {}))}::jsonb[],
      ${events.map((e) => e.occurredAt)}::timestamptz[]
    )
    RETURNING id, position`;
  return new Map(rows.map((r) => [r.id, r.position]));
}

/** Moves each touched stream to its new version (creating it when new). */
export async function upsertStreamVersions(sql: Sql, versions: Map<string, { tenant: string; version: number }>) {
  if (versions.size === 0) return;
  const streams = [...versions.keys()];
  await sql`
    INSERT INTO streams (stream, tenant, version)
    SELECT * FROM unnest(
      ${streams}::text[],
      ${streams.map((s) => versions.get(s)!.tenant)}::text[],
      ${streams.map((s) => versions.get(s)!.version)}::int[]
    )
    ON CONFLICT (stream) DO UPDATE SET version = excluded.version, updated_at = now()`;
}

export async function currentVersions(sql: Sql, streams: string[]): Promise<Map<string, number>> {
  const rows = await sql<{ stream: string; version: number }[]>`
    SELECT stream, version FROM streams WHERE stream = ANY(${streams}::text[])`;
  return new Map(rows.map((r) => [r.stream, r.version]));
}

export async function storedEvents(sql: Sql, ids: string[]) {
  return sql<{ id: string; stream: string; type: string; position: number; stream_version: number }[]>`
    SELECT id, stream, type, position, stream_version FROM events WHERE id = ANY(${ids}::uuid[])`;
}
