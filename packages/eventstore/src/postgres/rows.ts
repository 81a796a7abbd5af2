import type { RecordedEvent } from '@pulse/events';

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

/** Every writer holds this transaction-scoped lock while it inserts and commits (see the migration). */
export const APPEND_LOCK_KEY = 4_711_000_001;
