import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresEventStore } from '@pulse/eventstore';
import {
  createTestBus,
  createTestDatabase,
  waitFor,
  type AppProcess,
  type TestBus,
  type TestDatabase,
} from '@pulse/testkit';
import { heartbeatEvent, registeredEvent } from '../../../test/machine-events.ts';
import {
  checkpoint,
  collectDeltas,
  headPosition,
  NO_ABSENCE,
  startProjector,
} from '../../../test/projector-harness.ts';

let db: TestDatabase;
let bus: TestBus;
let store: PostgresEventStore;
let projector: AppProcess | undefined;
let collected: ReturnType<typeof collectDeltas>;

const T0 = '2026-11-25T12:00:00.000Z';
const T1 = '2026-11-25T12:00:30.000Z';

beforeAll(async () => {
  [db, bus] = await Promise.all([createTestDatabase(), createTestBus()]);
  store = new PostgresEventStore(db.sql);
  collected = collectDeltas(bus);
});
afterAll(async () => {
  await projector?.kill();
  collected.stop();
  await Promise.all([bus.drop(), db.drop()]);
});

describe('fleet projection (projector process)', () => {
  it('catches up: rows in read_machines, the checkpoint at the head, one delta per tenant at the batch position', async () => {
    const { lastPosition } = await store.appendMany([
      registeredEvent('acme', 'web-01', T0),
      heartbeatEvent('acme', 'web-01', T1, { cpuPct: 12.5, uptimeS: 30 }),
      heartbeatEvent('zeta', 'db-01', T1),
      // Not a fleet event: it moves the checkpoint but touches no row.
      { ...heartbeatEvent('acme', 'x', T1), type: 'onboarding.step_completed', stream: 'journey-acme.j-1' },
    ]);

    projector = startProjector(db, bus, NO_ABSENCE);
    await projector.waitForOutput(/projector running/);
    // Other test files write concurrently; their open transactions may hold our events back briefly.
    await waitFor(async () => (await checkpoint(db.sql)) === lastPosition, {
      what: 'the checkpoint at the head',
    });
    const rows = await db.sql`SELECT * FROM read_machines ORDER BY tenant, machine_id`;
    expect(rows.map((r) => ({ ...r }))).toMatchObject([
      {
        tenant: 'acme',
        machine_id: 'web-01',
        hostname: 'web-01.example.net',
        os: 'Debian 12',
        agent_version: '1.0.0',
        status: 'online',
        last_seen_at: new Date(T1),
        registered_at: new Date(T0),
        cpu_pct: 12.5,
        mem_pct: 43,
        disk_pct: 61.25,
        uptime_s: 30,
        position: lastPosition - 2,
      },
      expect.objectContaining({
        tenant: 'zeta',
        machine_id: 'db-01',
        status: 'online',
        registered_at: null,
        position: lastPosition - 1,
      }),
    ]);

    await waitFor(() => collected.deltas.length >= 2, { what: 'two deltas' });
    expect(collected.deltas).toHaveLength(2);
    expect(collected.deltas).toContainEqual({
      view: 'fleet',
      tenant: 'acme',
      position: lastPosition,
      rows: [
        {
          machineId: 'web-01',
          hostname: 'web-01.example.net',
          os: 'Debian 12',
          agentVersion: '1.0.0',
          status: 'online',
          lastSeenAt: T1,
          registeredAt: T0,
          cpuPct: 12.5,
          memPct: 43,
          diskPct: 61.25,
          uptimeS: 30,
          customer: null,
          site: null,
          ip: null,
          tags: [],
          load1: null,
          loggedInUser: null,
          metricsAt: T1,
          signals: { agent: T1 },
          staleSignals: [],
          inventory: null,
          decommissionedAt: null,
        },
      ],
    });
    expect(collected.deltas.find((d) => d.tenant === 'zeta')).toMatchObject({
      position: lastPosition,
      rows: [{ machineId: 'db-01' }],
    });
  });

  it('follows live appends, woken by NOTIFY well before the poll fallback', async () => {
    const before = collected.deltas.length;
    const started = Date.now();
    const { lastPosition } = await store.append('machine-acme.web-01', [
      heartbeatEvent('acme', 'web-01', T1, { uptimeS: 60 }),
    ]);
    const delta = await waitFor(
      () => collected.deltas.slice(before).find((d) => d.position === lastPosition),
      { what: 'live delta' },
    );
    expect(Date.now() - started).toBeLessThan(900);
    expect(delta).toMatchObject({ tenant: 'acme', rows: [{ machineId: 'web-01', uptimeS: 60 }] });
    expect(await checkpoint(db.sql)).toBe(lastPosition);
    expect(await headPosition(db.sql)).toBe(lastPosition);
  });

  it('stops cleanly on SIGTERM', async () => {
    const code = await projector!.stop();
    expect(code).toBe(0);
    expect(projector!.output()).toMatch(/projector stopped/);
    projector = undefined;
  });

  it('keeps a second projector as a hot standby that takes over when the first dies', async () => {
    const first = startProjector(db, bus, NO_ABSENCE);
    await first.waitForOutput(/projector running/);
    const standby = startProjector(db, bus, NO_ABSENCE);
    try {
      await standby.waitForOutput(/projector standby/);
      await first.kill();
      await standby.waitForOutput(/projector running/);
      const { lastPosition } = await store.append('machine-zeta.db-01', [
        heartbeatEvent('zeta', 'db-01', T1, { uptimeS: 99 }),
      ]);
      await waitFor(() => collected.deltas.some((d) => d.position === lastPosition), {
        what: 'delta from the standby',
      });
    } finally {
      await Promise.all([first.kill(), standby.kill()]);
    }
  });

  it('refuses a bad setting with a message that names it', async () => {
    const bad = startProjector(db, bus, { PULSE_OFFLINE_AFTER_S: 'soon' });
    const code = await new Promise((resolve) => bad.child.once('exit', resolve));
    expect(code).toBe(2);
    expect(bad.output()).toMatch(/PULSE_OFFLINE_AFTER_S/);
  });
});
