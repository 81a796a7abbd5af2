import type { CommandName, CommandReply, ViewDelta, ViewName, ViewSnapshot } from '@pulse/events';

/**
 * The `/live` Socket.IO contract as this web app speaks it: the shared one (packages/events) plus
 * resume-from-position and commands. Both ends import these types, so a change breaks the build.
 */
export interface SubscribeRequest {
  view: ViewName;
  tenant: string;
  /** For a view split by subject (telemetry: a machine or source id), the one subject. */
  key?: string;
  /** The position the client's rows reflect, when it has rows: the server may send only what it missed. */
  since?: number;
}

export type SubscribeReply =
  | { ok: true; mode: 'snapshot'; snapshot: ViewSnapshot & { key?: string } }
  /** Everything the client missed since `since`, oldest first; then deltas as usual. */
  | { ok: true; mode: 'resume'; since: number; deltas: ViewDelta[] }
  | { ok: false; error: string };

/** A delta as a room receives it: for a view split by subject, only that subject's rows, named by `key`. */
export type KeyedDelta = ViewDelta & { key?: string };

export interface CommandRequest {
  tenant: string;
  name: CommandName;
  payload: unknown;
}

export interface LiveServerToClient {
  delta: (delta: KeyedDelta) => void;
}

export interface LiveClientToServer {
  subscribe: (req: SubscribeRequest, ack: (res: SubscribeReply) => void) => void;
  unsubscribe: (req: Omit<SubscribeRequest, 'since'>) => void;
  command: (req: CommandRequest, ack: (res: CommandReply) => void) => void;
}
