import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@pulse/testkit';
import { PostgresEventStore, WrongExpectedVersion, DuplicateEventConflict, type NewEvent } from '../index.ts';

let db: TestDatabase;
let store: PostgresEventStore;

beforeAll(async () => {
  db = await createTestDatabase();
  store = new PostgresEventStore(db.sql);
});
afterAll(() => db.drop());

function event(stream: string, overrides: Partial<NewEvent> = {}): NewEvent {
  return {
    id: randomUUID(),
    type: 'machine.heartbeat',
    tenant: 'acme',
    stream,
    occurredAt: new Date().toISOString(),
    schemaVersion: 1,
    data: { machineId: stream, cpuPct: 1 },
    ...overrides,
  };
}

describe('append with an expected version', () => {
  it('creates a stream with no_stream and refuses a second no_stream', async () => {
    const s = `machine-acme.${randomUUID()}`;
    const r = await store.append(s, [event(s), event(s)], { expectedVersion: 'no_stream' });
    expect(r.nextVersion).toBe(1);
    const err = await store.append(s, [event(s)], { expectedVersion: 'no_stream' }).catch((e) => e);
    expect(err).toBeInstanceOf(WrongExpectedVersion);
    expect(err.actual).toBe(1);
  });

  it('checks an exact version and stream_exists', async () => {
    const s = `machine-acme.${randomUUID()}`;
    await expect(store.append(s, [event(s)], { expectedVersion: 'stream_exists' })).rejects.toBeInstanceOf(WrongExpectedVersion);
    await store.append(s, [event(s)]);
    await expect(store.append(s, [event(s)], { expectedVersion: 5 })).rejects.toBeInstanceOf(WrongExpectedVersion);
    const r = await store.append(s, [event(s)], { expectedVersion: 0 });
    expect(r.nextVersion).toBe(1);
    expect((await store.readStream(s)).map((e) => e.streamVersion)).toEqual([0, 1]);
  });
});

describe('idempotency by event id', () => {
  it('stores a retried append once and answers with the original position', async () => {
    const s = `machine-acme.${randomUUID()}`;
    const events = [event(s), event(s)];
    const first = await store.append(s, events, { expectedVersion: 'no_stream' });
    const retry = await store.append(s, events, { expectedVersion: 'no_stream' });
    expect(retry).toEqual(first);
    expect(await store.readStream(s)).toHaveLength(2);
  });

  it('appendMany skips events already stored and keeps their positions', async () => {
    const a = `machine-acme.${randomUUID()}`;
    const b = `machine-acme.${randomUUID()}`;
    const batch = [event(a), event(b), event(a)];
    const first = await store.appendMany(batch);
    expect(first.appended).toBe(3);
    const again = await store.appendMany([...batch, batch[0]!]);
    expect(again.appended).toBe(0);
    expect(again.positions).toEqual(first.positions);
    expect((await store.readStream(a)).map((e) => e.streamVersion)).toEqual([0, 1]);
  });

  it('refuses the same id in another stream', async () => {
    const e = event(`machine-acme.${randomUUID()}`);
    await store.appendMany([e]);
    await expect(store.appendMany([{ ...e, stream: 'machine-acme.other' }])).rejects.toBeInstanceOf(DuplicateEventConflict);
  });
});

describe('readAll', () => {
  it('reads in position order from a position, filtered by tenant', async () => {
    const head = await store.headPosition();
    const s = `machine-zeta.${randomUUID()}`;
    await store.appendMany([event(s, { tenant: 'zeta' }), event(s, { tenant: 'zeta' }), event('machine-acme.x')]);
    const zeta = await store.readAll({ fromPosition: head, filter: { tenant: 'zeta' } });
    expect(zeta).toHaveLength(2);
    expect(zeta[0]!.position).toBeLessThan(zeta[1]!.position);
    expect(zeta.every((e) => e.tenant === 'zeta')).toBe(true);
    expect(await store.readAll({ fromPosition: head })).toHaveLength(3);
  });
});
