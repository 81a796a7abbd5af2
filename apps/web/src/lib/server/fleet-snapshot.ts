import type { MachineStatus, MachineView, ViewSnapshot } from '@pulse/events';
import type { Sql } from '@pulse/platform';

interface MachineRow {
  machine_id: string;
  hostname: string;
  os: string;
  agent_version: string | null;
  status: MachineStatus;
  last_seen_at: Date;
  registered_at: Date | null;
  cpu_pct: number | null;
  mem_pct: number | null;
  disk_pct: number | null;
  uptime_s: number | null;
}

/**
 * One tenant's fleet and the projection position it reflects, read in one REPEATABLE READ
 * transaction: the projector commits rows and checkpoint together (invariant 4), so both reads
 * see the same commit and a client can skip every delta at or below the returned position.
 */
export async function readFleetSnapshot(sql: Sql, tenant: string): Promise<ViewSnapshot<'fleet'>> {
  return sql.begin('isolation level repeatable read read only', async (tx) => {
    const rows = await tx<MachineRow[]>`
      SELECT machine_id, hostname, os, agent_version, status, last_seen_at, registered_at,
             cpu_pct, mem_pct, disk_pct, uptime_s
        FROM read_machines
       WHERE tenant = ${tenant}
       ORDER BY hostname, machine_id`;
    const [checkpoint] = await tx<{ position: number }[]>`
      SELECT position FROM projection_checkpoints WHERE projection = 'fleet'`;
    return { view: 'fleet', tenant, position: checkpoint?.position ?? 0, rows: rows.map(toMachineView) };
  });
}

function toMachineView(r: MachineRow): MachineView {
  return {
    machineId: r.machine_id,
    hostname: r.hostname,
    os: r.os,
    agentVersion: r.agent_version,
    status: r.status,
    lastSeenAt: r.last_seen_at.toISOString(),
    registeredAt: r.registered_at?.toISOString() ?? null,
    cpuPct: r.cpu_pct,
    memPct: r.mem_pct,
    diskPct: r.disk_pct,
    uptimeS: r.uptime_s,
  };
}
