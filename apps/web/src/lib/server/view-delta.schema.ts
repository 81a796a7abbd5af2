import { z } from 'zod';
import { MachineStatus, TenantId, type MachineView, type ViewDelta } from '@pulse/events';

const Pct = z.number().nullable();

const MachineViewRow = z.object({
  machineId: z.string().min(1),
  hostname: z.string(),
  os: z.string(),
  agentVersion: z.string().nullable(),
  status: MachineStatus,
  lastSeenAt: z.string(),
  registeredAt: z.string().nullable(),
  cpuPct: Pct,
  memPct: Pct,
  diskPct: Pct,
  uptimeS: z.number().nullable(),
}) satisfies z.ZodType<MachineView>;

/**
 * What a web node accepts from `ops.view.<tenant>.<view>` before it fans a delta out to browsers:
 * a malformed message is logged and dropped, never broadcast (invariant 9).
 */
export const FleetDelta = z.object({
  view: z.literal('fleet'),
  tenant: TenantId,
  position: z.number().int().nonnegative(),
  rows: z.array(MachineViewRow),
}) satisfies z.ZodType<ViewDelta<'fleet'>>;
