/**
 * A live client that stops reading must not make the web node queue every delta for it: past
 * LIVE_MAX_BACKLOG_BYTES it leaves the room and is told to resync, and once it reads again it
 * picks up from its position and ends with exactly the rows of the view (invariant 5).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { io, type Socket } from 'socket.io-client';
import type { MachineView, ViewSnapshot } from '@pulse/events';
import { createTestBus, createTestDatabase, type TestBus, type TestDatabase } from '@pulse/testkit';
import { decodeSnapshot, type KeyedDelta, type SubscribeReply } from '../src/lib/live/protocol.ts';
import {
  beginLoading,
  initialSync,
  receiveDeltas,
  receiveResume,
  receiveSnapshot,
  type SyncState,
} from '../src/lib/live/view-sync.ts';
import { machine, projectFleet, seedFleet, stackEnv, startWeb, type WebApp } from './web-harness.ts';

let db: TestDatabase, bus: TestBus, web: WebApp;

beforeAll(async () => {
  [db, bus] = await Promise.all([createTestDatabase(), createTestBus()]);
  await seedFleet(db.sql, 'demo', [machine('m-0')], 1);
  web = await startWeb({ ...stackEnv(db, bus), LIVE_MAX_BACKLOG_BYTES: String(256 * 1024) });
});

afterAll(async () => {
  await web?.app.stop();
  await Promise.all([db?.drop(), bus?.drop()]);
});

/** A client of the fleet view that follows the protocol as the browser does, resyncs included. */
async function follow() {
  const live: Socket = io(`${web.baseUrl}/live`, { transports: ['websocket'], reconnection: false });
  const c = { live, state: initialSync<'fleet'>() as SyncState<'fleet'>, resyncs: 0 };
  live.on('delta', (d: KeyedDelta<'fleet'>) => {
    if (d.view === 'fleet') c.state = receiveDeltas(c.state, [d]);
  });
  const subscribe = async () => {
    const since = c.state.data?.position;
    c.state = beginLoading(c.state);
    const res = (await live.emitWithAck('subscribe', {
      view: 'fleet',
      tenant: 'demo',
      since,
    })) as SubscribeReply;
    if (!res.ok) throw new Error(res.error);
    c.state =
      res.mode === 'snapshot'
        ? receiveSnapshot(c.state, decodeSnapshot(res.snapshot) as ViewSnapshot<'fleet'>)
        : receiveResume(c.state, res.since, res.deltas as KeyedDelta<'fleet'>[])!;
  };
  live.on('resync', () => {
    c.resyncs++;
    void subscribe();
  });
  await subscribe();
  return c;
}

/** The TCP socket under a socket.io-client connection (engine.io-client's ws transport). */
function tcp(live: Socket): { pause: () => void; resume: () => void } {
  return (
    live.io.engine.transport as unknown as { ws: { _socket: { pause: () => void; resume: () => void } } }
  ).ws._socket;
}

it('drops a client that stops reading from the room, and it resyncs to exactly the right rows', async () => {
  const [stuck, reading] = await Promise.all([follow(), follow()]);
  tcp(stuck.live).pause();
  // ~24 MB of rows, far more than the loopback socket buffers hold, for 2,000 machines.
  const pad = 'x'.repeat(1000);
  const final = new Map<string, number>();
  let position = 1;
  for (let round = 1; round <= 12; round++) {
    // In deltas of 500 rows, as a projector's batches would be (a NATS message is at most 1 MB).
    for (let from = 0; from < 2000; from += 500) {
      const rows: MachineView[] = Array.from({ length: 500 }, (_, i) =>
        machine(`m-${from + i}`, { hostname: `${pad}-${round}-${from + i}`, uptimeS: round }),
      );
      await projectFleet(db, bus, 'demo', rows, ++position);
      for (const r of rows) final.set(r.machineId, r.uptimeS!);
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  const uptimes = (c: { state: SyncState<'fleet'> }) =>
    new Map([...(c.state.data?.rows.values() ?? [])].map((r) => [r.machineId, r.uptimeS]));
  await expect.poll(() => uptimes(reading), { timeout: 10_000 }).toEqual(final);
  expect(reading.resyncs).toBe(0);

  tcp(stuck.live).resume();
  await expect.poll(() => stuck.resyncs, { timeout: 10_000 }).toBeGreaterThan(0);
  await expect.poll(() => uptimes(stuck), { timeout: 10_000 }).toEqual(final);
  expect(stuck.state.data?.position).toBe(position);
  stuck.live.close();
  reading.live.close();
});

it('joins a delta too large for one NATS message from its parts before a client sees it', async () => {
  const client = await follow();
  const messages: number[] = [];
  const tap = bus.nc.subscribe(bus.names.view('demo', 'fleet'), {
    callback: (_e, m) => void messages.push(m.data.length),
  });
  // 3,000 machines of ~1 kB each in one batch: ~3.5 MB, three times NATS's default max_payload.
  const pad = 'y'.repeat(1000);
  const rows = Array.from({ length: 3000 }, (_, i) =>
    machine(`big-${i}`, { hostname: `${pad}-${i}`, uptimeS: 7 }),
  );
  const [checkpoint] = await db.sql<{ position: number }[]>`
    SELECT position::int FROM projection_checkpoints WHERE projection = 'fleet'`;
  const before = checkpoint!.position;
  await projectFleet(db, bus, 'demo', rows, before + 1);
  await expect
    .poll(
      () =>
        [...(client.state.data?.rows.values() ?? [])].filter((r) => r.machineId.startsWith('big-')).length,
      {
        timeout: 10_000,
      },
    )
    .toBe(3000);
  expect(client.state.data?.position).toBe(before + 1);
  expect(client.resyncs).toBe(0);
  expect(messages.length).toBeGreaterThan(3);
  expect(Math.max(...messages)).toBeLessThanOrEqual(bus.nc.info!.max_payload);
  tap.unsubscribe();
  client.live.close();
});
