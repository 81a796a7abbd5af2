import type { Server as HttpServer } from 'node:http';
import { Server, type ServerOptions } from 'socket.io';
import { busNames } from '@pulse/events';
import { connectNats, createSql, type CommonSettings, type Logger, type Sql } from '@pulse/platform';
import type { z } from 'zod';
import { LiveHub, type LiveServer } from './live-hub.ts';
import { natsCommands } from './commands.ts';
import { subscribeViewDeltas } from './view-deltas.ts';

export interface Live {
  close: () => Promise<void>;
}

/**
 * The highest position any projection has committed. Read after the delta subscription is in
 * place: a batch above it commits (and is published) later, so this node hears it.
 */
async function readFloor(sql: Sql): Promise<number> {
  const [row] = await sql<
    { position: number | null }[]
  >`SELECT max(position) AS position FROM projection_checkpoints`;
  return row?.position ?? 0;
}

/**
 * Attaches Socket.IO (`/live`) to an HTTP server and feeds it from NATS. The production server
 * (server.ts) and the Vite dev server both call this, so dev and prod speak the same protocol.
 */
export async function startLive(
  httpServer: HttpServer,
  settings: z.infer<typeof CommonSettings> & { LIVE_MAX_BACKLOG_BYTES?: number },
  log: Logger,
  ioOptions: Partial<ServerOptions> = {},
): Promise<Live> {
  const sql = createSql(settings.DATABASE_URL, { max: 5, name: 'pulse-web' });
  const nc = await connectNats(settings.NATS_URL, 'pulse-web');
  const names = busNames(settings.NATS_PREFIX);
  const io: LiveServer = new Server(httpServer, { serveClient: false, ...ioOptions });
  const hub = new LiveHub(io, {
    sql,
    log,
    command: natsCommands(nc, names, log),
    maxBacklogBytes: settings.LIVE_MAX_BACKLOG_BYTES,
  });
  const subscription = subscribeViewDeltas(nc, names, log, (delta) => hub.publish(delta));

  // The server has registered the subscription once a flush round-trips; only then is the floor true.
  const listen = async () => {
    await nc.flush();
    hub.listening(await readFloor(sql));
  };
  await listen();

  void (async () => {
    for await (const status of nc.status()) {
      if (status.type === 'disconnect') {
        log.warn('NATS disconnected: dropping live clients until it is back');
        hub.setAvailable(false);
      } else if (status.type === 'reconnect') {
        log.info('NATS reconnected: live clients may subscribe again');
        await listen().catch((err: unknown) => log.error({ err }, 'could not read the resume floor'));
        hub.setAvailable(true);
      }
    }
  })();

  return {
    close: async () => {
      subscription.unsubscribe();
      hub.close();
      // io.close() would also close the HTTP server, which belongs to the caller.
      io.engine.close();
      await nc.drain().catch(() => {});
      await sql.end({ timeout: 2 });
    },
  };
}
