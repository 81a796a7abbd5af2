import type { MachineStatus } from '@pulse/events';

export interface AbsenceThresholds {
  offlineAfterMs: number;
  overdueAfterMs: number;
}

/**
 * The status a machine's silence calls for, or undefined when its status stands. Tactical RMM
 * semantics: offline first, overdue later and more serious; a machine silent past both goes
 * straight to overdue. Thresholds are inclusive: silent for exactly `offlineAfterMs` is offline.
 * Only a heartbeat (through the projection) brings a machine back online, never this rule.
 */
export function absenceStatus(
  machine: { status: MachineStatus; lastSeenAt: string },
  nowMs: number,
  t: AbsenceThresholds,
): 'offline' | 'overdue' | undefined {
  const silentMs = nowMs - Date.parse(machine.lastSeenAt);
  if (silentMs >= t.overdueAfterMs) return machine.status === 'overdue' ? undefined : 'overdue';
  if (silentMs >= t.offlineAfterMs) return machine.status === 'online' ? 'offline' : undefined;
  return undefined;
}
