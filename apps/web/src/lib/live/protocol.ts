import type { CommandName, CommandReply, ViewDelta, ViewName, ViewSnapshot } from '@pulse/events';

/**
 * The `/live` Socket.IO contract as this web app speaks it: the shared one (packages/events) plus
 * resume-from-position and commands. Both ends import these types, so a change breaks the build.
 */
export interface SubscribeRequest {
  view: ViewName;
  tenant: string;
  /** The position the client's rows reflect, when it has rows: the server may send only what it missed. */
  since?: number;
}

export type SubscribeReply =
  | { ok: true; mode: 'snapshot'; snapshot: ViewSnapshot }
  /** Everything the client missed since `since`, oldest first; then deltas as usual. */
  | { ok: true; mode: 'resume'; since: number; deltas: ViewDelta[] }
  | { ok: false; error: string };

export interface CommandRequest {
  tenant: string;
  name: CommandName;
  payload: unknown;
}

export interface LiveServerToClient {
  delta: (delta: ViewDelta) => void;
}

export interface LiveClientToServer {
  subscribe: (req: SubscribeRequest, ack: (res: SubscribeReply) => void) => void;
  command: (req: CommandRequest, ack: (res: CommandReply) => void) => void;
}
