import { jetstreamManager } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { waitFor } from '@pulse/testkit';
import { heartbeat } from './events.fixture.ts';
import {
  accepted as acceptedBody,
  createFixture,
  postEvents,
  startIngest,
  storedCount,
  type Fixture,
  type IngestApp,
} from './harness.ts';

let f: Fixture;
let edge: IngestApp;
const recorders: IngestApp[] = [];

beforeAll(async () => {
  f = await createFixture();
  edge = await startIngest(f, { INGEST_ROLES: 'edge' });
});
afterAll(async () => {
  await Promise.all([edge?.app.stop(), ...recorders.map((r) => r.app.stop())]);
  await f?.cleanup();
});

/**
 * Messages a killed recorder had pulled but not acked come back after the consumer's ack wait
 * (30 s in production). The test shortens it after each recorder start (start-up provisioning
 * sets it back), so a redelivery takes seconds; the path the messages take is the same.
 */
async function startRecorder(): Promise<IngestApp> {
  const recorder = await startIngest(f, { INGEST_ROLES: 'recorder' });
  recorders.push(recorder);
  const jsm = await jetstreamManager(f.bus.nc);
  await jsm.consumers.update(f.bus.names.inboxStream, f.bus.names.recorderConsumer, {
    ack_wait: nanos(2000),
  });
  return recorder;
}

async function consumerInfo() {
  const jsm = await jetstreamManager(f.bus.nc);
  return jsm.consumers.info(f.bus.names.inboxStream, f.bus.names.recorderConsumer);
}

/**
 * Holds a lock that blocks every INSERT into `events` until released, so the recorder is
 * caught for certain with a batch pulled, its transaction open and nothing acked.
 */
async function blockAppends(): Promise<() => Promise<void>> {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let locked!: () => void;
  const isLocked = new Promise<void>((resolve) => (locked = resolve));
  const tx = f.db.sql.begin(async (sql) => {
    await sql`LOCK TABLE events IN EXCLUSIVE MODE`;
    locked();
    await released;
  });
  await isLocked;
  return async () => {
    release();
    await tx;
  };
}

async function post1000(accepted: string[], round: number) {
  for (let b = 0; b < 10; b++) {
    const events = Array.from({ length: 100 }, (_, i) =>
      heartbeat({ machineId: `m-${(round * 1000 + b * 100 + i) % 40}` }),
    );
    const res = await postEvents(edge.url, events, { key: f.key });
    expect(res.status).toBe(202);
    accepted.push(...(await acceptedBody(res)).ids);
  }
}

it('stores every event answered 202 exactly once although the recorder is SIGKILLed mid-batch', async () => {
  let recorder = await startRecorder();
  const accepted: string[] = [];
  await post1000(accepted, 0);
  for (const round of [1, 2]) {
    // The recorder pulls the next events and blocks inside its append; kill it right there.
    const unblock = await blockAppends();
    await post1000(accepted, round);
    await waitFor(async () => (await consumerInfo()).num_ack_pending > 0, {
      what: 'recorder holding unacked messages',
    });
    await recorder.app.kill();
    await unblock();
    recorder = await startRecorder();
  }
  expect(accepted).toHaveLength(3000);
  await waitFor(async () => (await storedCount(f, accepted)).rows === 3000, {
    timeoutMs: 30_000,
    what: 'all 3000 events stored',
  });
  expect(await storedCount(f, accepted)).toEqual({ rows: 3000, distinct: 3000 });
  const [row] = await f.db.sql<{ total: number }[]>`SELECT count(*)::int AS total FROM events`;
  expect(row?.total).toBe(3000);
  // Each stream's versions are gapless: nothing was appended twice under a new version.
  expect(
    await f.db.sql`SELECT stream FROM events GROUP BY stream HAVING max(stream_version) + 1 <> count(*)`,
  ).toEqual([]);
  // The killed recorders' messages did come back through JetStream redelivery.
  const metrics = await (await fetch(`${recorder.url}/metrics`)).text();
  expect(Number(/^pulse_recorder_redelivered_total (\d+)/m.exec(metrics)?.[1])).toBeGreaterThan(0);
});
