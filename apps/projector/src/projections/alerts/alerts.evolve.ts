import type { AlertCountView, AlertView, KnownRecordedEvent } from '@pulse/events';

/** One alert of the read model: the view plus tenant, position and the reopen times flapping is judged from. */
export interface AlertRow extends AlertView {
  tenant: string;
  position: number;
  /** When the alert was reopened within the last FLAP_WINDOW_MS (by event time), oldest first. */
  reopenedAt: string[];
}

/** Reopened this many times within FLAP_WINDOW_MS: flapping (Nagios/Icinga mark the same thing). */
export const FLAP_REOPENS = 3;
export const FLAP_WINDOW_MS = 60 * 60 * 1000;

type EventOf<T extends KnownRecordedEvent['type']> = Extract<KnownRecordedEvent, { type: T }>;

/** The fingerprint an alert event is about, or undefined for the events the alerts view ignores. */
export function fingerprintOf(event: KnownRecordedEvent): string | undefined {
  return event.type.startsWith('alert.') ? (event.data as { fingerprint: string }).fingerprint : undefined;
}

/**
 * The next row of one alert. open → acknowledged → resolved; a raise of a resolved alert reopens
 * it (a new episode), a raise of an open or acknowledged one is the same alert seen again. Pure.
 */
export function evolve(row: AlertRow | undefined, event: KnownRecordedEvent): AlertRow | undefined {
  switch (event.type) {
    case 'alert.raised':
      return raised(row, event);
    case 'alert.acknowledged':
      // An acknowledgement of a resolved alert (a late click) changes nothing but the position.
      if (!row) return row;
      if (row.state !== 'open') return { ...row, position: event.position };
      return {
        ...row,
        state: 'acknowledged',
        acknowledgedAt: event.occurredAt,
        acknowledgedBy: event.data.by,
        position: event.position,
      };
    case 'alert.resolved':
      if (!row) return row;
      if (row.state === 'resolved') return { ...row, position: event.position };
      return {
        ...row,
        state: 'resolved',
        resolvedAt: event.occurredAt,
        resolvedBy: event.data.by,
        position: event.position,
      };
    case 'alert.escalated':
      if (!row) return row;
      return {
        ...row,
        escalationLevel: Math.max(row.escalationLevel, event.data.level),
        escalatedAt: event.occurredAt,
        position: event.position,
      };
    case 'alert.annotated':
      if (!row) return row;
      return { ...row, notes: row.notes + 1, lastNote: event.data.note, position: event.position };
    default:
      return row;
  }
}

function raised(row: AlertRow | undefined, e: EventOf<'alert.raised'>): AlertRow {
  const d = e.data;
  const fromSource = {
    source: d.source,
    severity: d.severity,
    title: d.title,
    details: d.details ?? null,
    labels: d.labels ?? {},
    // A later raise that names no machine does not forget the machine an earlier one named.
    machineId: d.machineId ?? row?.machineId ?? null,
    externalId: d.externalId ?? row?.externalId ?? null,
    url: d.url ?? row?.url ?? null,
  };
  if (!row) {
    return {
      tenant: e.tenant,
      fingerprint: d.fingerprint,
      ...fromSource,
      state: 'open',
      count: 1,
      firstSeenAt: e.occurredAt,
      lastSeenAt: e.occurredAt,
      openedAt: e.occurredAt,
      acknowledgedAt: null,
      acknowledgedBy: null,
      resolvedAt: null,
      resolvedBy: null,
      escalationLevel: 0,
      escalatedAt: null,
      flapping: false,
      notes: 0,
      lastNote: null,
      reopenedAt: [],
      position: e.position,
    };
  }
  const seen = {
    ...row,
    ...fromSource,
    count: row.count + 1,
    lastSeenAt: Date.parse(e.occurredAt) > Date.parse(row.lastSeenAt) ? e.occurredAt : row.lastSeenAt,
    position: e.position,
  };
  if (row.state !== 'resolved') return seen;
  // Reopened: a new episode. Flapping is judged by event time, so a replay marks the same alerts.
  const now = Date.parse(e.occurredAt);
  const reopenedAt = [...row.reopenedAt, e.occurredAt].filter((t) => now - Date.parse(t) < FLAP_WINDOW_MS);
  return {
    ...seen,
    state: 'open',
    openedAt: e.occurredAt,
    acknowledgedAt: null,
    acknowledgedBy: null,
    resolvedAt: null,
    resolvedBy: null,
    escalationLevel: 0,
    escalatedAt: null,
    reopenedAt,
    flapping: reopenedAt.length >= FLAP_REOPENS,
  };
}

export function toAlertView({ tenant: _t, position: _p, reopenedAt: _r, ...view }: AlertRow): AlertView {
  return view;
}

export interface CountChange {
  tenant: string;
  dimension: AlertCountView['dimension'];
  key: string;
  open: number;
  acknowledged: number;
  resolved: number;
}

/** The net change of the counts by severity and by source, from each changed alert before and after. */
export function countChanges(pairs: [AlertRow | undefined, AlertRow][]): CountChange[] {
  const byKey = new Map<string, CountChange>();
  const add = (row: AlertRow | undefined, sign: 1 | -1) => {
    if (!row) return;
    for (const [dimension, key] of [
      ['severity', row.severity],
      ['source', row.source],
    ] as const) {
      const k = `${row.tenant}\u0000${dimension}\u0000${key}`;
      let c = byKey.get(k);
      if (!c)
        byKey.set(k, (c = { tenant: row.tenant, dimension, key, open: 0, acknowledged: 0, resolved: 0 }));
      c[row.state] += sign;
    }
  };
  for (const [before, after] of pairs) {
    add(before, -1);
    add(after, 1);
  }
  return [...byKey.values()].filter((c) => c.open || c.acknowledged || c.resolved);
}
