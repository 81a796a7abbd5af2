import { describe, expect, it } from 'vitest';
import type { Sql } from 'postgres';
import { createEventStore, EventStoreSettingsError } from './create-event-store.ts';
import { KurrentDBEventStore } from './kurrentdb/kurrentdb-event-store.ts';
import { PostgresEventStore } from './postgres/postgres-event-store.ts';

describe('createEventStore', () => {
  const sql = {} as Sql;

  it('defaults to PostgreSQL on the given pool', () => {
    expect(createEventStore({}, { sql })).toBeInstanceOf(PostgresEventStore);
    expect(createEventStore({ EVENT_STORE: 'postgres' }, { sql })).toBeInstanceOf(PostgresEventStore);
  });

  it('selects KurrentDB with EVENT_STORE=kurrentdb and KURRENTDB_URL', async () => {
    const store = createEventStore({ EVENT_STORE: 'kurrentdb', KURRENTDB_URL: 'kurrentdb://127.0.0.1:2113?tls=false' });
    expect(store).toBeInstanceOf(KurrentDBEventStore);
    await store.close();
  });

  it('names the bad setting', () => {
    expect(() => createEventStore({ EVENT_STORE: 'mongo' }, { sql })).toThrow(/EVENT_STORE/);
    expect(() => createEventStore({ EVENT_STORE: 'kurrentdb' })).toThrow(EventStoreSettingsError);
    expect(() => createEventStore({ EVENT_STORE: 'kurrentdb', KURRENTDB_URL: 'http://x' })).toThrow(/KURRENTDB_URL/);
    expect(() => createEventStore({})).toThrow(/DATABASE_URL/);
  });
});
