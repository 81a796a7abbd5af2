/** Injection tokens. esbuild (tsx) emits no decorator metadata, so every injection names its token. */
export const SETTINGS = Symbol('ProjectorSettings');
export const LOGGER = Symbol('Logger');
export const SQL = Symbol('Sql');
export const NATS = Symbol('NatsConnection');
export const EVENT_STORE = Symbol('EventStore');
