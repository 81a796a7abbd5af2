#!/usr/bin/env node
// The README's two commands start here: install dependencies when they are missing or older than
// the lockfile, then run scripts/<command>.ts under tsx. Plain JavaScript because nothing else
// is installed yet on a fresh clone.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const [command, ...args] = process.argv.slice(2);

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  console.error(`Pulse needs Node.js 20.19 or newer (this is ${process.versions.node}).`);
  process.exit(1);
}

const installed = path.join(root, 'node_modules/.package-lock.json');
const lock = path.join(root, 'package-lock.json');
const stale = !existsSync(installed) || (existsSync(lock) && statSync(lock).mtimeMs > statSync(installed).mtimeMs);
if (stale) {
  console.log('Installing dependencies (npm install)…');
  const r = spawnSync('npm', ['install', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

// SvelteKit generates apps/web/.svelte-kit (its tsconfig and types) on sync; a fresh clone has none.
if (!existsSync(path.join(root, 'apps/web/.svelte-kit/tsconfig.json'))) {
  spawnSync(path.join(root, 'node_modules/.bin/svelte-kit'), ['sync'], { cwd: path.join(root, 'apps/web'), stdio: 'inherit' });
}

const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'scripts', `${command}.ts`), ...args], {
  cwd: root,
  stdio: 'inherit',
});
// Ctrl-C reaches the whole process group; this process only waits for the child to finish.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
