import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import type { Logger } from './logger.ts';

/**
 * Lowers this process's CPU priority to `nice` (raising it would need privileges, lowering never
 * does). For the processes whose work waits in a queue anyway (the recorder behind JetStream, the
 * projector behind the event store): on a shared host the edges' answers, which clients wait
 * for, then go first.
 *
 * Linux with autogroup scheduling (`/proc/sys/kernel/sched_autogroup_enabled`, on in most kernels)
 * shares the CPU between sessions first and ranks a process by its nice value only within its
 * session: a process that leads its own session, as a service does, also lowers its session's nice.
 */
export function yieldCpu(nice: number, log: Logger, role: string): void {
  try {
    if (nice > os.getPriority()) os.setPriority(nice);
    if (nice > 0 && leadsOwnSession()) writeFileSync('/proc/self/autogroup', String(nice));
  } catch (err) {
    log.warn({ err, nice }, `cannot lower the ${role}'s CPU priority`);
  }
}

/** Whether this process leads its session (Linux; false where /proc or autogroup is missing). */
function leadsOwnSession(): boolean {
  try {
    readFileSync('/proc/self/autogroup', 'utf8');
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
    return Number(fields[3]) === process.pid; // state, ppid, pgrp, session
  } catch {
    return false;
  }
}
