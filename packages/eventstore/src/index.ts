export * from './port.ts';
export { PostgresEventStore, type PostgresEventStoreOptions } from './postgres/postgres-event-store.ts';
export { versionMatches } from './postgres/append-to-stream.ts';
export { KurrentDBEventStore, type KurrentDBEventStoreOptions } from './kurrentdb/kurrentdb-event-store.ts';
export { createEventStore, EventStoreSettingsError, type EventStoreSettings } from './create-event-store.ts';
