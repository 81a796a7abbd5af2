import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@pulse/testkit';
import { eventStoreContract } from '../contract/event-store.contract.ts';
import type { NewEvent } from '../port.ts';
import { appendMany } from './append-many.ts';
import { PostgresEventStore } from './postgres-event-store.ts';
import { APPEND_LOCK_KEY } from './rows.ts';

eventStoreContract('PostgreSQL', async ({ categoryMaxAge }) => {
  const db = await createTestDatabase();
  return { store: new PostgresEventStore(db.sql, { categoryMaxAge }), dispose: () => db.drop() };
});

describe('PostgreSQL store: gap safety (invariant 3)', () => {
  let db: TestDatabase;
  let store: PostgresEventStore;
  beforeAll(async () => {
    db = await createTestDatabase();
    store = new PostgresEventStore(db.sql, { subscription: { pollMs: 100 } });
  });
  afterAll(() => db.drop());

  it('hides a committed later position until every earlier transaction has finished, then returns both in order', async () => {
    const tenant = `gap${randomUUID().slice(0, 8)}`;
    const a = event(tenant);
    const b = event(tenant);

    // A takes its position and holds its transaction open before COMMIT.
    let assigned!: () => void;
    let release!: () => void;
    const aAssigned = new Promise<void>((r) => (assigned = r));
    const aReleased = new Promise<void>((r) => (release = r));
    const appendA = appendMany(db.sql, [a], { beforeCommit: async () => (assigned(), aReleased) });
    await aAssigned;

    // B commits a later position meanwhile: the lock is not held through A's commit.
    const bResult = await store.appendMany([b]);
    const committed = await db.sql<{ id: string }[]>`SELECT id FROM events WHERE tenant = ${tenant}`;
    expect(committed.map((r) => r.id)).toEqual([b.id]);

    // Neither a reader nor a subscriber may return B while A could still commit below it.
    expect(await store.readAll({ filter: { tenant } })).toEqual([]);
    expect(await store.readAll({ fromPosition: bResult.lastPosition - 1 })).toEqual([]);
    const sub = store.subscribe({ from: 'start', filter: { tenant } });
    const first = sub.next();
    const early = await Promise.race([first.then(() => 'delivered'), sleep(400).then(() => 'waiting')]);
    expect(early).toBe('waiting');

    release();
    const aResult = await appendA;
    expect(aResult.lastPosition).toBeLessThan(bResult.lastPosition);
    expect((await first).value?.id).toBe(a.id);
    expect((await sub.next()).value?.id).toBe(b.id);
    await sub.return();
    expect((await store.readAll({ filter: { tenant } })).map((e) => e.id)).toEqual([a.id, b.id]);
  });

  it('is not held back by an open transaction that appends nothing (in any database)', async () => {
    // An xid taken before the append's and held open: snapshot xmin alone would hide the append.
    const other = await db.sql.reserve();
    await other`BEGIN`;
    await other`SELECT pg_current_xact_id()`;
    try {
      const tenant = `idle${randomUUID().slice(0, 8)}`;
      const e = event(tenant);
      await store.appendMany([e]);
      expect((await store.readAll({ filter: { tenant } })).map((x) => x.id)).toEqual([e.id]);
      const sub = store.subscribe({ from: 'start', filter: { tenant } });
      expect((await sub.next()).value?.id).toBe(e.id);
      await sub.return();
    } finally {
      await other`ROLLBACK`;
      other.release();
    }
  });

  it('releases the append lock after a failed append', async () => {
    const e = event('locks');
    await store.appendMany([e]);
    await expect(store.appendMany([{ ...e, data: { changed: true } }])).rejects.toThrow();
    // Force the unique-violation path inside the locked INSERT (a race the pre-check cannot see).
    const racing = Array.from({ length: 8 }, () => store.append(e.stream, [event('locks', e.stream)], { expectedVersion: 0 }));
    await Promise.allSettled(racing);
    const held = await db.sql`
      SELECT 1 FROM pg_locks
      WHERE locktype = 'advisory' AND objid = ${APPEND_LOCK_KEY % 2 ** 32}
        AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`;
    expect(held).toHaveLength(0);
  });

  it('the retention job deletes in batches, keeps each stream\'s last event and leaves other categories alone', async () => {
    const short = new PostgresEventStore(db.sql, { categoryMaxAge: { probe: 1 }, retention: { batchSize: 7 } });
    const probe = `probe-acme.${randomUUID()}`;
    const other = `machine-acme.${randomUUID()}`;
    await short.append(probe, Array.from({ length: 20 }, () => ({ ...event('acme', probe) })));
    await short.append(other, [event('acme', other)]);
    await sleep(2100);
    expect((await short.applyRetention()).deleted).toBe(19);
    // The stream's last event stays (hidden), so its next append numbers on from version 19.
    const rows = await db.sql<{ v: number }[]>`SELECT stream_version AS v FROM events WHERE stream = ${probe}`;
    expect(rows.map((r) => r.v)).toEqual([19]);
    expect(await short.readStream(probe)).toEqual([]);
    expect((await short.append(probe, [event('acme', probe)], { expectedVersion: 19 })).nextVersion).toBe(20);
    expect(await short.readStream(other)).toHaveLength(1);
  });
});

function event(tenant: string, stream = `machine-${tenant}.${randomUUID()}`): NewEvent {
  return {
    id: randomUUID(),
    type: 'machine.heartbeat',
    tenant,
    stream,
    occurredAt: new Date().toISOString(),
    schemaVersion: 1,
    data: { cpuPct: 1 },
  };
}

function sleep(ms: number) {
  return new Promise<void>((r) => setTimeout(r, ms));
}
