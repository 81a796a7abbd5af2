import type { Sql } from 'postgres';
import { KurrentDBEventStore } from './kurrentdb/kurrentdb-event-store.ts';
import type { EventStore } from './port.ts';
import { PostgresEventStore, type PostgresEventStoreOptions } from './postgres/postgres-event-store.ts';

/** The settings (DESIGN.md names) that choose the store; the app validates its whole environment. */
export interface EventStoreSettings {
  /** `postgres` (the default) or `kurrentdb`. */
  EVENT_STORE?: string;
  /** kurrentdb://host:2113?tls=false, required with EVENT_STORE=kurrentdb. */
  KURRENTDB_URL?: string;
}

export class EventStoreSettingsError extends Error {
  override name = 'EventStoreSettingsError';
}

/**
 * Builds the configured store. PostgreSQL uses the process's SQL pool (the caller owns it);
 * KurrentDB opens a client that `close()` releases.
 */
export function createEventStore(
  settings: EventStoreSettings,
  deps: { sql?: Sql; postgres?: PostgresEventStoreOptions } = {},
): EventStore {
  const kind = settings.EVENT_STORE ?? 'postgres';
  if (kind === 'postgres') {
    if (!deps.sql) throw new EventStoreSettingsError('EVENT_STORE=postgres needs the SQL pool (DATABASE_URL)');
    return new PostgresEventStore(deps.sql, deps.postgres);
  }
  if (kind === 'kurrentdb') {
    const url = settings.KURRENTDB_URL;
    if (!url || !/^(kurrentdb|kurrent|kdb|esdb)(\+discover)?:\/\/\S+$/.test(url)) {
      throw new EventStoreSettingsError('KURRENTDB_URL: must be a kurrentdb:// URL, e.g. kurrentdb://127.0.0.1:2113?tls=false');
    }
    return KurrentDBEventStore.connect(url);
  }
  throw new EventStoreSettingsError(`EVENT_STORE: must be postgres or kurrentdb, not "${kind}"`);
}
