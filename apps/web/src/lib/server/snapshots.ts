import type { ViewName, ViewRows, ViewSnapshot } from '@pulse/events';
import type { Sql } from '@pulse/platform';

type Row = Record<string, unknown>;

/** Columns the projector keeps to stay incremental, never shown (migration 1764000020000). */
const internal = new Set(['tenant', 'position', 'reopened_at', 'histograms', 'sum', 'last_at']);

const camel = (name: string) => name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/**
 * A read-model row as its view row: the migration maps view fields 1:1 to snake_case columns, so
 * the mapping is by name; times become ISO strings as on the wire.
 */
export function toViewRow<V extends ViewName>(row: Row): ViewRows[V] {
  const out: Row = {};
  for (const [key, value] of Object.entries(row)) {
    if (internal.has(key)) continue;
    out[camel(key)] = value instanceof Date ? value.toISOString() : value;
  }
  return out as unknown as ViewRows[V];
}

/**
 * Reads rows and the projection's checkpoint in one REPEATABLE READ transaction: the projector
 * commits both together (invariant 4), so a client can drop every delta at or below the returned
 * position.
 */
async function consistent<V extends ViewName>(
  sql: Sql,
  view: V,
  tenant: string,
  projection: string,
  read: (tx: Sql) => Promise<Row[]>,
  map: (row: Row) => ViewRows[V] = toViewRow<V>,
): Promise<ViewSnapshot<V>> {
  return sql.begin('isolation level repeatable read read only', async (tx) => {
    const rows = await read(tx as unknown as Sql);
    const [checkpoint] = await tx<{ position: number }[]>`
      SELECT position FROM projection_checkpoints WHERE projection = ${projection}`;
    return { view, tenant, position: checkpoint?.position ?? 0, rows: rows.map(map) };
  }) as Promise<ViewSnapshot<V>>;
}

export const readFleetSnapshot = (sql: Sql, tenant: string) =>
  consistent(
    sql,
    'fleet',
    tenant,
    'fleet',
    (tx) => tx`
    SELECT * FROM read_machines WHERE tenant = ${tenant} ORDER BY hostname, machine_id`,
  );

export const readFleetRollupsSnapshot = (sql: Sql, tenant: string) =>
  consistent(
    sql,
    'fleet_rollups',
    tenant,
    'fleet',
    (tx) => tx`
    SELECT * FROM read_fleet_rollups WHERE tenant = ${tenant}`,
  );

/**
 * Every alert still open or acknowledged, and those resolved in the last day (a NOC looks back
 * over a shift, not over history; /history is for that). Capped, open ones first, so a storm
 * cannot make the snapshot unbounded.
 */
export const readAlertsSnapshot = (sql: Sql, tenant: string) =>
  consistent(
    sql,
    'alerts',
    tenant,
    'alerts',
    (tx) => tx`
    SELECT * FROM read_alerts
     WHERE tenant = ${tenant} AND (state <> 'resolved' OR resolved_at > now() - interval '24 hours')
     ORDER BY state = 'resolved', last_seen_at DESC
     LIMIT 20000`,
  );

export const readAlertCountsSnapshot = (sql: Sql, tenant: string) =>
  consistent(
    sql,
    'alert_counts',
    tenant,
    'alerts',
    (tx) => tx`
    SELECT * FROM read_alert_counts WHERE tenant = ${tenant}`,
  );

/** The all-time cohort and the last 60 days' daily and weekly cohorts. */
export const readFunnelSnapshot = (sql: Sql, tenant: string) => {
  const since = new Date(Date.now() - 60 * 86_400_000).toISOString().slice(0, 10);
  return consistent(
    sql,
    'funnel',
    tenant,
    'funnel',
    (tx) => tx`
    SELECT * FROM read_funnel
     WHERE tenant = ${tenant}
       AND (cohort = 'all' OR cohort >= ${`day:${since}`} AND cohort < 'day;' OR cohort >= ${`week:${since}`})`,
  );
};

/** One subject's series: 1-minute buckets of the last two hours and hourly ones of the last week. */
export const readTelemetrySnapshot = (sql: Sql, tenant: string, subject = '') =>
  consistent(
    sql,
    'telemetry',
    tenant,
    'telemetry',
    (tx) => tx`
    SELECT * FROM read_telemetry
     WHERE tenant = ${tenant} AND subject = ${subject}
       AND ((resolution = '1m' AND bucket_start > now() - interval '2 hours')
         OR (resolution = '1h' AND bucket_start > now() - interval '7 days'))
     ORDER BY bucket_start`,
    (row) => ({ ...toViewRow<'telemetry'>(row), avg: Number(row.sum) / Math.max(1, Number(row.count)) }),
  );

/** Open tickets and those resolved in the last day. */
export const readTicketsSnapshot = (sql: Sql, tenant: string) =>
  consistent(
    sql,
    'tickets',
    tenant,
    'tickets',
    (tx) => tx`
    SELECT * FROM read_tickets
     WHERE tenant = ${tenant} AND (status = 'open' OR resolved_at > now() - interval '24 hours')
     ORDER BY opened_at DESC
     LIMIT 20000`,
  );

/**
 * Each projection's health, measured as the projector's lag monitor does: its checkpoint against
 * the event store's head, and the age of the oldest event it has not projected yet. The same for
 * every tenant (the lag is the platform's). Its position is stamped by the hub (a measured view).
 */
export async function readSystemSnapshot(sql: Sql, tenant: string): Promise<ViewSnapshot<'system'>> {
  const rows = await sql<
    { projection: string; position: number; head: number; lag_seconds: number | null }[]
  >`
    WITH head AS (SELECT coalesce(max(position), 0) AS head FROM events)
    SELECT c.projection, c.position, head.head,
           (SELECT extract(epoch FROM now() - e.recorded_at)::float8 FROM events e
             WHERE e.position > c.position ORDER BY e.position LIMIT 1) AS lag_seconds
      FROM projection_checkpoints c, head
     WHERE c.projection IN ('fleet', 'alerts', 'funnel', 'telemetry', 'tickets')
     ORDER BY c.projection`;
  const updatedAt = new Date().toISOString();
  return {
    view: 'system',
    tenant,
    position: 0,
    rows: rows.map((r) => ({
      projection: r.projection,
      position: r.position,
      head: r.head,
      lagEvents: Math.max(0, r.head - r.position),
      lagSeconds: r.head > r.position ? Math.max(0, r.lag_seconds ?? 0) : 0,
      updatedAt,
    })),
  };
}
