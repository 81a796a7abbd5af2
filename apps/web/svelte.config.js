import adapter from '@sveltejs/adapter-node';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** @type {import('@sveltejs/kit').Config} */
const config = {
  preprocess: vitePreprocess(),
  kit: {
    // server.ts mounts build/handler.js next to Socket.IO on one HTTP server.
    adapter: adapter({ out: 'build' }),
    typescript: {
      // svelte-check also covers the production entry point.
      config: (tsconfig) => {
        tsconfig.include.push('../server.ts');
      },
    },
  },
};

export default config;
