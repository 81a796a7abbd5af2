import type { z } from 'zod';
import { MachineHeartbeat, MachineRegistered, MachineStatusChanged } from './machine.events.ts';
import { streamName } from './names.ts';

interface EventDefinition<S extends z.ZodType> {
  description: string;
  data: S;
  /** The stream an event belongs to follows from its tenant and data; clients never name it. */
  stream: (tenant: string, data: z.infer<S>) => string;
}

function define<S extends z.ZodType>(def: EventDefinition<S>): EventDefinition<S> {
  return def;
}

export const catalog = {
  'machine.registered': define({
    description: 'A machine was enrolled (agent install, RMM sync or manual).',
    data: MachineRegistered,
    stream: (tenant, d) => streamName('machine', tenant, d.machineId),
  }),
  'machine.heartbeat': define({
    description: 'A machine checked in with its current vital signs.',
    data: MachineHeartbeat,
    stream: (tenant, d) => streamName('machine', tenant, d.machineId),
  }),
  'machine.status_changed': define({
    description: 'A machine went online, overdue or offline (derived by the heartbeat-absence process manager).',
    data: MachineStatusChanged,
    stream: (tenant, d) => streamName('machine', tenant, d.machineId),
  }),
};

export type EventType = keyof typeof catalog;
export type EventData<T extends EventType> = z.infer<(typeof catalog)[T]['data']>;
export const eventTypes = Object.keys(catalog) as EventType[];

export function isEventType(type: string): type is EventType {
  return Object.hasOwn(catalog, type);
}
