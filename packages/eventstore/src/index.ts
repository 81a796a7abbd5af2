export * from './port.ts';
export { PostgresEventStore } from './postgres/postgres-event-store.ts';
export { versionMatches } from './postgres/append-to-stream.ts';
