import type { Namespace, Server, Socket } from 'socket.io';
import { z } from 'zod';
import type { LiveClientToServer, LiveServerToClient, ViewDelta } from '@pulse/events';
import type { Logger, Sql } from '@pulse/platform';
import { roomOf } from '../live/view-rows.ts';
import { DeltaCoalescer } from './delta-coalescer.ts';
import { readFleetSnapshot } from './fleet-snapshot.ts';
import { SubscribeRequest } from './view-delta.schema.ts';

export type LiveServer = Server<LiveClientToServer, LiveServerToClient>;
type LiveNamespace = Namespace<LiveClientToServer, LiveServerToClient>;
type LiveSocket = Socket<LiveClientToServer, LiveServerToClient>;
type SubscribeAck = Parameters<Parameters<LiveClientToServer['subscribe']>[1]>[0];

export interface LiveHubOptions {
  sql: Sql;
  log: Logger;
  /** At most one delta emit per room per this many milliseconds. */
  coalesceMs?: number;
}

/**
 * The `/live` namespace: a client subscribes to one tenant's view and gets a snapshot in the ack,
 * then the room's deltas. The socket joins the room BEFORE the snapshot is read, so a delta
 * committed after the snapshot's transaction began is always delivered; the client drops the
 * ones at or below the snapshot's position (invariant 5).
 */
export class LiveHub {
  readonly #nsp: LiveNamespace;
  readonly #coalescer: DeltaCoalescer;
  #available = true;

  constructor(
    io: LiveServer,
    private readonly options: LiveHubOptions,
  ) {
    this.#nsp = io.of('/live');
    this.#coalescer = new DeltaCoalescer({
      intervalMs: options.coalesceMs ?? 100,
      emit: (room, delta) => this.#nsp.to(room).emit('delta', delta),
    });
    this.#nsp.on('connection', (socket) => {
      socket.on('subscribe', (req, ack) => {
        if (typeof ack !== 'function') return;
        void this.#subscribe(socket, req).then(ack);
      });
    });
  }

  /** Fans one committed delta out to the room watching it (coalesced). */
  publish(delta: ViewDelta): void {
    const room = roomOf(delta.tenant, delta.view);
    // Nobody watching: dropping is safe, as whoever joins later reads a snapshot that includes it.
    if (!this.#nsp.adapter.rooms.get(room)?.size) return;
    this.#coalescer.push(room, delta);
  }

  /**
   * While the bus is down this node misses deltas, so its clients would show a board that looks
   * live but is not. It drops them instead (they reconnect, show "stale since", and retry their
   * subscription) and refuses subscriptions until the bus is back.
   */
  setAvailable(available: boolean): void {
    if (this.#available === available) return;
    this.#available = available;
    if (!available) {
      this.#coalescer.close();
      this.#nsp.disconnectSockets(true);
    }
  }

  close(): void {
    this.#coalescer.close();
    this.#nsp.disconnectSockets(true);
  }

  async #subscribe(socket: LiveSocket, req: unknown): Promise<SubscribeAck> {
    const parsed = SubscribeRequest.safeParse(req);
    if (!parsed.success)
      return { ok: false, error: `bad subscribe request: ${z.prettifyError(parsed.error)}` };
    if (!this.#available) return { ok: false, error: 'live updates are unavailable on this node right now' };
    const { view, tenant } = parsed.data;
    const room = roomOf(tenant, view);
    await socket.join(room);
    try {
      const snapshot = await readFleetSnapshot(this.options.sql, tenant);
      this.options.log.debug(
        { socket: socket.id, room, position: snapshot.position, rows: snapshot.rows.length },
        'subscribed',
      );
      return { ok: true, snapshot };
    } catch (err) {
      await socket.leave(room);
      this.options.log.error({ err, room }, 'snapshot failed');
      return { ok: false, error: 'could not read the snapshot' };
    }
  }
}
