import type { ViewDelta } from '@pulse/events';
import type { Projection } from '../projection.ts';
import { toMachineView, type FleetRow } from './fleet.evolve.ts';
import { commitFleetBatch, FLEET } from './fleet.persistence.ts';

/** The fleet view: read_machines, checkpoint 'fleet', deltas on ops.view.<tenant>.fleet. */
export const fleetProjection: Projection = {
  name: FLEET,
  async commit(sql, batch, from) {
    const { position, changed, invalid } = await commitFleetBatch(sql, batch, from);
    return { position, deltas: fleetDeltas(changed, position), invalid };
  },
};

/**
 * One delta per tenant the batch touched, all carrying the batch's last position: a client that
 * holds a snapshot at or past it already has these rows (invariant 5).
 */
export function fleetDeltas(changed: readonly FleetRow[], position: number): ViewDelta<'fleet'>[] {
  const byTenant = new Map<string, ViewDelta<'fleet'>>();
  for (const row of changed) {
    let delta = byTenant.get(row.tenant);
    if (!delta) byTenant.set(row.tenant, (delta = { view: 'fleet', tenant: row.tenant, position, rows: [] }));
    delta.rows.push(toMachineView(row));
  }
  return [...byTenant.values()];
}
