import type { Sql } from 'postgres';
import { WrongExpectedVersion, type EventStore, type NewEvent } from '@pulse/eventstore';
import type { Logger } from '@pulse/platform';
import {
  applyTelemetryRetention,
  type TelemetryRetention,
} from '../../projections/telemetry/telemetry.projection.ts';
import { fire, type Timer, type TimerKind } from './reactions.decide.ts';

export interface TimersOptions {
  sql: Sql;
  store: EventStore;
  log: Logger;
  intervalMs: number;
  retention: TelemetryRetention;
  now?: () => number;
}

export interface TimerTick {
  appended: number;
  superseded: number;
  dispatched: number;
}

/**
 * Fires due process-manager timers (alert escalation, ticket SLA, onboarding idleness) and appends
 * the reactions outbox. Timers are rows in pm_timers, so a restart loses none; each fires by
 * appending its event at the stream version it was set at, under an id derived from the timer, so
 * a retry is stored once and anything that happened on the stream meanwhile wins (the reactions
 * process manager then moves or clears the timer). Also applies telemetry retention, once a minute.
 */
export class TimersManager {
  private stopping = false;
  private timer: NodeJS.Timeout | undefined;
  private wake: (() => void) | undefined;
  private pending = false;
  private lastRetention = 0;

  constructor(private readonly o: TimersOptions) {}

  /** Asks for an outbox dispatch now (after a reactions batch committed). */
  poke(): void {
    this.pending = true;
    this.wake?.();
  }

  async tick(): Promise<TimerTick> {
    const now = (this.o.now ?? Date.now)();
    const result: TimerTick = { appended: 0, superseded: 0, dispatched: await this.dispatchOutbox() };
    for (const timer of await dueTimers(this.o.sql, now, 500)) {
      const { stream, expectedVersion, event } = fire(timer);
      try {
        await this.o.store.append(stream, [event], { expectedVersion });
        result.appended++;
        // The timer is done unless the process manager already moved it (a newer version).
        await this.o.sql`DELETE FROM pm_timers WHERE kind = ${timer.kind} AND tenant = ${timer.tenant}
                         AND key = ${timer.key} AND expected_version = ${timer.expectedVersion}`;
        this.o.log.info(
          { tenant: timer.tenant, kind: timer.kind, key: timer.key, type: event.type },
          'timer fired',
        );
      } catch (err) {
        if (!(err instanceof WrongExpectedVersion)) throw err;
        result.superseded++;
      }
      if (this.stopping) break;
    }
    if (now - this.lastRetention >= 60_000) {
      this.lastRetention = now;
      const deleted = await applyTelemetryRetention(this.o.sql, now, this.o.retention);
      if (deleted) this.o.log.info({ deleted }, 'telemetry buckets past retention deleted');
    }
    return result;
  }

  /** Appends what the reactions process manager decided, oldest first, then forgets it. */
  async dispatchOutbox(): Promise<number> {
    let total = 0;
    for (;;) {
      const rows = await this.o.sql<{ id: string; event: NewEvent }[]>`
        SELECT id, event FROM pm_outbox ORDER BY seq LIMIT 500`;
      if (rows.length === 0) return total;
      // Ids are derived from the cause, so an event appended before a crash is stored once.
      await this.o.store.appendMany(rows.map((r) => r.event));
      await this.o.sql`DELETE FROM pm_outbox WHERE id = ANY(${rows.map((r) => r.id)}::uuid[])`;
      total += rows.length;
    }
  }

  async run(): Promise<void> {
    while (!this.stopping) {
      try {
        if (this.pending) {
          this.pending = false;
          await this.dispatchOutbox();
        } else {
          await this.tick();
        }
      } catch (err) {
        this.o.log.error({ err }, 'process-manager timers tick failed');
      }
      if (this.stopping) break;
      if (this.pending) continue;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        this.timer = setTimeout(resolve, this.o.intervalMs);
      });
      clearTimeout(this.timer);
      this.wake = undefined;
    }
  }

  stop(): void {
    this.stopping = true;
    clearTimeout(this.timer);
    this.wake?.();
  }
}

async function dueTimers(sql: Sql, nowMs: number, limit: number): Promise<Timer[]> {
  const rows = await sql<
    {
      kind: TimerKind;
      tenant: string;
      key: string;
      due_at: Date;
      stream: string;
      expected_version: number;
      payload: Record<string, unknown>;
    }[]
  >`SELECT * FROM pm_timers WHERE due_at <= ${new Date(nowMs)} ORDER BY due_at LIMIT ${limit}`;
  return rows.map((r) => ({
    kind: r.kind,
    tenant: r.tenant,
    key: r.key,
    dueAt: r.due_at.toISOString(),
    stream: r.stream,
    expectedVersion: r.expected_version,
    payload: r.payload,
  }));
}
