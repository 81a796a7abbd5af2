import type { MachineStatus } from './machine.events.ts';

/** One row of the fleet view, as the read model serves it and the browser shows it. */
export interface MachineView {
  machineId: string;
  hostname: string;
  os: string;
  agentVersion: string | null;
  status: MachineStatus;
  lastSeenAt: string;
  registeredAt: string | null;
  cpuPct: number | null;
  memPct: number | null;
  diskPct: number | null;
  uptimeS: number | null;
}

export type ViewName = 'fleet';

export interface ViewRows {
  fleet: MachineView;
}

/** The rows that changed in one committed projector batch, and the global position they reflect. */
export interface ViewDelta<V extends ViewName = ViewName> {
  view: V;
  tenant: string;
  position: number;
  rows: ViewRows[V][];
}

/** The whole view as of `position`; deltas at or below it are already included. */
export interface ViewSnapshot<V extends ViewName = ViewName> {
  view: V;
  tenant: string;
  position: number;
  rows: ViewRows[V][];
}

/** The typed Socket.IO contract of the `/live` namespace. */
export interface LiveServerToClient {
  delta: (delta: ViewDelta) => void;
}

export interface LiveClientToServer {
  subscribe: (
    req: { view: ViewName; tenant: string },
    ack: (res: { ok: true; snapshot: ViewSnapshot } | { ok: false; error: string }) => void,
  ) => void;
}
