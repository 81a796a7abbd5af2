import { pino, type Logger } from 'pino';

export type { Logger };

/** Structured JSON logs (pino); `npm start` prefixes and colours each process's lines. */
export function createLogger(name: string, level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({ name, level, base: { svc: name } });
}
