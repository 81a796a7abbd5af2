import type { Server as HttpServer } from 'node:http';
import { CommonSettings, createLogger, loadSettings } from '@pulse/platform';
import { startLive, type Live } from './live-server.ts';

/** `vite dev`'s half of server.ts: the same `/live` setup on Vite's own HTTP server. */
export async function attachLiveDev(httpServer: HttpServer): Promise<Live> {
  const settings = loadSettings(CommonSettings);
  const log = createLogger('web-dev', settings.LOG_LEVEL);
  // Vite's HMR websocket shares this server, so Socket.IO must leave upgrades it does not own alone.
  const live = await startLive(httpServer, settings, log, { destroyUpgrade: false });
  log.info('live updates attached to the Vite dev server');
  return live;
}
