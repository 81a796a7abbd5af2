/**
 * The production web node: one HTTP server carrying the SvelteKit app (adapter-node's
 * build/handler.js) and Socket.IO's `/live` namespace. Run from anywhere:
 * `node --import tsx apps/web/server.ts` (after `npm run build -w @pulse/web`).
 */
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { createLogger, loadSettings, runMain } from '@pulse/platform';
import { WebSettings } from './src/lib/server/settings.ts';
import { startLive } from './src/lib/server/live-server.ts';

type Handler = (req: IncomingMessage, res: ServerResponse, next: () => void) => void;

const handlerUrl = new URL('./build/handler.js', import.meta.url);
const handlerPath = fileURLToPath(handlerUrl);

async function main() {
  const settings = loadSettings(WebSettings);
  const log = createLogger('web', settings.LOG_LEVEL);
  if (!existsSync(handlerPath)) {
    throw new Error(
      `${handlerPath} is missing: build the dashboard first with "npm run build -w @pulse/web"`,
    );
  }
  const { handler } = (await import(handlerUrl.href)) as { handler: Handler };

  const server = createServer((req, res) => {
    if (req.url === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      return;
    }
    handler(req, res, () => res.writeHead(404, { 'content-type': 'text/plain' }).end('not found'));
  });
  const live = await startLive(server, settings, log);

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(settings.PORT, settings.HOST, resolve);
  });
  log.info(`web listening on http://127.0.0.1:${settings.PORT}`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'web stopping');
    // Stop accepting first, then end live clients and idle keep-alive sockets so close() returns.
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    await live.close();
    server.closeAllConnections();
    await closed;
    log.info('web stopped');
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}

await runMain(main);
