import { randomUUID } from 'node:crypto';

/** A valid heartbeat as a client sends it (DESIGN.md, "What a client sends"). */
export function heartbeat(
  overrides: { id?: string; machineId?: string; data?: Record<string, unknown> } = {},
) {
  const machineId = overrides.machineId ?? 'web-01';
  return {
    id: overrides.id ?? randomUUID(),
    type: 'machine.heartbeat',
    occurredAt: '2026-11-25T12:00:00.000Z',
    source: `agent:${machineId}`,
    data: {
      machineId,
      hostname: machineId,
      os: 'Debian 12',
      cpuPct: 21.5,
      memPct: 43.0,
      diskPct: 61.2,
      uptimeS: 86400,
      agentVersion: '1.0.0',
      ...overrides.data,
    },
  };
}
