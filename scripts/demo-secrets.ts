import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { generateIngestKey } from '@pulse/platform';
import { repoRoot } from './services.ts';

const secretsFile = path.join(repoRoot, '.data', 'demo-secrets.json');

export interface DemoSecrets {
  ingestKey: string;
}

/**
 * The demo tenant's secrets: taken from PULSE_DEMO_KEY when set (so scripts and load tests can
 * drive a fresh stack), otherwise generated once and kept in .data/ so a restart keeps them.
 */
export function demoSecrets(): DemoSecrets & { generated: boolean } {
  const saved: Partial<DemoSecrets> = existsSync(secretsFile) ? JSON.parse(readFileSync(secretsFile, 'utf8')) : {};
  const fromEnv = process.env.PULSE_DEMO_KEY;
  const ingestKey = fromEnv ?? saved.ingestKey ?? generateIngestKey('demo');
  if (!fromEnv && !saved.ingestKey) {
    mkdirSync(path.dirname(secretsFile), { recursive: true });
    writeFileSync(secretsFile, JSON.stringify({ ingestKey }, null, 2), { mode: 0o600 });
  }
  return { ingestKey, generated: !fromEnv };
}
