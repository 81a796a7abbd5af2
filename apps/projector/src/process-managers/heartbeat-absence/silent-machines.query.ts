import type { Sql } from 'postgres';
import type { MachineStatus } from '@pulse/events';
import type { SilentMachine } from './heartbeat-absence.decide.ts';
import type { AbsenceThresholds } from './status-rule.ts';

/**
 * One query for every machine whose silence may call for a status change, oldest first. The
 * WHERE clause only narrows the search (on the (status, last_seen_at) index, with the shortest
 * threshold any tenant or machine uses); the pure status rule decides with each machine's own
 * thresholds: its override, else its tenant's default, else the projector's setting (Tactical
 * RMM's per-agent offline/overdue times). The join reads the version of the stream event the row
 * reflects, by primary key.
 *
 * This deliberately spans tenants: it is the platform's own process, and each event it appends
 * stays in its machine's tenant.
 */
export async function findSilentMachines(
  sql: Sql,
  nowMs: number,
  t: AbsenceThresholds,
  limit: number,
): Promise<SilentMachine[]> {
  const [shortest] = await sql<{ offline: number; overdue: number }[]>`
    SELECT least(${t.offlineAfterMs / 1000}::float8, (SELECT min(offline_after_s) FROM projector_tenant_settings),
                 (SELECT min(offline_after_s) FROM projector_machine_thresholds)) AS offline,
           least(${t.overdueAfterMs / 1000}::float8, (SELECT min(overdue_after_s) FROM projector_tenant_settings),
                 (SELECT min(overdue_after_s) FROM projector_machine_thresholds)) AS overdue`;
  const offlineCutoff = new Date(nowMs - shortest!.offline * 1000);
  const overdueCutoff = new Date(nowMs - shortest!.overdue * 1000);
  const rows = await sql<
    {
      tenant: string;
      machine_id: string;
      status: MachineStatus;
      last_seen_at: Date;
      stream: string;
      stream_version: number;
      id: string;
      offline_after_s: number | null;
      overdue_after_s: number | null;
    }[]
  >`
    SELECT m.tenant, m.machine_id, m.status, m.last_seen_at, e.stream, e.stream_version, e.id,
           coalesce(o.offline_after_s, s.offline_after_s) AS offline_after_s,
           coalesce(o.overdue_after_s, s.overdue_after_s) AS overdue_after_s
    FROM read_machines m
    JOIN events e ON e.position = m.position
    LEFT JOIN projector_tenant_settings s ON s.tenant = m.tenant
    LEFT JOIN projector_machine_thresholds o ON o.tenant = m.tenant AND o.machine_id = m.machine_id
    WHERE m.decommissioned_at IS NULL AND ((m.status = 'online' AND m.last_seen_at <= ${offlineCutoff})
       OR (m.status = 'offline' AND m.last_seen_at <= ${overdueCutoff}))
    ORDER BY m.last_seen_at
    LIMIT ${limit}`;
  return rows.map((r) => ({
    tenant: r.tenant,
    machineId: r.machine_id,
    status: r.status,
    lastSeenAt: r.last_seen_at.toISOString(),
    stream: r.stream,
    streamVersion: r.stream_version,
    lastEventId: r.id,
    thresholds: {
      offlineAfterMs: r.offline_after_s !== null ? r.offline_after_s * 1000 : t.offlineAfterMs,
      overdueAfterMs: r.overdue_after_s !== null ? r.overdue_after_s * 1000 : t.overdueAfterMs,
    },
  }));
}
