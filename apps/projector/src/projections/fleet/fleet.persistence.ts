import type { Sql, TransactionSql } from 'postgres';
import type { FleetRollupView, InventorySummary, SignalKind } from '@pulse/events';
import type { Tables } from '../projection.ts';
import type { FleetRow } from './fleet.evolve.ts';
import {
  fleetKey,
  type FleetKey,
  type InventoryRow,
  type MachineRef,
  type RollupChange,
} from './fleet.fold.ts';

export const FLEET = 'fleet';
export const fleetTables = {
  machines: 'read_machines',
  inventory: 'read_machine_inventory',
  rollups: 'read_fleet_rollups',
} as const;
export type FleetTables = Tables<keyof typeof fleetTables>;

type Db = Sql | TransactionSql;

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
  customer: string | null;
  site: string | null;
  ip: string | null;
  tags: string[];
  load1: number | null;
  logged_in_user: string | null;
  metrics_at: Date | null;
  signals: Partial<Record<SignalKind, string>>;
  stale_signals: SignalKind[];
  inventory: InventorySummary | null;
  decommissioned_at: Date | null;
  position: number;
}

/** Loads the given machines' rows in one query; machines without a row are simply absent. */
export async function loadMachines(
  sql: Db,
  refs: MachineRef[],
  table: string = fleetTables.machines,
): Promise<Map<FleetKey, FleetRow>> {
  if (refs.length === 0) return new Map();
  const records = await sql<MachineRecord[]>`
    SELECT m.* FROM ${sql(table)} m
    JOIN unnest(${refs.map((r) => r.tenant)}::text[], ${refs.map((r) => r.machineId)}::text[]) AS k (tenant, machine_id)
      USING (tenant, machine_id)`;
  return new Map(records.map((r) => [fleetKey(r.tenant, r.machine_id), toRow(r)]));
}

/**
 * One multi-row upsert. The rows travel as one JSON text (keys as FleetRow names them): a fixed
 * parameter count at any batch size, one native stringify instead of 24 escaped arrays.
 */
export async function upsertMachines(
  tx: Db,
  rows: FleetRow[],
  table: string = fleetTables.machines,
): Promise<void> {
  if (rows.length === 0) return;
  await tx`
    INSERT INTO ${tx(table)} (tenant, machine_id, hostname, os, agent_version, status, last_seen_at,
                               registered_at, cpu_pct, mem_pct, disk_pct, uptime_s, customer, site, ip,
                               load1, logged_in_user, metrics_at, signals, inventory, decommissioned_at,
                               position, tags, stale_signals)
    SELECT * FROM json_to_recordset(${JSON.stringify(rows)}::text::json) AS r (tenant text, "machineId" text,
      hostname text, os text, "agentVersion" text, status text, "lastSeenAt" timestamptz,
      "registeredAt" timestamptz, "cpuPct" real, "memPct" real, "diskPct" real, "uptimeS" bigint,
      customer text, site text, ip text, load1 real, "loggedInUser" text, "metricsAt" timestamptz,
      signals jsonb, inventory jsonb, "decommissionedAt" timestamptz, position bigint, tags text[],
      "staleSignals" text[])
    ON CONFLICT (tenant, machine_id) DO UPDATE SET
      hostname = excluded.hostname, os = excluded.os, agent_version = excluded.agent_version,
      status = excluded.status, last_seen_at = excluded.last_seen_at, registered_at = excluded.registered_at,
      cpu_pct = excluded.cpu_pct, mem_pct = excluded.mem_pct, disk_pct = excluded.disk_pct,
      uptime_s = excluded.uptime_s, customer = excluded.customer, site = excluded.site, ip = excluded.ip,
      load1 = excluded.load1, logged_in_user = excluded.logged_in_user, metrics_at = excluded.metrics_at,
      signals = excluded.signals, inventory = excluded.inventory, decommissioned_at = excluded.decommissioned_at,
      position = excluded.position, tags = excluded.tags, stale_signals = excluded.stale_signals`;
}

export async function upsertInventories(tx: Db, rows: InventoryRow[], table: string): Promise<void> {
  if (rows.length === 0) return;
  const col = <T>(pick: (r: InventoryRow) => T) => rows.map(pick);
  await tx`
    INSERT INTO ${tx(table)} (tenant, machine_id, reported_at, hardware, os, software, position)
    SELECT * FROM unnest(${col((r) => r.tenant)}::text[], ${col((r) => r.machineId)}::text[],
      ${col((r) => r.reportedAt)}::timestamptz[], ${col((r) => (r.hardware ? JSON.stringify(r.hardware) : null))}::text[]::jsonb[],
      ${col((r) => (r.os ? JSON.stringify(r.os) : null))}::text[]::jsonb[], ${col((r) => JSON.stringify(r.software))}::text[]::jsonb[],
      ${col((r) => r.position)}::bigint[])
    ON CONFLICT (tenant, machine_id) DO UPDATE SET reported_at = excluded.reported_at, hardware = excluded.hardware,
      os = excluded.os, software = excluded.software, position = excluded.position`;
}

/**
 * Adds the batch's net changes to the customer/site counts and returns the rows as they now are.
 * Counts are sums, so adding in SQL is the same fold as adding in memory, without a load.
 */
export async function applyRollups(
  tx: Db,
  changes: RollupChange[],
  position: number,
  table: string,
): Promise<(FleetRollupView & { tenant: string })[]> {
  if (changes.length === 0) return [];
  const col = <T>(pick: (r: RollupChange) => T) => changes.map(pick);
  return tx<(FleetRollupView & { tenant: string })[]>`
    INSERT INTO ${tx(table)} AS r (tenant, customer, site, online, overdue, offline, total, position)
    SELECT u.*, ${position}::bigint FROM unnest(${col((c) => c.tenant)}::text[], ${col((c) => c.customer)}::text[],
      ${col((c) => c.site)}::text[], ${col((c) => c.online)}::int[], ${col((c) => c.overdue)}::int[],
      ${col((c) => c.offline)}::int[], ${col((c) => c.total)}::int[]) AS u
    ON CONFLICT (tenant, customer, site) DO UPDATE SET
      online = r.online + excluded.online, overdue = r.overdue + excluded.overdue,
      offline = r.offline + excluded.offline, total = r.total + excluded.total, position = excluded.position
    RETURNING tenant, customer, site, online, overdue, offline, total`.then(async (rows) => {
    // A customer/site with no machine left has no row, as a group-by of the machines would have none.
    if (rows.some((r) => r.total === 0)) await tx`DELETE FROM ${tx(table)} WHERE total = 0`;
    return rows;
  });
}

/** The rollups as a group-by of the machines: what the incremental sums add up to. */
export async function rebuildRollups(
  tx: Db,
  machines: string,
  table: string,
  position: number,
): Promise<void> {
  await tx`DELETE FROM ${tx(table)}`;
  await tx`
    INSERT INTO ${tx(table)} (tenant, customer, site, online, overdue, offline, total, position)
    SELECT tenant, coalesce(customer, ''), coalesce(site, ''), count(*) FILTER (WHERE status = 'online'),
           count(*) FILTER (WHERE status = 'overdue'), count(*) FILTER (WHERE status = 'offline'), count(*), ${position}::bigint
    FROM ${tx(machines)} WHERE decommissioned_at IS NULL
    GROUP BY 1, 2, 3`;
}

function iso(d: Date | null): string | null {
  return d ? d.toISOString() : null;
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
    registeredAt: iso(r.registered_at),
    cpuPct: r.cpu_pct,
    memPct: r.mem_pct,
    diskPct: r.disk_pct,
    uptimeS: r.uptime_s,
    customer: r.customer,
    site: r.site,
    ip: r.ip,
    tags: r.tags,
    load1: r.load1,
    loggedInUser: r.logged_in_user,
    metricsAt: iso(r.metrics_at),
    signals: r.signals,
    staleSignals: r.stale_signals,
    inventory: r.inventory,
    decommissionedAt: iso(r.decommissioned_at),
    position: r.position,
  };
}
