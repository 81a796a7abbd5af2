import type { TransactionSql } from 'postgres';
import type { AlertCountView, ViewDelta } from '@pulse/events';
import { foldKeyed, rowKey, type Keyed } from '../keyed-fold.ts';
import { loadThrough } from '../row-cache.ts';
import {
  deltasByTenant,
  Dirty,
  inChunks,
  type CheckedBatch,
  type Projection,
  typesStartingWith,
} from '../projection.ts';
import {
  countChanges,
  evolve,
  fingerprintOf,
  toAlertView,
  type AlertRow,
  type CountChange,
} from './alerts.evolve.ts';

export const ALERTS = 'alerts';
export const alertTables = { alerts: 'read_alerts', counts: 'read_alert_counts' } as const;

/**
 * The alerts view: read_alerts and read_alert_counts, checkpoint 'alerts', deltas on
 * ops.view.<tenant>.alerts and ops.view.<tenant>.alert_counts.
 */
export const alertsProjection: Projection<keyof typeof alertTables> = {
  name: ALERTS,
  tables: alertTables,
  eventTypes: typesStartingWith('alert.'),
  async apply(tx, batch, t, cache) {
    const events = alertEvents(batch);
    if (events.length === 0) return [];
    const refs = new Map<string, AlertRef>();
    for (const { key, event } of events) refs.set(key, { tenant: event.tenant, fp: fingerprintOf(event)! });
    const alerts = cache?.table<AlertRow>('alerts');
    const loaded = await loadThrough(alerts, refs, (missing) => loadAlerts(tx, missing, t.alerts));
    const { changed } = foldKeyed(loaded, events, evolve);
    for (const c of changed) alerts?.stage(c.key, c.after);
    const rows = changed.map((c) => c.after);
    await upsertAlerts(tx, rows, t.alerts);
    const counts = await applyCounts(
      tx,
      countChanges(changed.map((c) => [c.before, c.after])),
      batch.position,
      t.counts,
    );
    return [
      ...deltasByTenant('alerts', rows, batch.position, toAlertView),
      ...(deltasByTenant('alert_counts', counts, batch.position, ({ tenant: _t, ...c }) => c) as ViewDelta[]),
    ];
  },
  rebuilder() {
    const rows = new Map<string, AlertRow>();
    const dirty = new Dirty<AlertRow>();
    return {
      // In place, as foldKeyed does without its copy: the rebuild owns these rows, and copying
      // tens of thousands of them per batch cost more than evolving them.
      fold(batch) {
        for (const { key, event } of alertEvents(batch)) {
          const before = rows.get(key);
          const after = evolve(before, event);
          if (after === before || after === undefined) continue;
          rows.set(key, after);
          dirty.set(key, after);
        }
      },
      flush: (tx, t) => inChunks(dirty.take(), 5000, (c) => upsertAlerts(tx, c, t.alerts!)),
      async finish(tx, t, position) {
        await tx`DELETE FROM ${tx(t.counts!)}`;
        for (const dimension of ['severity', 'source'] as const) {
          await tx`
            INSERT INTO ${tx(t.counts!)} (tenant, dimension, key, open, acknowledged, resolved, position)
            SELECT tenant, ${dimension}, ${tx(dimension)}, count(*) FILTER (WHERE state = 'open'),
                   count(*) FILTER (WHERE state = 'acknowledged'), count(*) FILTER (WHERE state = 'resolved'), ${position}::bigint
            FROM ${tx(t.alerts!)} GROUP BY tenant, ${tx(dimension)}`;
        }
      },
    };
  },
};

export function alertEvents(batch: CheckedBatch): Keyed[] {
  const out: Keyed[] = [];
  for (const event of batch.events) {
    const fp = fingerprintOf(event);
    if (fp !== undefined) out.push({ key: rowKey(event.tenant, fp), event });
  }
  return out;
}

interface AlertRecord {
  tenant: string;
  fingerprint: string;
  source: string;
  severity: AlertRow['severity'];
  title: string;
  details: string | null;
  labels: Record<string, string>;
  machine_id: string | null;
  external_id: string | null;
  url: string | null;
  state: AlertRow['state'];
  count: number;
  first_seen_at: Date;
  last_seen_at: Date;
  opened_at: Date;
  acknowledged_at: Date | null;
  acknowledged_by: string | null;
  resolved_at: Date | null;
  resolved_by: string | null;
  escalation_level: number;
  escalated_at: Date | null;
  flapping: boolean;
  notes: number;
  last_note: string | null;
  reopened_at: Date[];
  position: number;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

interface AlertRef {
  tenant: string;
  fp: string;
}

export async function loadAlerts(
  tx: TransactionSql | import('postgres').Sql,
  refs: readonly AlertRef[],
  table: string,
): Promise<Map<string, AlertRow>> {
  const records = await tx<AlertRecord[]>`
    SELECT a.* FROM ${tx(table)} a
    JOIN unnest(${refs.map((r) => r.tenant)}::text[], ${refs.map((r) => r.fp)}::text[]) AS k (tenant, fingerprint)
      USING (tenant, fingerprint)`;
  return new Map(records.map((r) => [rowKey(r.tenant, r.fingerprint), toRow(r)]));
}

function toRow(r: AlertRecord): AlertRow {
  return {
    tenant: r.tenant,
    fingerprint: r.fingerprint,
    source: r.source,
    severity: r.severity,
    title: r.title,
    details: r.details,
    labels: r.labels,
    machineId: r.machine_id,
    externalId: r.external_id,
    url: r.url,
    state: r.state,
    count: r.count,
    firstSeenAt: r.first_seen_at.toISOString(),
    lastSeenAt: r.last_seen_at.toISOString(),
    openedAt: r.opened_at.toISOString(),
    acknowledgedAt: iso(r.acknowledged_at),
    acknowledgedBy: r.acknowledged_by,
    resolvedAt: iso(r.resolved_at),
    resolvedBy: r.resolved_by,
    escalationLevel: r.escalation_level,
    escalatedAt: iso(r.escalated_at),
    flapping: r.flapping,
    notes: r.notes,
    lastNote: r.last_note,
    reopenedAt: r.reopened_at.map((d) => d.toISOString()),
    position: r.position,
  };
}

/** One upsert; the rows travel as one JSON text (keys as AlertRow names them). */
async function upsertAlerts(tx: TransactionSql, rows: AlertRow[], table: string): Promise<void> {
  if (rows.length === 0) return;
  await tx`
    INSERT INTO ${tx(table)} (tenant, fingerprint, source, severity, title, details, labels, machine_id,
      external_id, url, state, count, first_seen_at, last_seen_at, opened_at, acknowledged_at, acknowledged_by,
      resolved_at, resolved_by, escalation_level, escalated_at, flapping, notes, last_note, position, reopened_at)
    SELECT * FROM json_to_recordset(${JSON.stringify(rows)}::text::json) AS r (tenant text, fingerprint text,
      source text, severity text, title text, details text, labels jsonb, "machineId" text, "externalId" text,
      url text, state text, count int, "firstSeenAt" timestamptz, "lastSeenAt" timestamptz, "openedAt" timestamptz,
      "acknowledgedAt" timestamptz, "acknowledgedBy" text, "resolvedAt" timestamptz, "resolvedBy" text,
      "escalationLevel" int, "escalatedAt" timestamptz, flapping bool, notes int, "lastNote" text, position bigint,
      "reopenedAt" timestamptz[])
    ON CONFLICT (tenant, fingerprint) DO UPDATE SET
      source = excluded.source, severity = excluded.severity, title = excluded.title, details = excluded.details,
      labels = excluded.labels, machine_id = excluded.machine_id, external_id = excluded.external_id, url = excluded.url,
      state = excluded.state, count = excluded.count, first_seen_at = excluded.first_seen_at,
      last_seen_at = excluded.last_seen_at, opened_at = excluded.opened_at, acknowledged_at = excluded.acknowledged_at,
      acknowledged_by = excluded.acknowledged_by, resolved_at = excluded.resolved_at, resolved_by = excluded.resolved_by,
      escalation_level = excluded.escalation_level, escalated_at = excluded.escalated_at, flapping = excluded.flapping,
      notes = excluded.notes, last_note = excluded.last_note, position = excluded.position, reopened_at = excluded.reopened_at`;
}

/** Counts are sums: adding the batch's net change in SQL is the same fold, without a load. */
async function applyCounts(
  tx: TransactionSql,
  changes: CountChange[],
  position: number,
  table: string,
): Promise<(AlertCountView & { tenant: string })[]> {
  if (changes.length === 0) return [];
  const col = <T>(pick: (r: CountChange) => T) => changes.map(pick);
  return tx<(AlertCountView & { tenant: string })[]>`
    INSERT INTO ${tx(table)} AS c (tenant, dimension, key, open, acknowledged, resolved, position)
    SELECT u.*, ${position}::bigint FROM unnest(${col((c) => c.tenant)}::text[], ${col((c) => c.dimension)}::text[],
      ${col((c) => c.key)}::text[], ${col((c) => c.open)}::int[], ${col((c) => c.acknowledged)}::int[],
      ${col((c) => c.resolved)}::int[]) AS u
    ON CONFLICT (tenant, dimension, key) DO UPDATE SET open = c.open + excluded.open,
      acknowledged = c.acknowledged + excluded.acknowledged, resolved = c.resolved + excluded.resolved,
      position = excluded.position
    RETURNING tenant, dimension, key, open, acknowledged, resolved`.then(async (rows) => {
    // No alert left in a severity or source: no row, as a group-by of the alerts would have none.
    if (rows.some((r) => r.open + r.acknowledged + r.resolved === 0)) {
      await tx`DELETE FROM ${tx(table)} WHERE open + acknowledged + resolved = 0`;
    }
    return rows;
  });
}
