/**
 * The agent and the simulator are small command-line tools that a person watches, so they log one
 * short human line per entry. Anything with the same three methods (a pino logger, for instance) can
 * stand in when the simulator runs inside another process.
 */
export interface Log {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export function consoleLog(name: string): Log {
  const line = (level: string, message: string) =>
    `${new Date().toISOString().slice(11, 19)} ${name} ${level} ${message}`;
  return {
    info: (m) => console.log(line('info ', m)),
    warn: (m) => console.warn(line('warn ', m)),
    error: (m) => console.error(line('error', m)),
  };
}

export const silentLog: Log = { info: () => {}, warn: () => {}, error: () => {} };
