import type { Server as HttpServer } from 'node:http';
import { sveltekit } from '@sveltejs/kit/vite';
import { tsImport } from 'tsx/esm/api';
import { defineConfig, type Plugin } from 'vite';

/**
 * In `vite dev`, attaches the same Socket.IO `/live` setup that server.ts mounts in production.
 * It is loaded with tsx, as server.ts is, because Vite's config bundler would hand the workspace
 * packages' TypeScript sources to Node untranslated; `vite build` never loads it.
 */
function pulseLive(): Plugin {
  return {
    name: 'pulse-live',
    apply: 'serve',
    async configureServer(server) {
      if (!server.httpServer) return;
      const { attachLiveDev } = (await tsImport(
        './src/lib/server/live-dev.ts',
        import.meta.url,
      )) as typeof import('./src/lib/server/live-dev.ts');
      const live = await attachLiveDev(server.httpServer as HttpServer);
      server.httpServer.once('close', () => void live.close());
    },
  };
}

export default defineConfig({
  plugins: [sveltekit(), pulseLive()],
});
