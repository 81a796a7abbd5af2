import { z } from 'zod';
import { EntityId, MachineHeartbeat, MachineRegistered } from '@pulse/events';

/** `POST /v1/machines/register`: who the machine is; the tenant comes from the provisioning secret. */
export const RegisterMachineRequest = MachineRegistered.extend({
  /** Chosen by the agent, or derived from the fingerprint when absent. */
  machineId: EntityId.optional(),
  /** Stable identity of the hardware/OS install (e.g. a hash of the machine-id file and MACs). */
  fingerprint: z.string().min(8).max(512),
});
export type RegisterMachineRequest = z.infer<typeof RegisterMachineRequest>;

export interface RegisterMachineResponse {
  machineId: string;
  /** Shown once; Pulse keeps only its hash. */
  token: string;
  tokenId: string;
  expiresAt: string;
  /** false when a known machine registered again: its token was rotated. */
  registered: boolean;
}

/** `POST /v1/machines/heartbeat`: the heartbeat's data; the machine comes from the token. */
export const MachineHeartbeatRequest = MachineHeartbeat.extend({
  machineId: EntityId.optional(),
  id: z.uuid().optional(),
  occurredAt: z.iso.datetime({ offset: true }).optional(),
});
export type MachineHeartbeatRequest = z.infer<typeof MachineHeartbeatRequest>;

export interface MachineHeartbeatResponse {
  id: string;
  machineId: string;
  tokenExpiresAt: string;
}
