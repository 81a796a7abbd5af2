import type { MachineStatus } from './machine.events.ts';
import type { Severity } from './alert.events.ts';
import type { TicketOrigin, TicketPriority } from './ticket.events.ts';

/**
 * The read models the projector keeps and the browser shows. Every view is a table (or a few) in
 * PostgreSQL, tenant-scoped, with its checkpoint in projection_checkpoints; after each committed
 * batch the projector publishes the rows that changed on `ops.view.<tenant>.<view>` as a
 * ViewDelta. A row is replaced whole by the next version with the same key (viewRowKey).
 */

/** Which kind of signal last reported a machine alive (machine.heartbeat is `agent`). */
export type SignalKind = 'agent' | 'rmm' | 'mdm' | 'siem';

/** One row of the fleet view, as the read model serves it and the browser shows it. */
export interface MachineView {
  machineId: string;
  hostname: string;
  os: string;
  agentVersion: string | null;
  status: MachineStatus;
  /** The latest of every signal about the machine (agent heartbeat, RMM/MDM/SIEM check-in). */
  lastSeenAt: string;
  registeredAt: string | null;
  cpuPct: number | null;
  memPct: number | null;
  diskPct: number | null;
  uptimeS: number | null;
  /** The MSP's customer and site (from machine.registered), for rollups and filters. */
  customer?: string | null;
  site?: string | null;
  ip?: string | null;
  tags?: string[];
  load1?: number | null;
  loggedInUser?: string | null;
  /** When the last metrics (a heartbeat) arrived. */
  metricsAt?: string | null;
  /** When each kind of signal last reported the machine, e.g. { agent: '…', rmm: '…' }. */
  signals?: Partial<Record<SignalKind, string>>;
  /**
   * Signals that have gone quiet while the machine is otherwise heard from (or, once it is
   * offline/overdue, every signal). "The agent is stale, the RMM still sees it" reads as ['agent'].
   * Decided from event times only (see the fleet projection), so a replay gives the same answer.
   */
  staleSignals?: SignalKind[];
  /** A summary of the last machine.inventory_reported; the full list is in read_machine_inventory. */
  inventory?: InventorySummary | null;
  /** Set once the machine is decommissioned: it stays listed (greyed) but leaves every count. */
  decommissionedAt?: string | null;
}

export interface InventorySummary {
  reportedAt: string;
  vendor: string | null;
  model: string | null;
  serial: string | null;
  cpuModel: string | null;
  cpuCores: number | null;
  memBytes: number | null;
  diskBytes: number | null;
  osName: string | null;
  osVersion: string | null;
  kernel: string | null;
  softwareCount: number;
}

/** Fleet counts per customer and site (`customer`/`site` are '' when the machine has none). */
export interface FleetRollupView {
  customer: string;
  site: string;
  online: number;
  overdue: number;
  offline: number;
  total: number;
}

export type AlertState = 'open' | 'acknowledged' | 'resolved';

/** One alert, deduplicated by fingerprint: a repeat raise bumps `count` and `lastSeenAt`. */
export interface AlertView {
  fingerprint: string;
  source: string;
  severity: Severity;
  title: string;
  details: string | null;
  labels: Record<string, string>;
  /** null when the source named a machine Pulse does not know (kept, never dropped). */
  machineId: string | null;
  externalId: string | null;
  url: string | null;
  state: AlertState;
  /** Raises seen, all episodes included. */
  count: number;
  firstSeenAt: string;
  lastSeenAt: string;
  /** When the current episode opened (the first raise, or the raise that reopened it). */
  openedAt: string;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
  resolvedAt: string | null;
  resolvedBy: string | null;
  /** 0 until the escalation process manager escalates it; then the level reached. */
  escalationLevel: number;
  escalatedAt: string | null;
  /** Reopened (raised after being resolved) 3 times or more within an hour, by event time. */
  flapping: boolean;
  notes: number;
  lastNote: string | null;
}

/** Alert counts by one dimension; `key` is the severity or the source. */
export interface AlertCountView {
  dimension: 'severity' | 'source';
  key: string;
  open: number;
  acknowledged: number;
  resolved: number;
}

/** One step of a funnel, in the tenant's configured order. Times are in milliseconds. */
export interface FunnelStepView {
  step: string;
  /** Journeys that completed this step. */
  reached: number;
  /** reached / reached of the previous step (1 for the first step; null when the previous has none). */
  conversionFromPrevious: number | null;
  /** reached / reached of the first step. */
  conversionOverall: number | null;
  /** Phase timing: from the previous step to this one, over journeys that completed both. */
  medianMsFromPrevious: number | null;
  p90MsFromPrevious: number | null;
  /** Journeys abandoned with this as their last step. */
  abandoned: number;
}

export interface AbandonedJourney {
  journeyId: string;
  accountId: string;
  accountName: string;
  lastStep: string;
  lastStepAt: string;
  abandonedAt: string;
  idleS: number;
}

/**
 * The funnel of one cohort: `all`, `day:YYYY-MM-DD` (journeys started that UTC day) or
 * `week:YYYY-MM-DD` (ISO week, the Monday it starts). Percentiles come from a log-bucketed
 * histogram (2 % relative error), so they stay incremental at any number of journeys.
 */
export interface FunnelView {
  cohort: string;
  steps: FunnelStepView[];
  started: number;
  completed: number;
  /** Journeys abandoned and not resumed. */
  abandoned: number;
  /** The 50 most recently abandoned journeys of the cohort, newest first. */
  abandonedJourneys: AbandonedJourney[];
}

export type TelemetryResolution = '1m' | '1h';

/** One rollup bucket of one metric of one machine (or source). */
export interface TelemetryPointView {
  /** The machine id, or the source id for samples not tied to a machine. */
  subject: string;
  metric: string;
  resolution: TelemetryResolution;
  bucketStart: string;
  min: number;
  max: number;
  avg: number;
  /** The sample with the latest `at` in the bucket. */
  last: number;
  count: number;
  unit: string | null;
}

export type TicketStatus = 'open' | 'resolved';

export interface TicketView {
  ticketId: string;
  title: string;
  priority: TicketPriority;
  origin: TicketOrigin;
  machineId: string | null;
  status: TicketStatus;
  /** `automation` or `user:<id>`; null after a release until someone takes it. */
  owner: string | null;
  openedAt: string;
  openedBy: string;
  slaDueAt: string | null;
  slaBreachedAt: string | null;
  escalated: boolean;
  resolvedAt: string | null;
  resolution: string | null;
  lastActivityAt: string;
  timelineLength: number;
}

/** One entry of a ticket's timeline: each ticket event, in stream order. */
export interface TicketTimelineEntry {
  ticketId: string;
  /** The ticket stream's version of the event: the entry's order and key. */
  seq: number;
  at: string;
  type: string;
  by: string | null;
  text: string;
}

/** One projection's health: what the board's "projector lag" tile shows. */
export interface SystemView {
  projection: string;
  position: number;
  head: number;
  lagEvents: number;
  /** Age of the oldest event not yet projected, 0 when caught up. */
  lagSeconds: number;
  updatedAt: string;
}

export interface ViewRows {
  fleet: MachineView;
  fleet_rollups: FleetRollupView;
  alerts: AlertView;
  alert_counts: AlertCountView;
  funnel: FunnelView;
  telemetry: TelemetryPointView;
  tickets: TicketView;
  ticket_timeline: TicketTimelineEntry;
  system: SystemView;
}

export type ViewName = keyof ViewRows;

export const viewNames = [
  'fleet',
  'fleet_rollups',
  'alerts',
  'alert_counts',
  'funnel',
  'telemetry',
  'tickets',
  'ticket_timeline',
  'system',
] as const satisfies readonly ViewName[];

/** The key a row is replaced by when a newer version of it arrives. */
export function viewRowKey<V extends ViewName>(view: V, row: ViewRows[V]): string {
  const r = row as ViewRows[ViewName];
  switch (view) {
    case 'fleet':
      return (r as MachineView).machineId;
    case 'fleet_rollups':
      return `${(r as FleetRollupView).customer}\u0000${(r as FleetRollupView).site}`;
    case 'alerts':
      return (r as AlertView).fingerprint;
    case 'alert_counts':
      return `${(r as AlertCountView).dimension}\u0000${(r as AlertCountView).key}`;
    case 'funnel':
      return (r as FunnelView).cohort;
    case 'telemetry': {
      const t = r as TelemetryPointView;
      return `${t.subject}\u0000${t.metric}\u0000${t.resolution}\u0000${t.bucketStart}`;
    }
    case 'tickets':
      return (r as TicketView).ticketId;
    case 'ticket_timeline':
      return `${(r as TicketTimelineEntry).ticketId}\u0000${(r as TicketTimelineEntry).seq}`;
    case 'system':
      return (r as SystemView).projection;
    default: {
      const unknownView: never = view;
      throw new Error(`no row key for view ${String(unknownView)}`);
    }
  }
}

/** The rows that changed in one committed projector batch, and the global position they reflect. */
export interface ViewDelta<V extends ViewName = ViewName> {
  view: V;
  tenant: string;
  position: number;
  rows: ViewRows[V][];
}

/** The whole view as of `position`; deltas at or below it are already included. */
export interface ViewSnapshot<V extends ViewName = ViewName> {
  view: V;
  tenant: string;
  position: number;
  rows: ViewRows[V][];
}

/** The typed Socket.IO contract of the `/live` namespace. */
export interface LiveServerToClient {
  delta: (delta: ViewDelta) => void;
}

export interface LiveClientToServer {
  subscribe: (
    req: { view: ViewName; tenant: string },
    ack: (res: { ok: true; snapshot: ViewSnapshot } | { ok: false; error: string }) => void,
  ) => void;
}

/**
 * Where each view lives: its table and the projection whose checkpoint (projection_checkpoints)
 * a snapshot reads in the same REPEATABLE READ transaction as the rows. `system` has no table:
 * it is computed from projection_checkpoints and the events head.
 */
export const viewSources = {
  fleet: { table: 'read_machines', projection: 'fleet' },
  fleet_rollups: { table: 'read_fleet_rollups', projection: 'fleet' },
  alerts: { table: 'read_alerts', projection: 'alerts' },
  alert_counts: { table: 'read_alert_counts', projection: 'alerts' },
  funnel: { table: 'read_funnel', projection: 'funnel' },
  telemetry: { table: 'read_telemetry', projection: 'telemetry' },
  tickets: { table: 'read_tickets', projection: 'tickets' },
  ticket_timeline: { table: 'read_ticket_timeline', projection: 'tickets' },
  system: { table: null, projection: null },
} as const satisfies Record<ViewName, { table: string | null; projection: string | null }>;
