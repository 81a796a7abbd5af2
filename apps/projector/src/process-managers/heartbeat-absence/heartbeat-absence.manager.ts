import type { Sql } from 'postgres';
import { WrongExpectedVersion, type EventStore } from '@pulse/eventstore';
import type { Logger } from '@pulse/platform';
import { decideAbsence } from './heartbeat-absence.decide.ts';
import { findSilentMachines } from './silent-machines.query.ts';
import type { AbsenceThresholds } from './status-rule.ts';

export interface HeartbeatAbsenceOptions {
  sql: Sql;
  store: EventStore;
  log: Logger;
  thresholds: AbsenceThresholds;
  intervalMs: number;
  /** Most machines handled per tick; the rest follow on the next one. */
  limit?: number;
  now?: () => number;
}

export interface TickResult {
  /** Status changes appended, or found already stored under their derived id (a repeated decision). */
  recorded: number;
  /** Decisions overtaken by a newer event in the stream (usually a heartbeat): retried next tick if still due. */
  superseded: number;
}

/**
 * The heartbeat-absence process manager: every few seconds, turns silence into
 * machine.status_changed events (time-driven facts are events, invariant 7). The fleet projection
 * applies them like any other event, and the next heartbeat brings the machine back online.
 */
export class HeartbeatAbsenceManager {
  private stopping = false;
  private timer: NodeJS.Timeout | undefined;
  private wake: (() => void) | undefined;

  constructor(private readonly o: HeartbeatAbsenceOptions) {}

  async tick(): Promise<TickResult> {
    const { sql, store, thresholds } = this.o;
    const now = (this.o.now ?? Date.now)();
    const result: TickResult = { recorded: 0, superseded: 0 };
    for (const machine of await findSilentMachines(sql, now, thresholds, this.o.limit ?? 1000)) {
      const decision = decideAbsence(machine, now, thresholds);
      if (!decision) continue;
      try {
        await store.append(decision.stream, [decision.event], { expectedVersion: decision.expectedVersion });
        result.recorded++;
        this.o.log.info(
          {
            tenant: machine.tenant,
            machineId: machine.machineId,
            from: machine.status,
            to: decision.event.data.to,
          },
          'machine status change recorded',
        );
      } catch (err) {
        if (!(err instanceof WrongExpectedVersion)) throw err;
        result.superseded++;
      }
      if (this.stopping) break;
    }
    return result;
  }

  async run(): Promise<void> {
    while (!this.stopping) {
      try {
        await this.tick();
      } catch (err) {
        // The database may be briefly away; the next tick simply tries again.
        this.o.log.error({ err }, 'heartbeat-absence tick failed');
      }
      if (this.stopping) break;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        this.timer = setTimeout(resolve, this.o.intervalMs);
      });
    }
  }

  stop(): void {
    this.stopping = true;
    clearTimeout(this.timer);
    this.wake?.();
  }
}
