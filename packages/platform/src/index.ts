export * from './settings.ts';
export * from './db.ts';
export * from './nats.ts';
export * from './logger.ts';
export * from './tenants.ts';
export * from './cpu-priority.ts';
