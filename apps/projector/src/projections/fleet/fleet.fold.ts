import type { KnownRecordedEvent, RecordedEvent } from '@pulse/events';
import { checkEvent } from '../known-event.ts';
import { evolve, type FleetRow } from './fleet.evolve.ts';

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
  invalid: { position: number; type: string; reason: string }[];
}

export interface FoldResult {
  rows: Map<FleetKey, FleetRow>;
  /** Rows the batch changed, each in its final state for the batch. */
  changed: FleetRow[];
}

/** The machine an event is about, or undefined for the events the fleet ignores. */
function machineOf(event: KnownRecordedEvent): string | undefined {
  switch (event.type) {
    case 'machine.registered':
    case 'machine.heartbeat':
    case 'machine.status_changed':
      return event.data.machineId;
    default:
      return undefined;
  }
}

export function prepareBatch(batch: readonly RecordedEvent[]): PreparedBatch {
  const prepared: PreparedBatch = { events: [], invalid: [] };
  for (const recorded of batch) {
    const checked = checkEvent(recorded);
    if (checked.kind === 'invalid') {
      prepared.invalid.push({ position: recorded.position, type: recorded.type, reason: checked.reason });
      continue;
    }
    if (checked.kind === 'unknown') continue;
    const machineId = machineOf(checked.event);
    if (machineId === undefined) continue;
    const tenant = checked.event.tenant;
    prepared.events.push({ tenant, machineId, key: fleetKey(tenant, machineId), event: checked.event });
  }
  return prepared;
}

/** The machines a batch touches, each once: exactly the rows persistence has to load. */
export function touchedMachines(prepared: PreparedBatch): MachineRef[] {
  const byKey = new Map<FleetKey, MachineRef>();
  for (const { key, tenant, machineId } of prepared.events) byKey.set(key, { tenant, machineId });
  return [...byKey.values()];
}

/** Applies a prepared batch to the rows it touches. Pure: the input map is left as it was. */
export function fold(rows: ReadonlyMap<FleetKey, FleetRow>, prepared: PreparedBatch): FoldResult {
  const next = new Map(rows);
  const changed = new Set<FleetKey>();
  for (const { key, event } of prepared.events) {
    const before = next.get(key);
    const after = evolve(before, event);
    if (after === before || after === undefined) continue;
    next.set(key, after);
    changed.add(key);
  }
  return { rows: next, changed: [...changed].map((k) => next.get(k)!) };
}
