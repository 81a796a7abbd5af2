/**
 * `npm start`: finds or starts PostgreSQL and NATS, migrates, seeds the demo tenant, builds the
 * dashboard when stale, then runs ingest, projector, web (and the demo fleet) as child processes
 * with prefixed, coloured logs. Ctrl-C stops every child and whatever services it started.
 */
import { createHash } from 'node:crypto';
import { parseArgs } from 'node:util';
import { concurrently } from 'concurrently';
import { createSql, migrate, upsertTenant, addIngestKey } from '@pulse/platform';
import { ensureServices, ensureDatabase, portOpen, withDatabase, ServiceError, type Services } from './services.ts';
import { buildWebIfStale } from './build.ts';
import { demoSecrets } from './demo-secrets.ts';

const started = Date.now();
const { values: flags } = parseArgs({
  options: { 'no-demo': { type: 'boolean', default: false }, machines: { type: 'string', default: '200' } },
});
const log = (m: string) => console.log(`\x1b[2m[start]\x1b[0m ${m}`);

async function main() {
  const webPort = process.env.PORT ?? '3000';
  const ingestPort = process.env.INGEST_PORT ?? '8080';
  for (const [setting, port] of [['PORT', webPort], ['INGEST_PORT', ingestPort]] as const) {
    if (await portOpen(Number(port))) {
      throw new ServiceError(`Port ${port} is already in use (another Pulse?). Stop that process or set ${setting} to a free port.`);
    }
  }
  const services = await ensureServices(log);
  try {
    await runPulse(services, webPort, ingestPort);
  } finally {
    // Stops only what ensureServices started itself (embedded PostgreSQL, nats-server).
    await services.stop();
  }
}

async function runPulse(services: Services, webPort: string, ingestPort: string) {
  const databaseUrl = process.env.DATABASE_URL ?? withDatabase(services.postgresServerUrl, 'pulse');
  await ensureDatabase(services.postgresServerUrl, new URL(databaseUrl).pathname.slice(1));
  const applied = await migrate(databaseUrl);
  log(applied.length ? `migrations applied: ${applied.join(', ')}` : 'database schema is up to date');

  const secrets = demoSecrets();
  const sql = createSql(databaseUrl, { max: 1 });
  await upsertTenant(sql, { id: 'demo', name: 'Demo MSP' });
  await addIngestKey(sql, 'demo', secrets.ingestKey, 'demo');
  await seedIngestCredentials(sql, secrets);
  await sql.end();

  await buildWebIfStale(log);

  const env = {
    DATABASE_URL: databaseUrl,
    NATS_URL: services.natsUrl,
    NATS_PREFIX: process.env.NATS_PREFIX ?? '',
    PORT: webPort,
    INGEST_PORT: ingestPort,
    LOG_PRETTY: process.env.LOG_PRETTY ?? '1',
    FORCE_COLOR: '1',
  };
  const node = `"${process.execPath}" --import tsx`;
  const commands = [
    { name: 'ingest', command: `${node} apps/ingest/src/main.ts`, prefixColor: 'cyan', env },
    { name: 'projector', command: `${node} apps/projector/src/main.ts`, prefixColor: 'magenta', env },
    { name: 'web', command: `${node} apps/web/server.ts`, prefixColor: 'green', env },
  ];
  if (!flags['no-demo']) {
    // A fixed seed: the same machines on every start, so a restart brings the demo fleet back
    // instead of leaving the last run's machines offline beside a new one.
    commands.push({
      name: 'fleet',
      command: `${node} apps/agent/src/simulator.ts --url http://127.0.0.1:${ingestPort} --key ${secrets.ingestKey} --machines ${Number(flags.machines)} --interval 10 --seed 1`,
      prefixColor: 'yellow',
      env,
    });
  }

  const run = concurrently(commands, { prefix: 'name', padPrefix: true, killOthersOn: ['failure'], killSignal: 'SIGTERM' });
  void announceWhenReady(`http://127.0.0.1:${webPort}`, `http://127.0.0.1:${ingestPort}`, secrets.ingestKey, secrets.generated, secrets);

  try {
    await run.result;
  } catch {
    // concurrently rejects when a child failed or was stopped by Ctrl-C; its own log says which.
  }
}

/**
 * The demo tenant's webhook and provisioning secrets (tables of the ingest credentials migration).
 * Plain SQL here: the seeding script shares no code with apps/ingest.
 */
async function seedIngestCredentials(sql: ReturnType<typeof createSql>, secrets: ReturnType<typeof demoSecrets>) {
  await sql`INSERT INTO webhook_secrets (tenant_id, kind, secret, label) VALUES ('demo', 'header', ${secrets.webhookSecret}, 'demo')
            ON CONFLICT (tenant_id, kind, secret) DO UPDATE SET revoked_at = NULL`;
  await sql`INSERT INTO webhook_secrets (tenant_id, kind, secret, label) VALUES ('demo', 'signing', ${secrets.signingSecret}, 'demo')
            ON CONFLICT (tenant_id, kind, secret) DO UPDATE SET revoked_at = NULL`;
  const hash = createHash('sha256').update(secrets.provisioningSecret).digest('hex');
  await sql`INSERT INTO provisioning_secrets (secret_hash, tenant_id, label) VALUES (${hash}, 'demo', 'demo')
            ON CONFLICT (secret_hash) DO UPDATE SET revoked_at = NULL`;
}

async function announceWhenReady(
  webUrl: string,
  ingestUrl: string,
  key: string,
  generated: boolean,
  secrets: ReturnType<typeof demoSecrets>,
) {
  const origin = (name: 'webhookSecret' | 'signingSecret' | 'provisioningSecret', env: string) =>
    secrets.generatedNames.includes(name) ? `  (generated; set ${env} to choose it)` : `  (from ${env})`;
  const ready = async (url: string) => (await fetch(url).catch(() => undefined))?.ok ?? false;
  for (let i = 0; i < 600; i++) {
    if ((await ready(`${ingestUrl}/readyz`)) && (await ready(`${webUrl}/healthz`))) {
      const secs = ((Date.now() - started) / 1000).toFixed(1);
      console.log(
        [
          '',
          `\x1b[1m  Pulse is up (${secs} s)\x1b[0m`,
          `  Dashboard:        ${webUrl}/fleet`,
          `  Ingest API:       ${ingestUrl}/v1/events`,
          `  Demo ingest key:  ${key}${generated ? '  (generated; set PULSE_DEMO_KEY to choose it)' : '  (from PULSE_DEMO_KEY)'}`,
          `  Try:              curl -X POST ${ingestUrl}/v1/events -H 'Authorization: Bearer ${key}' \\`,
          `                      -H 'Content-Type: application/json' -d '{"type":"machine.heartbeat","data":{"machineId":"web-01","hostname":"web-01","os":"Debian 12","cpuPct":21.5,"memPct":43,"diskPct":61.2,"uptimeS":86400,"agentVersion":"1.0.0"}}'`,
          `  Webhook secret:   ${secrets.webhookSecret}${origin('webhookSecret', 'PULSE_DEMO_WEBHOOK_SECRET')}`,
          `                    X-Pulse-Webhook-Secret for ${ingestUrl}/v1/webhooks/{tacticalrmm,wazuh,fleet}/demo`,
          `  Signing secret:   ${secrets.signingSecret}${origin('signingSecret', 'PULSE_DEMO_SIGNING_SECRET')}`,
          `                    Standard Webhooks secret for ${ingestUrl}/v1/webhooks/{onboarding,generic}/demo`,
          `  Provisioning:     ${secrets.provisioningSecret}${origin('provisioningSecret', 'PULSE_DEMO_PROVISIONING_SECRET')}`,
          `                    Bearer secret for ${ingestUrl}/v1/machines/register`,
          `  API docs:         ${ingestUrl}/docs`,
          `  Stop:             Ctrl-C`,
          '',
        ].join('\n'),
      );
      return;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  log('the dashboard did not answer within 150 s; see the logs above');
}

main().catch((err) => {
  console.error(err instanceof ServiceError ? `\n${err.message}\n` : err);
  process.exit(1);
});
