import type { Sql } from '@pulse/platform';

/** Every read-model table with the columns that make its key; rows are dumped in key order. */
const tables: Record<string, string[]> = {
  read_machines: ['tenant', 'machine_id'],
  read_machine_inventory: ['tenant', 'machine_id'],
  read_fleet_rollups: ['tenant', 'customer', 'site'],
  read_alerts: ['tenant', 'fingerprint'],
  read_alert_counts: ['tenant', 'dimension', 'key'],
  read_journeys: ['tenant', 'journey_id'],
  read_funnel: ['tenant', 'cohort'],
  read_telemetry: ['tenant', 'subject', 'metric', 'resolution', 'bucket_start'],
  read_tickets: ['tenant', 'ticket_id'],
  read_ticket_timeline: ['tenant', 'ticket_id', 'seq'],
};

/**
 * Counts and rollups carry the position of the batch that last changed them, which depends on
 * where batches happen to end; every other column is a function of the events alone.
 */
const batchPositioned = new Set(['read_fleet_rollups', 'read_alert_counts']);

/** The whole read model as plain data, for comparing two builds of it. */
export async function dumpReadModels(sql: Sql): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const [table, key] of Object.entries(tables)) {
    const rows = await sql`SELECT * FROM ${sql(table)} ORDER BY ${sql.unsafe(key.join(', '))}`;
    out[table] = rows.map((r) => {
      const row: Record<string, unknown> = { ...r };
      if (batchPositioned.has(table)) delete row.position;
      return row;
    });
  }
  return out;
}
