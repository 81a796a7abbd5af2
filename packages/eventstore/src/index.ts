export * from './port.ts';
export { PostgresEventStore, type PostgresEventStoreOptions } from './postgres/postgres-event-store.ts';
export { versionMatches } from './postgres/append-to-stream.ts';
