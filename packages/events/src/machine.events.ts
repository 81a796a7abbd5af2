import { z } from 'zod';
import { EntityId } from './ids.ts';

const Pct = z.number().min(0).max(100);

export const MachineRegistered = z.object({
  machineId: EntityId,
  hostname: z.string().min(1).max(255),
  os: z.string().min(1).max(200),
  agentVersion: z.string().max(50).optional(),
  ip: z.string().max(64).optional(),
});

export const MachineHeartbeat = z.object({
  machineId: EntityId,
  hostname: z.string().min(1).max(255),
  os: z.string().min(1).max(200),
  cpuPct: Pct,
  memPct: Pct,
  diskPct: Pct,
  uptimeS: z.number().int().min(0),
  agentVersion: z.string().max(50),
  load1: z.number().min(0).optional(),
  ip: z.string().max(64).optional(),
  loggedInUser: z.string().max(200).optional(),
});

export const MachineStatus = z.enum(['online', 'overdue', 'offline']);

/** Appended by the heartbeat-absence process manager: time-driven facts are events (invariant 7). */
export const MachineStatusChanged = z.object({
  machineId: EntityId,
  from: MachineStatus,
  to: MachineStatus,
  lastSeenAt: z.iso.datetime(),
});

export type MachineRegistered = z.infer<typeof MachineRegistered>;
export type MachineHeartbeat = z.infer<typeof MachineHeartbeat>;
export type MachineStatus = z.infer<typeof MachineStatus>;
export type MachineStatusChanged = z.infer<typeof MachineStatusChanged>;
