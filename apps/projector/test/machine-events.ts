import { randomUUID } from 'node:crypto';
import {
  streamName,
  type KnownRecordedEvent,
  type MachineHeartbeat,
  type MachineRegistered,
  type MachineStatusChanged,
} from '@pulse/events';
import type { NewEvent } from '@pulse/eventstore';

/** Builders for machine events in tests: realistic defaults, everything overridable. */

export function registeredEvent(
  tenant: string,
  machineId: string,
  occurredAt: string,
  data: Partial<MachineRegistered> = {},
): NewEvent {
  return newEvent(tenant, machineId, 'machine.registered', occurredAt, {
    machineId,
    hostname: `${machineId}.example.net`,
    os: 'Debian 12',
    agentVersion: '1.0.0',
    ...data,
  });
}

export function heartbeatEvent(
  tenant: string,
  machineId: string,
  occurredAt: string,
  data: Partial<MachineHeartbeat> = {},
): NewEvent {
  return newEvent(tenant, machineId, 'machine.heartbeat', occurredAt, {
    machineId,
    hostname: `${machineId}.example.net`,
    os: 'Debian 12',
    cpuPct: 21.5,
    memPct: 43,
    diskPct: 61.25,
    uptimeS: 86_400,
    agentVersion: '1.0.0',
    ...data,
  });
}

function newEvent(
  tenant: string,
  machineId: string,
  type: string,
  occurredAt: string,
  data: Record<string, unknown>,
): NewEvent {
  return {
    id: randomUUID(),
    type,
    tenant,
    stream: streamName('machine', tenant, machineId),
    occurredAt,
    schemaVersion: 1,
    data,
  };
}

/** A stored event as a projection receives it: a NewEvent plus what the store assigns. */
export function recorded(e: NewEvent, position: number, streamVersion = 0): KnownRecordedEvent {
  return {
    ...e,
    streamVersion,
    position,
    recordedAt: e.occurredAt,
    metadata: e.metadata ?? {},
  } as KnownRecordedEvent;
}

export function statusChangedEvent(
  tenant: string,
  machineId: string,
  occurredAt: string,
  data: Omit<MachineStatusChanged, 'machineId'>,
): NewEvent {
  return newEvent(tenant, machineId, 'machine.status_changed', occurredAt, { machineId, ...data });
}

export const at = (iso: string) => new Date(iso).toISOString();

/** Any machine.* event, data as given (plus the machine id). */
export function machineEvent(
  tenant: string,
  machineId: string,
  type: string,
  occurredAt: string,
  data: Record<string, unknown> = {},
): NewEvent {
  return newEvent(tenant, machineId, type, occurredAt, { machineId, ...data });
}

/** Any event of the catalog: the stream follows from the type's category and the id given. */
export function anyEvent(
  tenant: string,
  category: 'alert' | 'journey' | 'ticket' | 'telemetry' | 'machine',
  id: string,
  type: string,
  occurredAt: string,
  data: Record<string, unknown>,
): NewEvent {
  return {
    id: randomUUID(),
    type,
    tenant,
    stream: streamName(category, tenant, id),
    occurredAt,
    schemaVersion: 1,
    data,
  };
}
