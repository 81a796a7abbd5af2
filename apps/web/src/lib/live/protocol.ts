import type { RowPatches } from './row-patches.ts';
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
  /**
   * `snapshot` is the ViewSnapshot (with `key` for a view split by subject) as UTF-8 JSON bytes,
   * encoded once for every subscriber that shares the read: Socket.IO sends a binary attachment
   * as it is to each socket, where an object would be serialized again for each (a thousand
   * screens subscribing at once would each cost the server a full encode and its own copy).
   */
  | { ok: true; mode: 'snapshot'; snapshot: ArrayBuffer | Uint8Array }
  /** Everything the client missed since `since`, oldest first; then deltas as usual. */
  | { ok: true; mode: 'resume'; since: number; deltas: KeyedDelta[] }
  | { ok: false; error: string };

/**
 * A delta as a room receives it: for a view split by subject, only that subject's rows, named by
 * `key`; for a patchable view (fleet), rows the client already has as patches of their changed
 * fields, and only new rows whole in `rows`.
 */
export type KeyedDelta<V extends ViewName = ViewName> = ViewDelta<V> & {
  key?: string;
  patches?: RowPatches[];
};

/** The snapshot of a snapshot-mode SubscribeReply. */
export function decodeSnapshot(bytes: ArrayBuffer | Uint8Array): ViewSnapshot & { key?: string } {
  return JSON.parse(new TextDecoder().decode(bytes)) as ViewSnapshot & { key?: string };
}

export function encodeSnapshot(snapshot: ViewSnapshot & { key?: string }): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(snapshot));
}

export interface CommandRequest {
  tenant: string;
  name: CommandName;
  payload: unknown;
}

export interface LiveServerToClient {
  delta: (delta: KeyedDelta) => void;
  /** This client fell too far behind and no longer gets the view's deltas: subscribe again. */
  resync: (target: Omit<SubscribeRequest, 'since'>) => void;
}

export interface LiveClientToServer {
  subscribe: (req: SubscribeRequest, ack: (res: SubscribeReply) => void) => void;
  unsubscribe: (req: Omit<SubscribeRequest, 'since'>) => void;
  command: (req: CommandRequest, ack: (res: CommandReply) => void) => void;
}
