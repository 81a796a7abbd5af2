export * from './ids.ts';
export * from './names.ts';
export * from './machine.events.ts';
export * from './catalog.ts';
export * from './envelope.ts';
export * from './views.ts';
