import { z } from 'zod';
import { Pct, IsoTime } from './common.ts';
import { EntityId } from './ids.ts';

const Hostname = z.string().min(1).max(255);
const Os = z.string().min(1).max(200);

export const MachineRegistered = z.object({
  machineId: EntityId,
  hostname: Hostname,
  os: Os,
  agentVersion: z.string().max(50).optional(),
  ip: z.string().max(64).optional(),
  /** The MSP's customer and site the machine belongs to, for rollups. */
  customer: z.string().min(1).max(200).optional(),
  site: z.string().min(1).max(200).optional(),
  tags: z.array(z.string().min(1).max(100)).max(50).optional(),
});

export const MachineHeartbeat = z.object({
  machineId: EntityId,
  hostname: Hostname,
  os: Os,
  cpuPct: Pct,
  memPct: Pct,
  diskPct: Pct,
  uptimeS: z.number().int().min(0),
  agentVersion: z.string().max(50),
  /** One-minute load average (absent on Windows). */
  load1: z.number().min(0).optional(),
  ip: z.string().max(64).optional(),
  loggedInUser: z.string().max(200).optional(),
});

/** What schemaVersion 1 agents sent: `load` was renamed `load1` in version 2. */
export const MachineHeartbeatV1 = MachineHeartbeat.omit({ load1: true }).extend({ load: z.number().min(0).optional() });

/** A signal about a machine from something other than its agent: an RMM, MDM or SIEM check-in. */
export const MachineCheckedIn = z.object({
  machineId: EntityId,
  signal: z.enum(['agent', 'rmm', 'mdm', 'siem']),
  via: z.string().min(1).max(100),
  hostname: Hostname.optional(),
  os: Os.optional(),
  /** When the source itself last heard from the machine, when it says. */
  lastSeenAt: IsoTime.optional(),
});

export const Software = z.object({
  name: z.string().min(1).max(300),
  version: z.string().max(100).optional(),
  publisher: z.string().max(300).optional(),
  installedAt: IsoTime.optional(),
});

export const MachineInventoryReported = z.object({
  machineId: EntityId,
  hostname: Hostname.optional(),
  hardware: z
    .object({
      vendor: z.string().max(200).optional(),
      model: z.string().max(200).optional(),
      serial: z.string().max(200).optional(),
      cpuModel: z.string().max(200).optional(),
      cpuCores: z.number().int().min(1).max(4096).optional(),
      memBytes: z.number().int().min(0).optional(),
      diskBytes: z.number().int().min(0).optional(),
    })
    .optional(),
  os: z
    .object({ name: z.string().max(200), version: z.string().max(100).optional(), build: z.string().max(100).optional(), kernel: z.string().max(200).optional() })
    .optional(),
  software: z.array(Software).max(20_000).optional(),
});

export const MachineTokenRotated = z.object({
  machineId: EntityId,
  /** Identifies the token without revealing it (the store never holds a token, only its hash). */
  tokenId: z.string().min(1).max(100),
  expiresAt: IsoTime,
});

export const MachineDecommissioned = z.object({
  machineId: EntityId,
  reason: z.string().max(1000).optional(),
  by: z.string().max(200).optional(),
});

export const MachineStatus = z.enum(['online', 'overdue', 'offline']);

/** Appended by the heartbeat-absence process manager: time-driven facts are events (invariant 7). */
export const MachineStatusChanged = z.object({
  machineId: EntityId,
  from: MachineStatus,
  to: MachineStatus,
  lastSeenAt: IsoTime,
});

export type MachineRegistered = z.infer<typeof MachineRegistered>;
export type MachineHeartbeat = z.infer<typeof MachineHeartbeat>;
export type MachineCheckedIn = z.infer<typeof MachineCheckedIn>;
export type MachineInventoryReported = z.infer<typeof MachineInventoryReported>;
export type MachineTokenRotated = z.infer<typeof MachineTokenRotated>;
export type MachineDecommissioned = z.infer<typeof MachineDecommissioned>;
export type MachineStatus = z.infer<typeof MachineStatus>;
export type MachineStatusChanged = z.infer<typeof MachineStatusChanged>;
