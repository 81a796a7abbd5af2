/**
 * Injection tokens for values that are not classes. esbuild (tsx) emits no decorator metadata,
 * so every constructor parameter names its token with @Inject.
 */
export const SETTINGS = Symbol('IngestSettings');
export const EVENT_STORE = Symbol('EventStore');
export const LOGGER = Symbol('Logger');
