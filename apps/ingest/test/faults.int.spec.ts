import { jetstreamManager } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import postgres from 'postgres';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { busNames } from '@pulse/events';
import {
  addIngestKey,
  connectNats,
  createSql,
  generateIngestKey,
  migrate,
  provisionBus,
  upsertTenant,
  type NatsConnection,
  type Sql,
} from '@pulse/platform';
import { freePort, startApp, waitFor, type AppProcess } from '@pulse/testkit';
import { heartbeat } from './events.fixture.ts';
import { startOwnNats, startOwnPostgres, type OwnNats, type OwnPostgres } from './own-services.ts';

/**
 * The "must show": a steady load flows while the recorder is SIGKILLed, then nats-server
 * is SIGKILLed, then PostgreSQL is restarted, each followed by a restart. Every event answered
 * 202 ends in the store exactly once, and while a dependency is down the edge answers 503
 * problem+json: never a 500, never a request left hanging. NATS and PostgreSQL are the test's
 * own (free ports, temp dirs), never the machine's.
 */
let nats: OwnNats;
let pg: OwnPostgres;
let sql: Sql;
let nc: NatsConnection;
let edge: AppProcess;
let recorder: AppProcess;
let edgeUrl: string;
let env: Record<string, string>;
const names = busNames('');
const tenant = 'acme';
const key = generateIngestKey(tenant);

beforeAll(async () => {
  [nats, pg] = await Promise.all([startOwnNats(), startOwnPostgres()]);
  const admin = postgres(`${pg.serverUrl}/postgres`, { max: 1, onnotice: () => {} });
  await admin`CREATE DATABASE pulse`;
  await admin.end();
  const url = `${pg.serverUrl}/pulse`;
  await migrate(url);
  sql = createSql(url, { max: 2, name: 'pulse-fault-test' });
  await upsertTenant(sql, { id: tenant, name: 'Acme' });
  await addIngestKey(sql, tenant, key, 'test');
  nc = await connectNats(nats.url, 'pulse-fault-test');
  await provisionBus(nc, names);
  const port = await freePort();
  edgeUrl = `http://127.0.0.1:${port}`;
  env = { DATABASE_URL: url, NATS_URL: nats.url, NATS_PREFIX: '', RECORDER_RETRY_DELAY_MS: '300', RECORDER_APPEND_TIMEOUT_MS: '3000' };
  edge = startApp('ingest', { ...env, INGEST_PORT: String(port), INGEST_ROLES: 'edge', INGEST_BACKPRESSURE_LAG: '0' });
  await edge.waitForOutput(/ingest listening/);
  recorder = await startRecorder();
}, 60_000);

afterAll(async () => {
  await Promise.all([edge?.stop(), recorder?.stop()]);
  await nc?.close().catch(() => {});
  await sql?.end({ timeout: 1 }).catch(() => {});
  await Promise.all([nats?.stop(), pg?.stop()]);
});

/** A killed recorder's unacked messages return after the ack wait: short here, the same path. */
async function startRecorder(): Promise<AppProcess> {
  const r = startApp('ingest', { ...env, INGEST_PORT: String(await freePort()), INGEST_ROLES: 'recorder' });
  await r.waitForOutput(/recorder consuming/);
  const jsm = await jetstreamManager(nc);
  await jsm.consumers.update(names.inboxStream, names.recorderConsumer, { ack_wait: nanos(2000) });
  return r;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

it('keeps every 202 through a recorder SIGKILL, a nats-server SIGKILL and a PostgreSQL restart', { timeout: 120_000 }, async () => {
  const accepted: string[] = [];
  const statuses: { status: number; at: number; problem: boolean }[] = [];
  const hung: string[] = [];
  let running = true;
  const load = (async () => {
    while (running) {
      const events = Array.from({ length: 50 }, (_, i) => heartbeat({ machineId: `m-${i % 25}` }));
      try {
        const res = await fetch(`${edgeUrl}/v1/events`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
          body: JSON.stringify(events),
          signal: AbortSignal.timeout(12_000),
        });
        const problem = /^application\/problem\+json/.test(res.headers.get('content-type') ?? '');
        statuses.push({ status: res.status, at: Date.now(), problem });
        if (res.status === 202) accepted.push(...((await res.json()) as { ids: string[] }).ids);
        else await res.arrayBuffer();
      } catch (err) {
        hung.push(String(err));
      }
      await sleep(20);
    }
  })();
  const acceptedSoFar = () => accepted.length;
  const progressAfter = async (what: string) => {
    const before = acceptedSoFar();
    await waitFor(() => acceptedSoFar() > before, { timeoutMs: 30_000, what });
  };

  await sleep(1000);
  // 1. The recorder dies mid-stream; the edge keeps answering 202 (JetStream holds the events).
  await recorder.kill();
  await sleep(800);
  recorder = await startRecorder();
  await progressAfter('202s after the recorder restart');

  // 2. nats-server dies: the edge answers 503 problem+json until it is back.
  await nats.kill();
  const downAt = Date.now();
  await sleep(2500);
  await nats.start();
  await progressAfter('202s after the NATS restart');
  const duringNatsOutage = statuses.filter((s) => s.at > downAt && s.status !== 202);
  expect(duringNatsOutage.length).toBeGreaterThan(0);
  expect(duringNatsOutage.every((s) => s.status === 503 && s.problem)).toBe(true);

  // 3. PostgreSQL restarts: the edge keeps accepting (keys are cached), the recorder retries.
  await pg.restart(1500);
  await sleep(800);
  await progressAfter('202s after the PostgreSQL restart');
  running = false;
  await load;

  expect(hung).toEqual([]);
  expect(statuses.filter((s) => s.status >= 500 && s.status !== 503)).toEqual([]);
  expect(statuses.filter((s) => s.status !== 202).every((s) => s.problem)).toBe(true);
  expect(accepted.length).toBeGreaterThan(500);
  await waitFor(
    async () => {
      const [row] = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM events WHERE id = ANY(${accepted}::uuid[])`;
      return row!.n === accepted.length;
    },
    { timeoutMs: 45_000, intervalMs: 250, what: `all ${accepted.length} accepted events stored` },
  ).catch(async (err) => {
    const [row] = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM events WHERE id = ANY(${accepted}::uuid[])`;
    const info = await (await jetstreamManager(nc)).consumers.info(names.inboxStream, names.recorderConsumer).catch((e) => String(e));
    console.log(`stored ${row!.n} of ${accepted.length}`, JSON.stringify(info).slice(0, 600), recorder.output().split('\n').slice(-25).join('\n'));
    throw err;
  });
  const [counts] = await sql<{ rows: number; distinct: number }[]>`
    SELECT count(*)::int AS rows, count(DISTINCT id)::int AS distinct FROM events WHERE id = ANY(${accepted}::uuid[])`;
  expect(counts).toEqual({ rows: accepted.length, distinct: accepted.length });
  expect(await sql`SELECT stream FROM events GROUP BY stream HAVING max(stream_version) + 1 <> count(*)`).toEqual([]);
});
