import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { generateIngestKey } from '@pulse/platform';
import { repoRoot } from './services.ts';

const secretsFile = path.join(repoRoot, '.data', 'demo-secrets.json');

export interface DemoSecrets {
  ingestKey: string;
  /** X-Pulse-Webhook-Secret of the tacticalrmm, wazuh and fleet webhooks. */
  webhookSecret: string;
  /** A Standard Webhooks `whsec_…` secret for the onboarding and generic webhooks. */
  signingSecret: string;
  /** The Bearer secret of POST /v1/machines/register. */
  provisioningSecret: string;
}

const settings: { [K in keyof DemoSecrets]: { env: string; generate: () => string } } = {
  ingestKey: { env: 'PULSE_DEMO_KEY', generate: () => generateIngestKey('demo') },
  webhookSecret: { env: 'PULSE_DEMO_WEBHOOK_SECRET', generate: () => `whs_demo_${randomBytes(24).toString('base64url')}` },
  signingSecret: { env: 'PULSE_DEMO_SIGNING_SECRET', generate: () => `whsec_${randomBytes(32).toString('base64')}` },
  provisioningSecret: { env: 'PULSE_DEMO_PROVISIONING_SECRET', generate: () => `ps_demo_${randomBytes(24).toString('base64url')}` },
};

/**
 * The demo tenant's secrets: each taken from its environment variable when set (so scripts and
 * load tests can drive a fresh stack), otherwise generated once and kept in .data/ so a restart
 * keeps them. `generated` lists the ones that did not come from the environment.
 */
export function demoSecrets(): DemoSecrets & { generated: boolean; generatedNames: (keyof DemoSecrets)[] } {
  const saved: Partial<DemoSecrets> = existsSync(secretsFile) ? JSON.parse(readFileSync(secretsFile, 'utf8')) : {};
  const out = {} as DemoSecrets;
  const generatedNames: (keyof DemoSecrets)[] = [];
  let changed = false;
  for (const name of Object.keys(settings) as (keyof DemoSecrets)[]) {
    const fromEnv = process.env[settings[name].env];
    if (fromEnv) {
      out[name] = fromEnv;
      continue;
    }
    generatedNames.push(name);
    if (!saved[name]) {
      saved[name] = settings[name].generate();
      changed = true;
    }
    out[name] = saved[name]!;
  }
  if (changed) {
    mkdirSync(path.dirname(secretsFile), { recursive: true });
    writeFileSync(secretsFile, JSON.stringify(saved, null, 2), { mode: 0o600 });
  }
  return { ...out, generated: generatedNames.includes('ingestKey'), generatedNames };
}
