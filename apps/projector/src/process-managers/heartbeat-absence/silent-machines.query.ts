import type { Sql } from 'postgres';
import type { MachineStatus } from '@pulse/events';
import type { SilentMachine } from './heartbeat-absence.decide.ts';
import type { AbsenceThresholds } from './status-rule.ts';

/**
 * One query for every machine whose silence may call for a status change, oldest first. The
 * WHERE clause only narrows the search (on the (status, last_seen_at) index); the pure status rule
 * decides. The join reads the version of the stream event the row reflects, by primary key.
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
  const offlineCutoff = new Date(nowMs - t.offlineAfterMs);
  const overdueCutoff = new Date(nowMs - t.overdueAfterMs);
  const rows = await sql<
    {
      tenant: string;
      machine_id: string;
      status: MachineStatus;
      last_seen_at: Date;
      stream: string;
      stream_version: number;
      id: string;
    }[]
  >`
    SELECT m.tenant, m.machine_id, m.status, m.last_seen_at, e.stream, e.stream_version, e.id
    FROM read_machines m
    JOIN events e ON e.position = m.position
    WHERE (m.status = 'online' AND m.last_seen_at <= ${offlineCutoff})
       OR (m.status = 'offline' AND m.last_seen_at <= ${overdueCutoff})
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
  }));
}
