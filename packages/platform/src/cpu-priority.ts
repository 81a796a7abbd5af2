import os from 'node:os';
import type { Logger } from './logger.ts';

/**
 * Lowers this process's CPU priority to `nice` (raising it would need privileges, lowering never
 * does). For the processes whose work waits in a queue anyway (the recorder behind JetStream, the
 * projector behind the event store): on a shared host the edges' answers, which clients wait
 * for, then go first.
 */
export function yieldCpu(nice: number, log: Logger, role: string): void {
  try {
    if (nice > os.getPriority()) os.setPriority(nice);
  } catch (err) {
    log.warn({ err, nice }, `cannot lower the ${role}'s CPU priority`);
  }
}
