import type { FleetRollupView, ViewDelta } from '@pulse/events';
import { loadThrough } from '../row-cache.ts';
import { deltasByTenant, Dirty, inChunks, type Projection, typesStartingWith } from '../projection.ts';
import { toMachineView, type FleetRow } from './fleet.evolve.ts';
import { fleetKey, fold, prepareBatch, touchedMachines, type InventoryRow } from './fleet.fold.ts';
import {
  applyRollups,
  FLEET,
  fleetTables,
  loadMachines,
  rebuildRollups,
  upsertInventories,
  upsertMachines,
} from './fleet.persistence.ts';

/**
 * The fleet view: read_machines (+ read_machine_inventory, read_fleet_rollups), checkpoint 'fleet',
 * deltas on ops.view.<tenant>.fleet and ops.view.<tenant>.fleet_rollups. Per batch: load the
 * touched machines, fold, upsert machines and inventories, add to the rollups.
 */
export const fleetProjection: Projection<keyof typeof fleetTables> = {
  name: FLEET,
  tables: fleetTables,
  eventTypes: typesStartingWith('machine.'),
  async apply(tx, batch, t, cache) {
    const prepared = prepareBatch(batch);
    if (prepared.events.length === 0) return [];
    const machines = cache?.table<FleetRow>('machines');
    const loaded = await loadThrough(machines, touchedMachines(prepared), (refs) =>
      loadMachines(tx, refs, t.machines),
    );
    const { changed, inventories, rollups } = fold(loaded, prepared);
    for (const r of changed) machines?.stage(fleetKey(r.tenant, r.machineId), r);
    await upsertMachines(tx, changed, t.machines);
    await upsertInventories(tx, inventories, t.inventory);
    const rollupRows = await applyRollups(tx, rollups, batch.position, t.rollups);
    return [...fleetDeltas(changed, batch.position), ...rollupDeltas(rollupRows, batch.position)];
  },
  rebuilder() {
    let rows = new Map<string, FleetRow>();
    const machines = new Dirty<FleetRow>();
    const inventories = new Dirty<InventoryRow>();
    return {
      fold(batch) {
        const prepared = prepareBatch(batch);
        if (prepared.events.length === 0) return;
        const folded = fold(rows, prepared);
        rows = folded.rows;
        for (const r of folded.changed) machines.set(fleetKey(r.tenant, r.machineId), r);
        for (const i of folded.inventories) inventories.set(fleetKey(i.tenant, i.machineId), i);
      },
      async flush(tx, t) {
        const m = machines.take();
        const i = inventories.take();
        await inChunks(m, 5000, (c) => upsertMachines(tx, c, t.machines!));
        await inChunks(i, 1000, (c) => upsertInventories(tx, c, t.inventory!));
      },
      finish: (tx, t, position) => rebuildRollups(tx, t.machines!, t.rollups!, position),
    };
  },
};

/**
 * One delta per tenant the batch touched, all carrying the batch's last position: a client that
 * holds a snapshot at or past it already has these rows (invariant 5).
 */
export function fleetDeltas(changed: readonly FleetRow[], position: number): ViewDelta<'fleet'>[] {
  return deltasByTenant('fleet', changed, position, toMachineView);
}

function rollupDeltas(rows: (FleetRollupView & { tenant: string })[], position: number): ViewDelta[] {
  return deltasByTenant('fleet_rollups', rows, position, ({ tenant: _t, ...r }) => r);
}
