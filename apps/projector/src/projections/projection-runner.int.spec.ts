import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresEventStore } from '@pulse/eventstore';
import { createLogger } from '@pulse/platform';
import { createTestDatabase, waitFor, type TestDatabase } from '@pulse/testkit';
import { heartbeatEvent, registeredEvent } from '../../test/machine-events.ts';
import { checkpoint } from '../../test/projector-harness.ts';
import { fleetProjection } from './fleet/fleet.projection.ts';
import { ProjectionRunner } from './projection-runner.ts';

let db: TestDatabase;
let store: PostgresEventStore;
let runner: ProjectionRunner | undefined;
let running: Promise<void> | undefined;

beforeAll(async () => {
  db = await createTestDatabase();
  store = new PostgresEventStore(db.sql);
});
afterAll(async () => {
  runner?.stop();
  await running;
  await db.drop();
});

describe('projection runner (rows kept in memory)', () => {
  it('reloads its rows when someone else wrote the checkpoint, even at the same position (a rebuild swap)', async () => {
    runner = new ProjectionRunner({
      sql: db.sql,
      store,
      projections: [fleetProjection],
      publish: () => {},
      log: createLogger('test', 'silent'),
      batchSize: 100,
      pollMs: 50,
    });
    running = runner.run();
    const first = await store.appendMany([
      registeredEvent('acme', 'web-01', '2026-11-25T12:00:00.000Z'),
      heartbeatEvent('acme', 'web-01', '2026-11-25T12:00:30.000Z'),
    ]);
    await waitFor(async () => (await checkpoint(db.sql)) === first.lastPosition, { what: 'first batch' });

    // What a swap does: other rows in the table, the checkpoint rewritten where it was.
    await db.sql.begin(async (tx) => {
      await tx`UPDATE read_machines SET site = 'swapped' WHERE machine_id = 'web-01'`;
      await tx`UPDATE projection_checkpoints SET position = position WHERE projection = 'fleet'`;
    });
    const second = await store.appendMany([heartbeatEvent('acme', 'web-01', '2026-11-25T12:01:00.000Z')]);
    await waitFor(async () => (await checkpoint(db.sql)) === second.lastPosition, { what: 'second batch' });

    const [row] = await db.sql<{ site: string | null; last_seen_at: Date }[]>`
      SELECT site, last_seen_at FROM read_machines WHERE machine_id = 'web-01'`;
    // The heartbeat folded into the row as the table held it, not into the remembered one.
    expect(row).toEqual({ site: 'swapped', last_seen_at: new Date('2026-11-25T12:01:00.000Z') });
  });
});
