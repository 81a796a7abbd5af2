import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Structured JSON logs (pino). `npm start` sets LOG_PRETTY=1 so a person reads one coloured line
 * per entry; services in production keep JSON for their log shipper.
 */
export function createLogger(name: string, level = process.env.LOG_LEVEL ?? 'info'): Logger {
  const pretty = process.env.LOG_PRETTY === '1';
  return pino({
    name,
    level,
    base: pretty ? undefined : { svc: name },
    ...(pretty && {
      transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'HH:MM:ss', ignore: 'pid,hostname,name' } },
    }),
  });
}
