import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './services.ts';

const webDir = path.join(repoRoot, 'apps/web');
const builtMarker = path.join(webDir, 'build/handler.js');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    // Tests and generated folders do not change what the build produces.
    if (['node_modules', 'build', '.svelte-kit', 'test'].includes(entry.name) || entry.name.endsWith('.spec.ts')) continue;
    const p = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** Builds the SvelteKit app when its sources (or the shared events package) changed since the last build. */
export async function buildWebIfStale(log: (m: string) => void): Promise<void> {
  const sources = Math.max(newestMtime(webDir), newestMtime(path.join(repoRoot, 'packages/events/src')));
  if (existsSync(builtMarker) && statSync(builtMarker).mtimeMs >= sources) return;
  log('web: building the dashboard (vite build)…');
  const started = Date.now();
  const r = spawnSync('npm', ['run', 'build', '-w', '@pulse/web'], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`web build failed:\n${r.stdout}\n${r.stderr}`);
  log(`web: built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
