export * from './database.ts';
export * from './bus.ts';
export * from './wait.ts';
export * from './processes.ts';
