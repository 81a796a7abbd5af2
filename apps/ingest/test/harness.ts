import { addIngestKey, generateIngestKey, upsertTenant } from '@pulse/platform';
import {
  createTestBus,
  createTestDatabase,
  freePort,
  startApp,
  type AppProcess,
  type TestBus,
  type TestDatabase,
} from '@pulse/testkit';

export const tenant = 'acme';

/** A database and a bus prefix of the test file's own, with one tenant and its ingest key. */
export interface Fixture {
  db: TestDatabase;
  bus: TestBus;
  key: string;
  cleanup: () => Promise<void>;
}

export async function createFixture(): Promise<Fixture> {
  const [db, bus] = await Promise.all([createTestDatabase(), createTestBus()]);
  const key = generateIngestKey(tenant);
  await upsertTenant(db.sql, { id: tenant, name: 'Acme' });
  await addIngestKey(db.sql, tenant, key, 'test');
  return { db, bus, key, cleanup: () => Promise.all([bus.drop(), db.drop()]).then(() => {}) };
}

export interface IngestApp {
  app: AppProcess;
  url: string;
}

/** Starts apps/ingest as a real process on the fixture's database and bus, and waits until it runs. */
export async function startIngest(f: Fixture, env: Record<string, string> = {}): Promise<IngestApp> {
  const port = await freePort();
  const app = startApp('ingest', {
    DATABASE_URL: f.db.url,
    NATS_URL: f.bus.url,
    NATS_PREFIX: f.bus.prefix,
    INGEST_PORT: String(port),
    ...env,
  });
  const roles = env.INGEST_ROLES ?? 'edge,recorder';
  await app.waitForOutput(new RegExp(`ingest listening on http://127\\.0\\.0\\.1:${port}`));
  if (roles.includes('recorder')) await app.waitForOutput(/recorder consuming/);
  return { app, url: `http://127.0.0.1:${port}` };
}

/** POST /v1/events with the fixture's key, JSON by default. */
export function postEvents(
  url: string,
  body: unknown,
  { key, contentType = 'application/json' }: { key?: string; contentType?: string } = {},
): Promise<Response> {
  return fetch(`${url}/v1/events`, {
    method: 'POST',
    headers: { 'content-type': contentType, ...(key !== undefined && { authorization: `Bearer ${key}` }) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** How many rows of `events` each of these ids has. */
export async function storedCount(f: Fixture, ids: string[]): Promise<{ rows: number; distinct: number }> {
  const [row] = await f.db.sql<{ rows: number; distinct: number }[]>`
    SELECT count(*)::int AS rows, count(DISTINCT id)::int AS distinct FROM events WHERE id = ANY(${ids}::uuid[])`;
  return row!;
}

/** A problem+json body as the tests read it. */
export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: { index: number; path: string; message: string }[];
  [extension: string]: unknown;
}

/** The body of a 202 from POST /v1/events. */
export async function accepted(res: Response): Promise<{ accepted: number; ids: string[] }> {
  return (await res.json()) as { accepted: number; ids: string[] };
}
