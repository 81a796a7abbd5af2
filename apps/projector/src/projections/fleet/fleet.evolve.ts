import type { KnownRecordedEvent, MachineView } from '@pulse/events';

/** One machine of the fleet read model: what the browser sees, plus its tenant and the position it reflects. */
export interface FleetRow extends MachineView {
  tenant: string;
  /** Global position of the last event folded into this row. */
  position: number;
}

type EventOf<T extends KnownRecordedEvent['type']> = Extract<KnownRecordedEvent, { type: T }>;

/**
 * The fleet projection's whole meaning: the next row of one machine, given its row so far and one
 * event of its stream. Pure, so the live projector, a rebuild and time travel all share it
 * (invariant 8).
 */
export function evolve(row: FleetRow | undefined, event: KnownRecordedEvent): FleetRow | undefined {
  switch (event.type) {
    case 'machine.registered':
      return registered(row, event);
    case 'machine.heartbeat':
      return heartbeat(row, event);
    case 'machine.status_changed':
      return statusChanged(row, event);
    default:
      // The fleet cares only about machine facts; every other type leaves the row as it was.
      return row;
  }
}

function registered(row: FleetRow | undefined, e: EventOf<'machine.registered'>): FleetRow {
  const d = e.data;
  if (row) {
    // A re-enrolment renames or upgrades the machine but keeps its history: the first registration date stays.
    return {
      ...row,
      hostname: d.hostname,
      os: d.os,
      agentVersion: d.agentVersion ?? row.agentVersion,
      registeredAt: row.registeredAt ?? e.occurredAt,
      position: e.position,
    };
  }
  return {
    tenant: e.tenant,
    machineId: d.machineId,
    hostname: d.hostname,
    os: d.os,
    agentVersion: d.agentVersion ?? null,
    // Enrolment is no sign of life (an RMM sync or an operator may enrol a machine), so a machine
    // starts offline until its first heartbeat. last_seen_at cannot be empty: it starts at enrolment.
    status: 'offline',
    lastSeenAt: e.occurredAt,
    registeredAt: e.occurredAt,
    cpuPct: null,
    memPct: null,
    diskPct: null,
    uptimeS: null,
    position: e.position,
  };
}

function heartbeat(row: FleetRow | undefined, e: EventOf<'machine.heartbeat'>): FleetRow {
  const d = e.data;
  return {
    tenant: e.tenant,
    machineId: d.machineId,
    hostname: d.hostname,
    os: d.os,
    agentVersion: d.agentVersion,
    status: 'online',
    // The store's order decides which sample is current, but last-seen never moves backwards: a late
    // duplicate must not make a machine look silent for longer than it was.
    lastSeenAt: row ? latest(row.lastSeenAt, e.occurredAt) : e.occurredAt,
    registeredAt: row?.registeredAt ?? null,
    cpuPct: d.cpuPct,
    memPct: d.memPct,
    diskPct: d.diskPct,
    uptimeS: d.uptimeS,
    position: e.position,
  };
}

function statusChanged(
  row: FleetRow | undefined,
  e: EventOf<'machine.status_changed'>,
): FleetRow | undefined {
  // The process manager derives status changes from existing rows only; one for a machine the fleet
  // never saw has no hostname to show, so there is nothing to change.
  if (!row) return row;
  return { ...row, status: e.data.to, position: e.position };
}

function latest(a: string, b: string): string {
  return Date.parse(b) > Date.parse(a) ? b : a;
}

/** The row as the browser sees it (packages/events MachineView): no tenant, no position. */
export function toMachineView({ tenant: _tenant, position: _position, ...view }: FleetRow): MachineView {
  return view;
}
