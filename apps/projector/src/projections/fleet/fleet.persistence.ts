import type { Sql, TransactionSql } from 'postgres';
import type { RecordedEvent } from '@pulse/events';
import { claimCheckpoint, storeCheckpoint } from '../../adapters/checkpoints.ts';
import type { FleetRow } from './fleet.evolve.ts';
import {
  fleetKey,
  fold,
  prepareBatch,
  touchedMachines,
  type FleetKey,
  type MachineRef,
  type PreparedBatch,
} from './fleet.fold.ts';

export const FLEET = 'fleet';

export interface CommittedFleetBatch {
  /** The position the read model and its checkpoint now reflect: the batch's last event. */
  position: number;
  changed: FleetRow[];
  invalid: PreparedBatch['invalid'];
}

/**
 * Applies one batch to read_machines and moves the 'fleet' checkpoint in the same transaction
 * (invariant 4): three statements whatever the batch size — load the touched rows, upsert the
 * changed ones, store the checkpoint — plus the checkpoint lock.
 */
export async function commitFleetBatch(
  sql: Sql,
  batch: readonly RecordedEvent[],
  from: number,
): Promise<CommittedFleetBatch> {
  if (batch.length === 0) throw new Error('commitFleetBatch needs at least one event');
  const position = batch[batch.length - 1]!.position;
  const prepared = prepareBatch(batch);
  const changed = await sql.begin(async (tx) => {
    await claimCheckpoint(tx, FLEET, from);
    const { changed } = fold(await loadMachines(tx, touchedMachines(prepared)), prepared);
    await upsertMachines(tx, changed);
    await storeCheckpoint(tx, FLEET, position);
    return changed;
  });
  return { position, changed, invalid: prepared.invalid };
}

interface MachineRecord {
  tenant: string;
  machine_id: string;
  hostname: string;
  os: string;
  agent_version: string | null;
  status: FleetRow['status'];
  last_seen_at: Date;
  registered_at: Date | null;
  cpu_pct: number | null;
  mem_pct: number | null;
  disk_pct: number | null;
  uptime_s: number | null;
  position: number;
}

/** Loads the given machines' rows in one query; machines without a row are simply absent. */
export async function loadMachines(
  sql: Sql | TransactionSql,
  refs: MachineRef[],
): Promise<Map<FleetKey, FleetRow>> {
  if (refs.length === 0) return new Map();
  const records = await sql<MachineRecord[]>`
    SELECT m.* FROM read_machines m
    JOIN unnest(${refs.map((r) => r.tenant)}::text[], ${refs.map((r) => r.machineId)}::text[]) AS k (tenant, machine_id)
      USING (tenant, machine_id)`;
  return new Map(records.map((r) => [fleetKey(r.tenant, r.machine_id), toRow(r)]));
}

/** One multi-row upsert: column arrays through unnest keep the parameter count fixed at any batch size. */
async function upsertMachines(tx: TransactionSql, rows: FleetRow[]): Promise<void> {
  if (rows.length === 0) return;
  const col = <T>(pick: (r: FleetRow) => T) => rows.map(pick);
  await tx`
    INSERT INTO read_machines (tenant, machine_id, hostname, os, agent_version, status, last_seen_at,
                               registered_at, cpu_pct, mem_pct, disk_pct, uptime_s, position)
    SELECT * FROM unnest(
      ${col((r) => r.tenant)}::text[], ${col((r) => r.machineId)}::text[], ${col((r) => r.hostname)}::text[],
      ${col((r) => r.os)}::text[], ${col((r) => r.agentVersion)}::text[], ${col((r) => r.status)}::text[],
      ${col((r) => r.lastSeenAt)}::timestamptz[], ${col((r) => r.registeredAt)}::timestamptz[],
      ${col((r) => r.cpuPct)}::real[], ${col((r) => r.memPct)}::real[], ${col((r) => r.diskPct)}::real[],
      ${col((r) => r.uptimeS)}::bigint[], ${col((r) => r.position)}::bigint[])
    ON CONFLICT (tenant, machine_id) DO UPDATE SET
      hostname = excluded.hostname, os = excluded.os, agent_version = excluded.agent_version,
      status = excluded.status, last_seen_at = excluded.last_seen_at, registered_at = excluded.registered_at,
      cpu_pct = excluded.cpu_pct, mem_pct = excluded.mem_pct, disk_pct = excluded.disk_pct,
      uptime_s = excluded.uptime_s, position = excluded.position`;
}

function toRow(r: MachineRecord): FleetRow {
  return {
    tenant: r.tenant,
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
    position: r.position,
  };
}
