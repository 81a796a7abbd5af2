import type { Namespace, Server, Socket } from 'socket.io';
import { z } from 'zod';
import type { CommandReply, ViewDelta, ViewName, ViewSnapshot } from '@pulse/events';
import type { Logger, Sql } from '@pulse/platform';
import {
  encodeSnapshot,
  type KeyedDelta,
  type LiveClientToServer,
  type LiveServerToClient,
  type SubscribeReply,
} from '../live/protocol.ts';
import { roomOf } from '../live/view-rows.ts';
import { DeltaCoalescer } from './delta-coalescer.ts';
import { ResumeBuffer, type ResumeBufferOptions } from './resume-buffer.ts';
import { SubscribeRequest, viewReaders } from './views.ts';

export type LiveServer = Server<LiveClientToServer, LiveServerToClient>;
type LiveNamespace = Namespace<LiveClientToServer, LiveServerToClient>;
export type LiveSocket = Socket<LiveClientToServer, LiveServerToClient>;

/** A snapshot as read, and as its subscribers receive it. */
interface SharedSnapshot {
  snapshot: ViewSnapshot & { key?: string };
  bytes: Uint8Array;
}

export interface LiveHubOptions {
  sql: Sql;
  log: Logger;
  /** At most one delta emit per room per this many milliseconds. */
  coalesceMs?: number;
  resume?: ResumeBufferOptions;
  /**
   * A socket with more than this many bytes written but not yet sent to its client leaves the
   * room and is told to resync (resume from its position, or a fresh snapshot) instead of the
   * server queuing every delta for it without bound.
   */
  maxBacklogBytes?: number;
  /** Runs a browser's command on the write side (NATS request/reply). */
  command?: (req: unknown) => Promise<CommandReply>;
}

/**
 * The `/live` namespace: a client subscribes to one tenant's view and gets, in the ack, either
 * the deltas it missed since the position it names (from a bounded per-room buffer) or a
 * snapshot; then the room's deltas. The socket joins the room BEFORE the buffer or the snapshot is
 * read, so nothing committed afterwards is missed; the client drops what it already has by
 * position (invariant 5).
 */
export class LiveHub {
  readonly #nsp: LiveNamespace;
  readonly #coalescer: DeltaCoalescer;
  readonly #buffer: ResumeBuffer;
  #available = true;
  #lastStamp = 0;
  /** Snapshot reads not started yet, by room: every subscriber that joins before one starts shares it. */
  readonly #queuedReads = new Map<string, Promise<SharedSnapshot>>();
  /** The last read started or queued, by room: the next one starts after it. */
  readonly #latestReads = new Map<string, Promise<SharedSnapshot>>();

  /** Strictly increasing milliseconds: the positions of measured views on this node. */
  #clock(): number {
    this.#lastStamp = Math.max(this.#lastStamp + 1, Date.now());
    return this.#lastStamp;
  }

  constructor(
    io: LiveServer,
    private readonly options: LiveHubOptions,
  ) {
    this.#nsp = io.of('/live');
    this.#buffer = new ResumeBuffer(options.resume);
    this.#coalescer = new DeltaCoalescer({
      intervalMs: options.coalesceMs ?? 100,
      patchable: (view) => viewReaders[view]?.patch === true,
      emit: (room, delta) => {
        if (!viewReaders[delta.view]?.measured) this.#buffer.record(room, delta);
        this.#shedSlow(room, delta);
        this.#nsp.to(room).emit('delta', delta);
      },
    });
    this.#nsp.on('connection', (socket) => {
      socket.on('subscribe', (req, ack) => {
        if (typeof ack !== 'function') return;
        void this.#subscribe(socket, req).then(ack);
      });
      socket.on('command', (req, ack) => {
        if (typeof ack !== 'function') return;
        if (!this.options.command)
          return ack({ ok: false, error: { code: 'unavailable', message: 'commands are off on this node' } });
        void this.options.command(req).then(ack);
      });
      socket.on('unsubscribe', (req) => {
        const parsed = SubscribeRequest.safeParse(req);
        if (parsed.success) void socket.leave(roomOf(parsed.data.tenant, parsed.data.view, parsed.data.key));
      });
    });
  }

  /**
   * Sockets of the room too far behind leave it before the next delta, and are asked to
   * resubscribe once they have read what is queued (invariant 5 holds: the resubscription resumes
   * from their position or takes a snapshot). Only WebSocket connections are measured; the
   * browser uses nothing else.
   */
  #shedSlow(room: string, delta: KeyedDelta): void {
    const ids = this.#nsp.adapter.rooms.get(room);
    if (!ids) return;
    const max = this.options.maxBacklogBytes ?? 8 * 1024 * 1024;
    for (const id of ids) {
      const socket = this.#nsp.sockets.get(id);
      if (!socket || socket.conn.transport.name !== 'websocket') continue;
      if (socket.conn.request.socket.writableLength <= max) continue;
      void socket.leave(room);
      socket.emit('resync', { view: delta.view, tenant: delta.tenant, key: delta.key });
      this.options.log.info({ socket: socket.id, room }, 'a slow client left the room to resync');
    }
  }

  get namespace(): LiveNamespace {
    return this.#nsp;
  }

  /**
   * From now on this node hears every delta above `floor` (the highest projection checkpoint read
   * after its bus subscription was in place), so clients at or above it may resume.
   */
  listening(floor: number): void {
    this.#buffer.reset(floor);
    this.#coalescer.forget();
  }

  /** Fans one committed delta out to the room watching it (coalesced) and keeps it for resumes. */
  publish(delta: ViewDelta): void {
    if (viewReaders[delta.view]?.measured) delta = { ...delta, position: this.#clock() };
    const splitBy = viewReaders[delta.view]?.splitBy as ((row: unknown) => string) | undefined;
    // Even with nobody watching: a client that blinked away comes back asking for what it missed.
    if (!splitBy) return this.#coalescer.push(roomOf(delta.tenant, delta.view), delta);
    const bySubject = new Map<string, ViewDelta['rows']>();
    for (const row of delta.rows) {
      const key = splitBy(row);
      const rows = bySubject.get(key);
      if (rows) rows.push(row);
      else bySubject.set(key, [row]);
    }
    for (const [key, rows] of bySubject) {
      const room = roomOf(delta.tenant, delta.view, key);
      // A subject nobody watches is not buffered: there are as many as machines.
      if (!this.#nsp.adapter.rooms.get(room)?.size) continue;
      this.#coalescer.push(room, { ...delta, rows, key } as KeyedDelta);
    }
  }

  /**
   * While the bus is down this node misses deltas, so its clients would show a board that looks
   * live but is not. It drops them instead (they reconnect, show "stale since", and retry their
   * subscription), refuses subscriptions until the bus is back, and forgets what it buffered.
   */
  setAvailable(available: boolean): void {
    if (this.#available === available) return;
    this.#available = available;
    if (!available) {
      this.#buffer.invalidate();
      this.#coalescer.close();
      this.#nsp.disconnectSockets(true);
    }
  }

  close(): void {
    this.#coalescer.close();
    this.#nsp.disconnectSockets(true);
  }

  /**
   * One snapshot read, and one encode, for every subscriber of a room that joined before the read
   * began (a thousand screens reconnecting after a restart would otherwise read the view a
   * thousand times). A subscriber arriving once the read has begun waits for the next one: the
   * read must start after its join, or a delta committed in between could reach neither. That
   * next read starts when the one in flight is done, so a room has at most one read in flight and
   * one gathering subscribers, however fast they come.
   */
  #readShared(
    room: string,
    view: ViewName,
    tenant: string,
    key: string | undefined,
  ): Promise<SharedSnapshot> {
    let read = this.#queuedReads.get(room);
    if (read) return read;
    const inFlight = this.#latestReads.get(room);
    const turn = inFlight
      ? inFlight.then(
          () => {},
          () => {},
        )
      : new Promise<void>((resolve) => setImmediate(resolve));
    read = turn.then(async () => {
      this.#queuedReads.delete(room);
      const snapshot = (await viewReaders[view]!.readSnapshot(this.options.sql, tenant, key)) as ViewSnapshot;
      const keyed = key === undefined ? snapshot : { ...snapshot, key };
      return { snapshot: keyed, bytes: encodeSnapshot(keyed) };
    });
    this.#queuedReads.set(room, read);
    this.#latestReads.set(room, read);
    const forget = () => {
      if (this.#latestReads.get(room) === read) this.#latestReads.delete(room);
    };
    read.then(forget, forget);
    return read;
  }

  async #subscribe(socket: LiveSocket, req: unknown): Promise<SubscribeReply> {
    const parsed = SubscribeRequest.safeParse(req);
    if (!parsed.success)
      return { ok: false, error: `bad subscribe request: ${z.prettifyError(parsed.error)}` };
    if (!this.#available) return { ok: false, error: 'live updates are unavailable on this node right now' };
    const { view, tenant, key, since } = parsed.data;
    if (key !== undefined && !viewReaders[view]!.splitBy)
      return { ok: false, error: `view ${view} has no subjects` };
    if (key === undefined && viewReaders[view]!.splitBy)
      return { ok: false, error: `view ${view} needs a subject` };
    const room = roomOf(tenant, view, key);
    await socket.join(room);
    // A room per subject is only buffered while watched, so it cannot prove it missed nothing;
    // a measured view has no positions to resume from.
    const reader = viewReaders[view]!;
    if (since !== undefined && !reader.splitBy && !reader.measured) {
      const missed = this.#buffer.since(room, since);
      if (missed) {
        this.options.log.debug({ socket: socket.id, room, since, deltas: missed.length }, 'resumed');
        return { ok: true, mode: 'resume', since, deltas: missed };
      }
    }
    try {
      const read = await this.#readShared(room, view, tenant, key);
      let { snapshot, bytes } = read;
      // Stamped per subscriber: a small view, encoded again for each.
      if (reader.measured) bytes = encodeSnapshot((snapshot = { ...snapshot, position: this.#clock() }));
      else this.#buffer.observe(snapshot.position);
      this.options.log.debug(
        { socket: socket.id, room, position: snapshot.position, rows: snapshot.rows.length },
        'subscribed',
      );
      return { ok: true, mode: 'snapshot', snapshot: bytes };
    } catch (err) {
      await socket.leave(room);
      this.options.log.error({ err, room }, 'snapshot failed');
      return { ok: false, error: 'could not read the snapshot' };
    }
  }
}
