import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { streamName, type MachineStatus } from '@pulse/events';
import { PostgresEventStore } from '@pulse/eventstore';
import { createLogger } from '@pulse/platform';
import {
  createTestBus,
  createTestDatabase,
  waitFor,
  type AppProcess,
  type TestBus,
  type TestDatabase,
} from '@pulse/testkit';
import { heartbeatEvent, registeredEvent } from '../../../test/machine-events.ts';
import { checkpoint, collectDeltas, headPosition, startProjector } from '../../../test/projector-harness.ts';
import { checkEvent } from '../../projections/known-event.ts';
import { fleetProjection } from '../../projections/fleet/fleet.projection.ts';
import { checkBatch, commitBatch } from '../../projections/projection.ts';
import { HeartbeatAbsenceManager } from './heartbeat-absence.manager.ts';

let db: TestDatabase;
let store: PostgresEventStore;

beforeAll(async () => {
  db = await createTestDatabase();
  store = new PostgresEventStore(db.sql);
});
afterAll(() => db.drop());

/**
 * Runs the fleet projection in-process until it has caught up with every stored event. An empty
 * read is not enough: the store hides events while any older transaction in the cluster is still
 * open (gap safety), and other test files write concurrently.
 */
async function project(): Promise<void> {
  const head = await headPosition(db.sql);
  for (let from = await checkpoint(db.sql); from < head;) {
    const batch = await store.readAll({ fromPosition: from });
    if (batch.length === 0) await new Promise((r) => setTimeout(r, 20));
    else from = (await commitBatch(db.sql, fleetProjection, checkBatch(batch), from)).position;
  }
}

async function statusOf(tenant: string, machineId: string): Promise<MachineStatus | undefined> {
  const [row] = await db.sql<{ status: MachineStatus }[]>`
    SELECT status FROM read_machines WHERE tenant = ${tenant} AND machine_id = ${machineId}`;
  return row?.status;
}

/** The machine's status changes, read back through the same check the projection uses. */
async function statusChanges(tenant: string, machineId: string) {
  const events = await store.readStream(streamName('machine', tenant, machineId));
  return events
    .map(checkEvent)
    .flatMap((c) => (c.kind === 'known' && c.event.type === 'machine.status_changed' ? [c.event] : []));
}

describe('heartbeat-absence manager (in-process, fixed clock)', () => {
  const seenAt = '2026-11-25T12:00:00.000Z';
  const seen = Date.parse(seenAt);
  let clock = seen;
  const manager = () =>
    new HeartbeatAbsenceManager({
      sql: db.sql,
      store,
      log: createLogger('test', 'silent'),
      thresholds: { offlineAfterMs: 90_000, overdueAfterMs: 300_000 },
      intervalMs: 1000,
      now: () => clock,
    });

  it('marks a silent machine offline exactly at the threshold, then overdue, once each', async () => {
    await store.appendMany([
      registeredEvent('acme', 'web-01', seenAt),
      heartbeatEvent('acme', 'web-01', seenAt),
    ]);
    await project();
    const pm = manager();

    clock = seen + 89_999;
    expect(await pm.tick()).toEqual({ recorded: 0, superseded: 0 });

    clock = seen + 90_000;
    expect(await pm.tick()).toEqual({ recorded: 1, superseded: 0 });
    // The projection has not applied the change yet, so the next tick decides the same again: it
    // derives the same event id, which the store keeps once.
    expect(await pm.tick()).toEqual({ recorded: 1, superseded: 0 });
    expect(await statusChanges('acme', 'web-01')).toHaveLength(1);
    await project();
    expect(await statusOf('acme', 'web-01')).toBe('offline');
    expect(await pm.tick()).toEqual({ recorded: 0, superseded: 0 });

    clock = seen + 300_000;
    expect(await pm.tick()).toEqual({ recorded: 1, superseded: 0 });
    await project();
    expect(await statusOf('acme', 'web-01')).toBe('overdue');
    expect(await pm.tick()).toEqual({ recorded: 0, superseded: 0 });

    const changes = await statusChanges('acme', 'web-01');
    expect(changes.map((e) => [e.occurredAt, e.data])).toEqual([
      [
        '2026-11-25T12:01:30.000Z',
        { machineId: 'web-01', from: 'online', to: 'offline', lastSeenAt: seenAt },
      ],
      [
        '2026-11-25T12:05:00.000Z',
        { machineId: 'web-01', from: 'offline', to: 'overdue', lastSeenAt: seenAt },
      ],
    ]);
  });

  it('lets a heartbeat that arrived after the read model was read win', async () => {
    await store.appendMany([heartbeatEvent('acme', 'db-01', seenAt)]);
    await project();
    // Recorded but not yet projected: the read model still shows the old last-seen time.
    await store.appendMany([heartbeatEvent('acme', 'db-01', new Date(seen + 200_000).toISOString())]);

    clock = seen + 250_000;
    expect(await manager().tick()).toEqual({ recorded: 0, superseded: 1 });
    expect(await statusChanges('acme', 'db-01')).toEqual([]);
    await project();
    expect(await statusOf('acme', 'db-01')).toBe('online');
  });
});

describe('heartbeat-absence in the projector process', () => {
  let bus: TestBus;
  let projector: AppProcess | undefined;
  let collected: ReturnType<typeof collectDeltas>;

  beforeAll(async () => {
    bus = await createTestBus();
    collected = collectDeltas(bus);
  });
  afterAll(async () => {
    await projector?.kill();
    collected.stop();
    await bus.drop();
  });

  it('takes a silent machine offline, then overdue, and a new heartbeat brings it back online', async () => {
    const now = () => new Date().toISOString();
    projector = startProjector(db, bus, {
      PULSE_OFFLINE_AFTER_S: '1',
      PULSE_OVERDUE_AFTER_S: '2',
      PROJECTOR_ABSENCE_CHECK_MS: '100',
    });
    await projector.waitForOutput(/projector running/);
    // The machine speaks once the projector runs, so its silence is timed from here, however slow the start.
    await store.appendMany([
      registeredEvent('zeta', 'edge-01', now()),
      heartbeatEvent('zeta', 'edge-01', now()),
    ]);

    await waitFor(async () => (await statusOf('zeta', 'edge-01')) === 'overdue', { what: 'overdue' });
    // A few more ticks of silence add nothing: overdue is final until the machine speaks.
    await new Promise((r) => setTimeout(r, 400));
    expect((await statusChanges('zeta', 'edge-01')).map((e) => e.data)).toMatchObject([
      { from: 'online', to: 'offline' },
      { from: 'offline', to: 'overdue' },
    ]);

    const { lastPosition } = await store.append(streamName('machine', 'zeta', 'edge-01'), [
      heartbeatEvent('zeta', 'edge-01', now()),
    ]);
    const back = await waitFor(
      () => collected.deltas.find((d) => d.position >= lastPosition && d.tenant === 'zeta'),
      { what: 'online delta' },
    );
    expect(back.rows).toMatchObject([{ machineId: 'edge-01', status: 'online' }]);

    // The board saw each step, in order.
    const seen = collected.deltas
      .filter((d) => d.tenant === 'zeta')
      .flatMap((d) => d.rows.map((r) => r.status));
    expect(seen.filter((s, i) => s !== seen[i - 1])).toEqual(['online', 'offline', 'overdue', 'online']);
  });
});
