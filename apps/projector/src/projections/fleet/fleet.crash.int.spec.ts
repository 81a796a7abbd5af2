import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresEventStore, type NewEvent } from '@pulse/eventstore';
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
import type { FleetRow } from './fleet.evolve.ts';
import { fleetKey, fold, prepareBatch, type FleetKey, type MachineRef } from './fleet.fold.ts';
import { loadMachines } from './fleet.persistence.ts';

/**
 * Invariant 4 under crashes: 20,000 heartbeats (200 machines × 100 rounds, each machine's uptimeS
 * counting up by round), a projector SIGKILLed three times mid-stream, then one that finishes.
 *
 * Re-applying a batch would not change the final rows (a heartbeat sets values), so the read
 * model alone cannot prove "once". A trigger in this test's own database therefore logs every
 * committed row write with the position it carries: applied once, each (machine, position) is
 * written at most once and a machine's positions only grow. The deltas are checked the same way
 * (per tenant positions only grow, per machine uptime only grows) across all four runs.
 */
const TENANTS = ['acme', 'zeta'];
const MACHINES_PER_TENANT = 100;
const ROUNDS = 100;
const KILLS = 3;
/** Small batches while killing, so a run is stopped well before the head; the default for the final run. */
const KILLED_BATCH = '100';
const BASE = Date.parse('2026-11-25T00:00:00.000Z');

const machines: MachineRef[] = TENANTS.flatMap((tenant) =>
  Array.from({ length: MACHINES_PER_TENANT }, (_, i) => ({
    tenant,
    machineId: `m-${String(i).padStart(3, '0')}`,
  })),
);

let db: TestDatabase;
let bus: TestBus;
let store: PostgresEventStore;
let collected: ReturnType<typeof collectDeltas>;
let projector: AppProcess | undefined;

beforeAll(async () => {
  [db, bus] = await Promise.all([createTestDatabase(), createTestBus()]);
  store = new PostgresEventStore(db.sql);
  collected = collectDeltas(bus);
  await logRowWrites(db);
  const events: NewEvent[] = machines.map((m) =>
    registeredEvent(m.tenant, m.machineId, new Date(BASE).toISOString()),
  );
  for (let round = 0; round < ROUNDS; round++) {
    const occurredAt = new Date(BASE + (round + 1) * 30_000).toISOString();
    for (const m of machines) {
      events.push(
        heartbeatEvent(m.tenant, m.machineId, occurredAt, {
          uptimeS: round,
          cpuPct: round % 100,
          memPct: (round * 7) % 100,
        }),
      );
    }
  }
  for (let i = 0; i < events.length; i += 2000) await store.appendMany(events.slice(i, i + 2000));
});
afterAll(async () => {
  await projector?.kill();
  collected.stop();
  await Promise.all([bus.drop(), db.drop()]);
});

describe('fleet projection under SIGKILL', () => {
  it('applies every event exactly once across crashes mid-stream', async () => {
    const head = await headPosition(db.sql);
    expect(head).toBe(machines.length * (ROUNDS + 1));

    let reached = 0;
    for (let run = 0; run < KILLS; run++) {
      projector = startProjector(db, bus, { ...NO_ABSENCE, PROJECTOR_BATCH: KILLED_BATCH });
      // Kill as soon as this run has committed a little, while most of the stream is still ahead.
      const target = reached + 1000;
      await waitFor(async () => (await checkpoint(db.sql)) >= target, {
        intervalMs: 5,
        timeoutMs: 20_000,
        what: `checkpoint ≥ ${target}`,
      });
      // Seeing the checkpoint move ties us to one moment of the batch cycle; a random pause lets
      // the kill land anywhere in it (reading, inside the transaction, between commit and publish).
      await new Promise((r) => setTimeout(r, Math.random() * 60));
      await projector.kill();
      const at = await checkpoint(db.sql);
      expect(at, 'killed before the head, or the test proves nothing').toBeLessThan(head);
      reached = at;
    }

    projector = startProjector(db, bus, { ...NO_ABSENCE, PROJECTOR_NICE: '7' });
    await projector.waitForOutput(/projector running/, 30_000);
    // It lowered its CPU priority as told (unless it started lower still).
    expect(os.getPriority(projector.child.pid)).toBe(Math.max(7, os.getPriority()));
    // It runs in a session of its own (testkit, as a service), so with autogroup scheduling it
    // lowered its session's share too, not only its rank within it.
    if (existsSync('/proc/self/autogroup'))
      expect(readFileSync(`/proc/${projector.child.pid}/autogroup`, 'utf8')).toMatch(/ nice 7$/m);
    // Other test files write concurrently; their open transactions can hold the tail back briefly.
    await waitFor(async () => (await checkpoint(db.sql)) === head, {
      timeoutMs: 30_000,
      what: 'the checkpoint at the head',
    });

    // The read model equals a pure fold of the whole log with the same evolve.
    let expected = new Map<FleetKey, FleetRow>();
    for (let from = 0; ;) {
      const batch = await store.readAll({ fromPosition: from, limit: 5000 });
      if (batch.length === 0) break;
      expected = fold(expected, prepareBatch(batch)).rows;
      from = batch[batch.length - 1]!.position;
    }
    const actual = await loadMachines(db.sql, machines);
    expect(actual.size).toBe(machines.length);
    expect(new Map([...actual].sort())).toEqual(new Map([...expected].sort()));
    for (const row of actual.values()) expect(row).toMatchObject({ status: 'online', uptimeS: ROUNDS - 1 });

    // Every committed write of a row carries a position that machine never had before.
    const [writes] = await db.sql<{ total: number; repeated: number; backwards: number }[]>`
      SELECT count(*)::int AS total,
             count(*) FILTER (WHERE position = prev)::int AS repeated,
             count(*) FILTER (WHERE position < prev)::int AS backwards
      FROM (SELECT position, lag(position) OVER (PARTITION BY tenant, machine_id ORDER BY id) AS prev
            FROM test_row_writes) w`;
    expect(writes!.total).toBeGreaterThan(machines.length * 10);
    expect(writes).toMatchObject({ repeated: 0, backwards: 0 });

    // Every machine's final state reached the bus...
    const lastUptime = new Map<FleetKey, number>();
    await waitFor(
      () => {
        for (const d of collected.deltas)
          for (const r of d.rows)
            if (r.uptimeS !== null) lastUptime.set(fleetKey(d.tenant, r.machineId), r.uptimeS);
        return machines.every((m) => lastUptime.get(fleetKey(m.tenant, m.machineId)) === ROUNDS - 1);
      },
      { what: 'the final delta of every machine' },
    );

    // ...and nothing was applied twice: per tenant, delta positions only grow; per machine, so does uptime.
    const lastPosition = new Map<string, number>();
    const uptime = new Map<FleetKey, number>();
    for (const d of collected.deltas) {
      expect(d.position, `delta positions of ${d.tenant}`).toBeGreaterThan(lastPosition.get(d.tenant) ?? 0);
      lastPosition.set(d.tenant, d.position);
      for (const r of d.rows) {
        if (r.uptimeS === null) continue;
        const key = fleetKey(d.tenant, r.machineId);
        expect(r.uptimeS, `uptime of ${key}`).toBeGreaterThan(uptime.get(key) ?? -1);
        uptime.set(key, r.uptimeS);
      }
    }
  });
});

/** Test-only instrumentation of this test's database: a log of every committed read_machines write. */
async function logRowWrites(db: TestDatabase): Promise<void> {
  await db.sql.unsafe(`
    CREATE TABLE test_row_writes (id bigserial PRIMARY KEY, tenant text, machine_id text, position bigint);
    CREATE FUNCTION test_log_row_write() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO test_row_writes (tenant, machine_id, position) VALUES (NEW.tenant, NEW.machine_id, NEW.position);
        RETURN NEW;
      END $$;
    CREATE TRIGGER test_row_writes AFTER INSERT OR UPDATE ON read_machines
      FOR EACH ROW EXECUTE FUNCTION test_log_row_write();`);
}
