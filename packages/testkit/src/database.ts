import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { createSql, type Sql } from '@pulse/platform';

function required(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run tests through "npm test" (vitest's global setup sets it)`);
  return v;
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

export interface TestDatabase {
  url: string;
  sql: Sql;
  drop: () => Promise<void>;
}

/**
 * A fresh, migrated database of its own, cloned from the run's template (the global setup
 * migrated it once), so tests never see each other's rows.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const server = required('PULSE_TEST_SERVER_URL');
  const template = required('PULSE_TEST_TEMPLATE_DB');
  const name = `${template.replace(/_tpl$/, '')}_${randomBytes(4).toString('hex')}`;
  const admin = postgres(withDatabase(server, 'postgres'), { max: 1, onnotice: () => {} });
  try {
    await admin`CREATE DATABASE ${admin(name)} TEMPLATE ${admin(template)}`;
  } finally {
    await admin.end();
  }
  const url = withDatabase(server, name);
  const sql = createSql(url, { max: 5, name: 'pulse-test' });
  return {
    url,
    sql,
    drop: async () => {
      await sql.end({ timeout: 2 });
      const a = postgres(withDatabase(server, 'postgres'), { max: 1, onnotice: () => {} });
      try {
        await a`DROP DATABASE IF EXISTS ${a(name)} WITH (FORCE)`;
      } finally {
        await a.end();
      }
    },
  };
}
