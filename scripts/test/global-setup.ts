/**
 * Vitest global setup for the int and e2e tiers: finds or starts PostgreSQL and NATS, migrates a
 * template database for this run (tests clone it), and removes everything the run created.
 */
import { randomBytes } from 'node:crypto';
import { migrate } from '@pulse/platform';
import { dropDatabase, ensureDatabase, ensureServices, withDatabase } from '../services.ts';

export default async function setup() {
  const services = await ensureServices((m) => console.log(`[setup] ${m}`));
  const runId = `pulse_test_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const template = `${runId}_tpl`;
  await ensureDatabase(services.postgresServerUrl, template);
  await migrate(withDatabase(services.postgresServerUrl, template));

  process.env.PULSE_TEST_SERVER_URL = services.postgresServerUrl;
  process.env.PULSE_TEST_TEMPLATE_DB = template;
  process.env.NATS_URL = services.natsUrl;

  return async () => {
    await dropRunDatabases(services.postgresServerUrl, runId);
    await services.stop();
  };
}

/** Drops the template and any database a crashed test left behind for this run. */
async function dropRunDatabases(serverUrl: string, runId: string) {
  const { default: postgres } = await import('postgres');
  const sql = postgres(withDatabase(serverUrl, 'postgres'), { max: 1, onnotice: () => {} });
  try {
    const rows = await sql<{ datname: string }[]>`SELECT datname FROM pg_database WHERE datname LIKE ${runId + '%'}`;
    for (const { datname } of rows) await dropDatabase(serverUrl, datname);
  } finally {
    await sql.end();
  }
}
