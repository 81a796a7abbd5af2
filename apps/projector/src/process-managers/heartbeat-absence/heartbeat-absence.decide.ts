import type { NewEvent } from '@pulse/eventstore';
import type { MachineStatus, MachineStatusChanged } from '@pulse/events';
import { deterministicUuid } from '../../domain/deterministic-id.ts';
import { absenceStatus, type AbsenceThresholds } from './status-rule.ts';

/** A machine the fleet read model shows as silent, with the stream version that row reflects. */
export interface SilentMachine {
  tenant: string;
  machineId: string;
  status: MachineStatus;
  lastSeenAt: string;
  stream: string;
  /** Version of the stream's event the row last folded: the append's expected version. */
  streamVersion: number;
  /** Id of that event: the status change's cause. */
  lastEventId: string;
  /** This machine's own thresholds (override or tenant default), when they differ from the projector's. */
  thresholds?: AbsenceThresholds;
}

export interface AbsenceDecision {
  stream: string;
  expectedVersion: number;
  event: NewEvent & { data: MachineStatusChanged };
}

/**
 * Turns a silent machine into the status change to append, or nothing. Pure: the clock comes in.
 *
 * The append expects the stream to be at the version the read model reflects, so a heartbeat that
 * arrived after the row was read wins, and so does our own earlier change the projection has not
 * applied yet (no duplicate while it lags). The id is derived from stream, version and target, so a
 * retried append of the same decision is stored once; the version is part of it because the same
 * machine may legitimately go offline twice with the same last-seen time (a resent old heartbeat).
 *
 * This relies on the fleet row folding every event of its machine's stream (its position is the
 * stream's last event): a new machine.* event type must be handled by the fleet evolve, or this
 * machine's status changes would be refused as stale until its next heartbeat.
 */
export function decideAbsence(
  m: SilentMachine,
  nowMs: number,
  defaults: AbsenceThresholds,
): AbsenceDecision | undefined {
  const t = m.thresholds ?? defaults;
  const to = absenceStatus(m, nowMs, t);
  if (!to) return undefined;
  // The fact became true when the silence crossed its threshold, not when we noticed: a replay or a
  // late process manager gives the same time (invariant 7).
  const crossedAt = Date.parse(m.lastSeenAt) + (to === 'offline' ? t.offlineAfterMs : t.overdueAfterMs);
  return {
    stream: m.stream,
    expectedVersion: m.streamVersion,
    event: {
      id: deterministicUuid(`machine.status_changed|${m.stream}|${m.streamVersion}|${to}`),
      type: 'machine.status_changed',
      tenant: m.tenant,
      stream: m.stream,
      occurredAt: new Date(crossedAt).toISOString(),
      schemaVersion: 1,
      data: { machineId: m.machineId, from: m.status, to, lastSeenAt: m.lastSeenAt },
      metadata: { source: 'projector:heartbeat-absence', causationId: m.lastEventId },
    },
  };
}
