import type { RecordedEvent } from '@pulse/events';
import type { Sql as PoolSql, TransactionSql, ReservedSql } from 'postgres';

/** The pool, a transaction or a reserved connection: the same SQL runs on each. */
export type Sql = PoolSql | TransactionSql | ReservedSql;

export interface EventRow {
  position: number;
  id: string;
  stream: string;
  stream_version: number;
  tenant: string;
  type: string;
  schema_version: number;
  data: Record<string, unknown>;
  metadata: Record<string, string>;
  occurred_at: Date;
  recorded_at: Date;
}

export const eventColumns = [
  'position', 'id', 'stream', 'stream_version', 'tenant', 'type', 'schema_version', 'data', 'metadata', 'occurred_at', 'recorded_at',
] as const;

/** The columns of `events e` a reader returns (transaction_id stays inside the store). */
export function selectEvent(sql: Sql) {
  return sql`e.position, e.id, e.stream, e.stream_version, e.tenant, e.type, e.schema_version, e.data, e.metadata, e.occurred_at, e.recorded_at`;
}

export function toRecordedEvent(row: EventRow): RecordedEvent {
  return {
    id: row.id,
    type: row.type,
    tenant: row.tenant,
    stream: row.stream,
    streamVersion: row.stream_version,
    position: row.position,
    occurredAt: row.occurred_at.toISOString(),
    recordedAt: row.recorded_at.toISOString(),
    schemaVersion: row.schema_version,
    data: row.data,
    metadata: row.metadata,
  };
}

/** The session-level advisory lock a writer holds while its INSERT assigns positions (write-events.ts). */
export const APPEND_LOCK_KEY = 4_711_000_001;

/** The LISTEN/NOTIFY channel; the payload is a committed position. */
export const EVENTS_CHANNEL = 'pulse_events';
