import type { KnownRecordedEvent, MachineInventoryReported, RecordedEvent } from '@pulse/events';
import { checkBatch, type CheckedBatch, type InvalidEvent } from '../projection.ts';
import { evolve, rollupContribution, type FleetRow } from './fleet.evolve.ts';

/** Rows are keyed by tenant and machine; neither a tenant id nor a machine id may hold a space. */
export type FleetKey = string;
export const fleetKey = (tenant: string, machineId: string): FleetKey => `${tenant} ${machineId}`;

export interface MachineRef {
  tenant: string;
  machineId: string;
}

/** A batch sorted out for the fleet: its events keyed by machine, and what had to be skipped. */
export interface PreparedBatch {
  events: (MachineRef & { key: FleetKey; event: KnownRecordedEvent })[];
  invalid: InvalidEvent[];
}

/** The last full inventory of a machine in the batch (the table keeps only the latest). */
export interface InventoryRow extends MachineRef {
  reportedAt: string;
  hardware: MachineInventoryReported['hardware'] | null;
  os: MachineInventoryReported['os'] | null;
  software: NonNullable<MachineInventoryReported['software']>;
  position: number;
}

/** How the batch moves one customer/site's counts. */
export interface RollupChange {
  tenant: string;
  customer: string;
  site: string;
  online: number;
  overdue: number;
  offline: number;
  total: number;
}

export interface FoldResult {
  rows: Map<FleetKey, FleetRow>;
  /** Rows the batch changed, each in its final state for the batch. */
  changed: FleetRow[];
  inventories: InventoryRow[];
  rollups: RollupChange[];
}

/** The machine an event is about, or undefined for the events the fleet ignores. */
function machineOf(event: KnownRecordedEvent): string | undefined {
  return event.type.startsWith('machine.') ? (event.data as { machineId: string }).machineId : undefined;
}

export function prepareBatch(batch: readonly RecordedEvent[] | CheckedBatch): PreparedBatch {
  const checked = 'events' in batch ? batch : checkBatch(batch);
  const prepared: PreparedBatch = { events: [], invalid: checked.invalid };
  for (const event of checked.events) {
    const machineId = machineOf(event);
    if (machineId === undefined) continue;
    prepared.events.push({ tenant: event.tenant, machineId, key: fleetKey(event.tenant, machineId), event });
  }
  return prepared;
}

/** The machines a batch touches, each once by key: exactly the rows persistence has to load. */
export function touchedMachines(prepared: PreparedBatch): Map<FleetKey, MachineRef> {
  const byKey = new Map<FleetKey, MachineRef>();
  for (const { key, tenant, machineId } of prepared.events) byKey.set(key, { tenant, machineId });
  return byKey;
}

/** Applies a prepared batch to the rows it touches. Pure: the input map is left as it was. */
export function fold(rows: ReadonlyMap<FleetKey, FleetRow>, prepared: PreparedBatch): FoldResult {
  const next = new Map(rows);
  const changed = new Set<FleetKey>();
  const inventories = new Map<FleetKey, InventoryRow>();
  for (const { key, tenant, machineId, event } of prepared.events) {
    const before = next.get(key);
    const after = evolve(before, event);
    if (event.type === 'machine.inventory_reported' && after) {
      const d = event.data;
      inventories.set(key, {
        tenant,
        machineId,
        reportedAt: event.occurredAt,
        hardware: d.hardware ?? null,
        os: d.os ?? null,
        software: d.software ?? [],
        position: event.position,
      });
    }
    if (after === before || after === undefined) continue;
    next.set(key, after);
    changed.add(key);
  }
  return {
    rows: next,
    changed: [...changed].map((k) => next.get(k)!),
    inventories: [...inventories.values()],
    rollups: rollupChanges([...changed].map((k) => [rows.get(k), next.get(k)!])),
  };
}

/** The net change of each customer/site's counts, from each changed machine's row before and after. */
export function rollupChanges(pairs: [FleetRow | undefined, FleetRow][]): RollupChange[] {
  const byKey = new Map<string, RollupChange>();
  const add = (tenant: string, c: ReturnType<typeof rollupContribution>, sign: 1 | -1) => {
    if (!c) return;
    const key = `${tenant}\u0000${c.customer}\u0000${c.site}`;
    let r = byKey.get(key);
    if (!r)
      byKey.set(
        key,
        (r = { tenant, customer: c.customer, site: c.site, online: 0, overdue: 0, offline: 0, total: 0 }),
      );
    r[c.status] += sign;
    r.total += sign;
  };
  for (const [before, after] of pairs) {
    add(after.tenant, rollupContribution(before), -1);
    add(after.tenant, rollupContribution(after), 1);
  }
  return [...byKey.values()].filter((r) => r.online || r.overdue || r.offline || r.total);
}
