/** `npm test`: the whole suite (unit, integration against real PostgreSQL and NATS, browser tests in Chromium). */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { repoRoot } from './services.ts';

export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (!existsSync(chromiumPath)) {
  console.error(
    `The browser tests need Chromium at ${chromiumPath}. Install it, then run npm test again:\n` +
      '  Debian/Ubuntu: sudo apt-get install -y chromium\n' +
      'or set CHROMIUM_PATH to a Chromium or Chrome binary.',
  );
  process.exit(1);
}

const child = spawn(process.execPath, ['node_modules/vitest/vitest.mjs', 'run', ...process.argv.slice(2)], {
  cwd: repoRoot,
  stdio: 'inherit',
});
child.on('exit', (code) => process.exit(code ?? 1));
