import type {
  InventorySummary,
  KnownRecordedEvent,
  MachineInventoryReported,
  MachineView,
  SignalKind,
} from '@pulse/events';

/** One machine of the fleet read model: what the browser sees, plus its tenant and the position it reflects. */
export interface FleetRow extends Required<MachineView> {
  tenant: string;
  /** Global position of the last event folded into this row. */
  position: number;
}

type EventOf<T extends KnownRecordedEvent['type']> = Extract<KnownRecordedEvent, { type: T }>;

/**
 * A signal counts as stale once the machine's newest signal is this much newer: the agent went
 * quiet while the RMM still sees the machine. It equals the default offline threshold; it is a
 * constant, not the tenant's setting, because the read model is a function of the events alone
 * (a rebuild must give the same answer whatever the settings are at the time).
 */
export const STALE_SIGNAL_AFTER_MS = 90_000;

/**
 * The fleet projection's whole meaning: the next row of one machine, given its row so far and one
 * event of its stream. Pure, so the live projector, a rebuild and time travel all share it
 * (invariant 8). Every machine.* event moves the row's position: the heartbeat-absence process
 * manager appends at the stream version the row reflects.
 */
export function evolve(row: FleetRow | undefined, event: KnownRecordedEvent): FleetRow | undefined {
  switch (event.type) {
    case 'machine.registered':
      return registered(row, event);
    case 'machine.heartbeat':
      return heartbeat(row, event);
    case 'machine.checked_in':
      return checkedIn(row, event);
    case 'machine.inventory_reported':
      return inventoryReported(row, event);
    case 'machine.decommissioned':
      return row && withStale({ ...row, decommissionedAt: event.occurredAt, position: event.position });
    case 'machine.token_rotated':
      return row && { ...row, position: event.position };
    case 'machine.status_changed':
      // The process manager derives status changes from existing rows only; one for a machine the
      // fleet never saw has no hostname to show, so there is nothing to change.
      return row && withStale({ ...row, status: event.data.to, position: event.position });
    default:
      // The fleet cares only about machine facts; every other type leaves the row as it was.
      return row;
  }
}

/** A machine the fleet hears of first through something other than its enrolment. */
function blank(e: KnownRecordedEvent, machineId: string, hostname: string, os: string): FleetRow {
  return {
    tenant: e.tenant,
    machineId,
    hostname,
    os,
    agentVersion: null,
    // Enrolment is no sign of life (an RMM sync or an operator may enrol a machine), so a machine
    // starts offline until its first signal. last_seen_at cannot be empty: it starts at enrolment.
    status: 'offline',
    lastSeenAt: e.occurredAt,
    registeredAt: null,
    cpuPct: null,
    memPct: null,
    diskPct: null,
    uptimeS: null,
    customer: null,
    site: null,
    ip: null,
    tags: [],
    load1: null,
    loggedInUser: null,
    metricsAt: null,
    signals: {},
    staleSignals: [],
    inventory: null,
    decommissionedAt: null,
    position: e.position,
  };
}

function registered(row: FleetRow | undefined, e: EventOf<'machine.registered'>): FleetRow {
  const d = e.data;
  const base = row ?? { ...blank(e, d.machineId, d.hostname, d.os), registeredAt: e.occurredAt };
  // A re-enrolment renames or upgrades the machine but keeps its history: the first registration
  // date stays. It also brings a decommissioned machine back.
  return {
    ...base,
    hostname: d.hostname,
    os: d.os,
    agentVersion: d.agentVersion ?? base.agentVersion,
    registeredAt: base.registeredAt ?? e.occurredAt,
    customer: d.customer ?? base.customer,
    site: d.site ?? base.site,
    ip: d.ip ?? base.ip,
    tags: d.tags ?? base.tags,
    decommissionedAt: null,
    position: e.position,
  };
}

function heartbeat(row: FleetRow | undefined, e: EventOf<'machine.heartbeat'>): FleetRow {
  const d = e.data;
  const base = row ?? blank(e, d.machineId, d.hostname, d.os);
  return withStale({
    ...base,
    hostname: d.hostname,
    os: d.os,
    agentVersion: d.agentVersion,
    status: 'online',
    // The store's order decides which sample is current, but last-seen never moves backwards: a late
    // duplicate must not make a machine look silent for longer than it was.
    lastSeenAt: row ? latest(row.lastSeenAt, e.occurredAt) : e.occurredAt,
    cpuPct: d.cpuPct,
    memPct: d.memPct,
    diskPct: d.diskPct,
    uptimeS: d.uptimeS,
    load1: d.load1 ?? null,
    ip: d.ip ?? base.ip,
    loggedInUser: d.loggedInUser ?? null,
    metricsAt: e.occurredAt,
    signals: seen(base.signals, 'agent', e.occurredAt),
    position: e.position,
  });
}

function checkedIn(row: FleetRow | undefined, e: EventOf<'machine.checked_in'>): FleetRow {
  const d = e.data;
  const at = d.lastSeenAt ? new Date(d.lastSeenAt).toISOString() : e.occurredAt;
  const base = row ?? blank(e, d.machineId, d.hostname ?? d.machineId, d.os ?? 'unknown');
  // A signal that moves last-seen forward is a sign of life; an older one (an RMM reporting what
  // it saw a while ago) is recorded for its kind but changes nothing else.
  const newer = !row || Date.parse(at) > Date.parse(row.lastSeenAt);
  return withStale({
    ...base,
    hostname: d.hostname ?? base.hostname,
    os: d.os ?? base.os,
    status: newer ? 'online' : base.status,
    lastSeenAt: newer ? at : base.lastSeenAt,
    signals: seen(base.signals, d.signal, at),
    position: e.position,
  });
}

function inventoryReported(row: FleetRow | undefined, e: EventOf<'machine.inventory_reported'>): FleetRow {
  const d = e.data;
  const base = row ?? blank(e, d.machineId, d.hostname ?? d.machineId, d.os?.name ?? 'unknown');
  return {
    ...base,
    hostname: d.hostname ?? base.hostname,
    inventory: inventorySummary(d, e.occurredAt),
    position: e.position,
  };
}

export function inventorySummary(d: MachineInventoryReported, reportedAt: string): InventorySummary {
  const h = d.hardware ?? {};
  return {
    reportedAt,
    vendor: h.vendor ?? null,
    model: h.model ?? null,
    serial: h.serial ?? null,
    cpuModel: h.cpuModel ?? null,
    cpuCores: h.cpuCores ?? null,
    memBytes: h.memBytes ?? null,
    diskBytes: h.diskBytes ?? null,
    osName: d.os?.name ?? null,
    osVersion: d.os?.version ?? null,
    kernel: d.os?.kernel ?? null,
    softwareCount: d.software?.length ?? 0,
  };
}

function seen(signals: FleetRow['signals'], kind: SignalKind, at: string): FleetRow['signals'] {
  const before = signals[kind];
  return before && Date.parse(before) >= Date.parse(at) ? signals : { ...signals, [kind]: at };
}

/**
 * Which signals are stale: all of them once the machine is offline or overdue; while it is
 * online, those lagging its newest signal by STALE_SIGNAL_AFTER_MS or more.
 */
export function staleSignals(row: Pick<FleetRow, 'status' | 'signals'>): SignalKind[] {
  const kinds = (Object.keys(row.signals) as SignalKind[]).sort();
  // One signal is never stale next to itself (the common case: agent heartbeats only).
  if (row.status === 'online' && kinds.length < 2) return [];
  if (row.status !== 'online') return kinds;
  const newest = Math.max(...kinds.map((k) => Date.parse(row.signals[k]!)));
  return kinds.filter((k) => newest - Date.parse(row.signals[k]!) >= STALE_SIGNAL_AFTER_MS);
}

/** Sets the stale signals of a row this evolve has just built (never of one it was given). */
function withStale(row: FleetRow): FleetRow {
  row.staleSignals = staleSignals(row);
  return row;
}

function latest(a: string, b: string): string {
  return Date.parse(b) > Date.parse(a) ? b : a;
}

/** The row as the browser sees it (packages/events MachineView): no tenant, no position. */
export function toMachineView({ tenant: _tenant, position: _position, ...view }: FleetRow): MachineView {
  return view;
}

/** Where a machine counts in the customer/site rollups, or nowhere once decommissioned. */
export function rollupContribution(
  row: FleetRow | undefined,
): { customer: string; site: string; status: FleetRow['status'] } | undefined {
  if (!row || row.decommissionedAt) return undefined;
  return { customer: row.customer ?? '', site: row.site ?? '', status: row.status };
}
