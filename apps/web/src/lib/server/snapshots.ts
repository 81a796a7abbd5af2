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
  consistent(sql, 'fleet', tenant, 'fleet', (tx) => tx`
    SELECT * FROM read_machines WHERE tenant = ${tenant} ORDER BY hostname, machine_id`);
