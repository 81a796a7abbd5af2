/**
 * The one contract every EventStore adapter passes. Each adapter's *.int.spec.ts calls
 * `eventStoreContract` with a factory; the tests below are the same code for all of them.
 */
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordedEvent } from '@pulse/events';
import {
  DuplicateEventConflict,
  WrongExpectedVersion,
  type EventStore,
  type NewEvent,
  type ReadAllOptions,
  type SubscribeOptions,
} from '../port.ts';

export interface ContractStore {
  store: EventStore;
  dispose: () => Promise<void>;
}

export interface ContractOptions {
  /** Category defaults for maxAge (seconds) that the store under test must apply. */
  categoryMaxAge?: Record<string, number>;
}

export interface AdapterCapabilities {
  /**
   * The store refuses an id that is already stored in another stream. KurrentDB has no index by
   * event id across streams, so its adapter checks only the stream it appends to.
   */
  detectsIdInOtherStream: boolean;
}

export function eventStoreContract(
  adapter: string,
  createStore: (options: ContractOptions) => Promise<ContractStore>,
  capabilities: AdapterCapabilities = { detectsIdInOtherStream: true },
) {
  describe(`EventStore contract: ${adapter}`, () => {
    let subject: ContractStore;
    let store: EventStore;
    beforeAll(async () => {
      subject = await createStore({ categoryMaxAge: { telemetry: 30 * 24 * 3600, ephemeral: 1 } });
      store = subject.store;
    });
    afterAll(() => subject.dispose());

    describe('append with an expected version', () => {
      it('no_stream creates a stream once', async () => {
        const s = stream();
        const r = await store.append(s, [event(s), event(s)], { expectedVersion: 'no_stream' });
        expect(r.nextVersion).toBe(1);
        const err = await store.append(s, [event(s)], { expectedVersion: 'no_stream' }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(WrongExpectedVersion);
        expect((err as WrongExpectedVersion).actual).toBe(1);
      });

      it('stream_exists refuses a missing stream and accepts an existing one', async () => {
        const s = stream();
        const err = await store.append(s, [event(s)], { expectedVersion: 'stream_exists' }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(WrongExpectedVersion);
        expect((err as WrongExpectedVersion).actual).toBe(-1);
        await store.append(s, [event(s)], { expectedVersion: 'no_stream' });
        expect((await store.append(s, [event(s)], { expectedVersion: 'stream_exists' })).nextVersion).toBe(1);
      });

      it('an exact version must be the current one', async () => {
        const s = stream();
        await store.append(s, [event(s)]);
        const err = await store.append(s, [event(s)], { expectedVersion: 5 }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(WrongExpectedVersion);
        expect((err as WrongExpectedVersion).actual).toBe(0);
        expect((await store.append(s, [event(s)], { expectedVersion: 0 })).nextVersion).toBe(1);
        expect((await store.readStream(s)).map((e) => e.streamVersion)).toEqual([0, 1]);
      });

      it('any always appends', async () => {
        const s = stream();
        await store.append(s, [event(s)], { expectedVersion: 'any' });
        const r = await store.append(s, [event(s)]);
        expect(r.nextVersion).toBe(1);
        expect(r.lastPosition).toBeGreaterThan(0);
      });

      it('of two concurrent appends at the same version, exactly one wins', async () => {
        const s = stream();
        await store.append(s, [event(s)]);
        const results = await Promise.allSettled([1, 2, 3].map(() => store.append(s, [event(s)], { expectedVersion: 0 })));
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(WrongExpectedVersion);
        expect(await store.readStream(s)).toHaveLength(2);
      });
    });

    describe('idempotency by event id', () => {
      it('a retried append is stored once and answers with the original result', async () => {
        const s = stream();
        const events = [event(s), event(s)];
        const first = await store.append(s, events, { expectedVersion: 'no_stream' });
        const retry = await store.append(s, events, { expectedVersion: 'no_stream' });
        expect(retry).toEqual(first);
        expect(await store.readStream(s)).toHaveLength(2);
      });

      it('the same content with keys in another order is the same event', async () => {
        const s = stream();
        const e = event(s, { data: { a: 1, b: { c: 2, d: 3 } } });
        await store.append(s, [e]);
        await store.append(s, [{ ...e, data: { b: { d: 3, c: 2 }, a: 1 } }]);
        expect(await store.readStream(s)).toHaveLength(1);
      });

      it('the same id with other data is a DuplicateEventConflict', async () => {
        const s = stream();
        const e = event(s);
        await store.append(s, [e]);
        await expect(store.append(s, [{ ...e, data: { other: true } }])).rejects.toBeInstanceOf(DuplicateEventConflict);
        await expect(store.appendMany([{ ...e, data: { other: true } }])).rejects.toBeInstanceOf(DuplicateEventConflict);
      });

      it.skipIf(!capabilities.detectsIdInOtherStream)('the same id in another stream is a DuplicateEventConflict', async () => {
        const e = event(stream());
        await store.appendMany([e]);
        const other = stream();
        await expect(store.appendMany([{ ...e, stream: other }])).rejects.toBeInstanceOf(DuplicateEventConflict);
      });

      it('appendMany skips events already stored and reports their positions', async () => {
        const a = stream();
        const b = stream();
        const batch = [event(a), event(b), event(a)];
        const first = await store.appendMany(batch);
        expect(first.appended).toBe(3);
        const again = await store.appendMany([...batch, batch[0]!, event(b)]);
        expect(again.appended).toBe(1);
        for (const e of batch) expect(again.positions.get(e.id)).toBe(first.positions.get(e.id));
        expect((await store.readStream(a)).map((e) => e.streamVersion)).toEqual([0, 1]);
        expect((await store.readStream(b)).map((e) => e.streamVersion)).toEqual([0, 1]);
      });
    });

    describe('ordering and reads', () => {
      it('readAll returns events in strictly increasing positions, each stream in version order', async () => {
        const tenant = newTenant();
        const [a, b] = [stream('machine', tenant), stream('machine', tenant)];
        const batch = [event(a), event(b), event(a), event(b), event(a)];
        await store.appendMany(batch);
        await store.append(b, [event(b)], { expectedVersion: 1 });
        const all = await readAllSettled(store, { filter: { tenant } }, 6);
        expect(all).toHaveLength(6);
        expect(all.slice(0, 5).map((e) => e.id)).toEqual(batch.map((e) => e.id));
        expectIncreasing(all);
        expect(all.filter((e) => e.stream === a).map((e) => e.streamVersion)).toEqual([0, 1, 2]);
        expect(all.filter((e) => e.stream === b).map((e) => e.streamVersion)).toEqual([0, 1, 2]);
        const rest = await store.readAll({ fromPosition: all[1]!.position, filter: { tenant }, limit: 2 });
        expect(rest.map((e) => e.id)).toEqual(all.slice(2, 4).map((e) => e.id));
      });

      it('readStream reads forwards and backwards from a version, with a limit', async () => {
        const s = stream();
        await store.append(s, [event(s), event(s), event(s), event(s)]);
        expect((await store.readStream(s, { from: 1, limit: 2 })).map((e) => e.streamVersion)).toEqual([1, 2]);
        expect((await store.readStream(s, { direction: 'backwards' })).map((e) => e.streamVersion)).toEqual([3, 2, 1, 0]);
        expect((await store.readStream(s, { direction: 'backwards', from: 2, limit: 2 })).map((e) => e.streamVersion)).toEqual([2, 1]);
        expect(await store.readStream(stream())).toEqual([]);
      });

      it('a recorded event carries what was appended', async () => {
        const s = stream();
        const e = event(s, { metadata: { source: 'agent:web-01', correlationId: 'c-1' } });
        const { lastPosition } = await store.append(s, [e]);
        const [read] = await store.readStream(s);
        expect(read).toMatchObject({
          id: e.id, type: e.type, tenant: e.tenant, stream: s, streamVersion: 0, position: lastPosition,
          occurredAt: e.occurredAt, schemaVersion: 1, data: e.data, metadata: e.metadata,
        });
        expect(Date.parse(read!.recordedAt)).not.toBeNaN();
        expect(await store.headPosition()).toBeGreaterThanOrEqual(lastPosition);
      });

      it('filters by tenant, type and stream prefix', async () => {
        const tenant = newTenant();
        const m = stream('machine', tenant);
        const t = stream('ticket', tenant);
        await store.appendMany([
          event(m, { type: 'machine.heartbeat' }),
          event(t, { type: 'ticket.opened' }),
          event(m, { type: 'machine.registered' }),
          event(stream('machine', newTenant()), { type: 'machine.heartbeat' }),
        ]);
        await readAllSettled(store, { filter: { tenant } }, 3);
        const types = (o: ReadAllOptions['filter']) => store.readAll({ filter: o }).then((r) => r.map((e) => e.type));
        expect(await types({ tenant })).toEqual(['machine.heartbeat', 'ticket.opened', 'machine.registered']);
        expect(await types({ tenant, types: ['machine.registered', 'ticket.opened'] })).toEqual(['ticket.opened', 'machine.registered']);
        expect(await types({ streamPrefix: `ticket-${tenant}.` })).toEqual(['ticket.opened']);
        expect(await types({ streamPrefix: `machine-${tenant}.`, types: ['machine.heartbeat'] })).toEqual(['machine.heartbeat']);
      });
    });

    describe('retention', () => {
      it('truncateBefore and maxAge hide expired events from reads; applyRetention deletes them', async () => {
        const tenant = newTenant();
        const truncated = stream('machine', tenant);
        const aged = stream('machine', tenant);
        const ephemeral = stream('ephemeral', tenant);
        const kept = stream('machine', tenant);
        await store.append(truncated, [event(truncated), event(truncated), event(truncated)]);
        await store.appendMany([event(aged), event(ephemeral), event(kept)]);
        await store.setStreamMetadata(truncated, { truncateBefore: 2 });
        await store.setStreamMetadata(aged, { maxAge: 1 });
        expect(await store.getStreamMetadata(truncated)).toEqual({ truncateBefore: 2 });
        expect((await store.readStream(truncated)).map((e) => e.streamVersion)).toEqual([2]);

        // maxAge counts whole seconds from when the event was recorded.
        await sleep(2100);
        expect(await store.readStream(aged)).toEqual([]);
        expect(await store.readStream(ephemeral)).toEqual([]);
        const visible = async () => (await store.readAll({ filter: { tenant } })).map((e) => `${e.stream}@${e.streamVersion}`);
        await readAllSettled(store, { filter: { tenant } }, 2);
        expect(await visible()).toEqual([`${truncated}@2`, `${kept}@0`]);

        await store.applyRetention();
        expect(await visible()).toEqual([`${truncated}@2`, `${kept}@0`]);
        // A stream keeps its version after truncation: the next append continues from it.
        expect((await store.append(truncated, [event(truncated)], { expectedVersion: 2 })).nextVersion).toBe(3);
      });
    });

    describe('subscribe', () => {
      it('catches up, then goes live, with no gap and no duplicate at the handover', async () => {
        const tenant = newTenant();
        const s = stream('machine', tenant);
        await store.append(s, Array.from({ length: 25 }, () => event(s)));
        const sub = store.subscribe({ from: 'start', filter: { tenant } });
        const first = await take(sub, 25);
        await store.append(s, [event(s), event(s)]);
        await store.appendMany([event(s)]);
        const live = await take(sub, 3);
        await sub.return();
        const all = [...first, ...live];
        expect(all.map((e) => e.streamVersion)).toEqual(Array.from({ length: 28 }, (_, i) => i));
        expectIncreasing(all);
      });

      it('from a position is exclusive; from end sees only what comes after', async () => {
        const tenant = newTenant();
        const s = stream('machine', tenant);
        const { lastPosition } = await store.append(s, [event(s), event(s)]);
        const all = await readAllSettled(store, { filter: { tenant } }, 2);
        const fromFirst = store.subscribe({ from: all[0]!.position, filter: { tenant } });
        expect((await take(fromFirst, 1))[0]!.position).toBe(lastPosition);
        await fromFirst.return();

        const fromEnd = store.subscribe({ from: 'end', filter: { tenant } });
        const next = take(fromEnd, 1);
        // 'end' is resolved when the consumer first pulls; give it time to get there.
        await sleep(200);
        const e = event(s);
        await store.append(s, [e]);
        expect((await next)[0]!.id).toBe(e.id);
        await fromEnd.return();
      });

      it('applies the filter and stops on abort', async () => {
        const tenant = newTenant();
        const controller = new AbortController();
        const s = stream('machine', tenant);
        const sub = store.subscribe({ from: 'end', filter: { tenant, types: ['alert.raised'] }, signal: controller.signal });
        const seen: RecordedEvent[] = [];
        const consumed = (async () => {
          for await (const e of sub) seen.push(e);
        })();
        await sleep(200);
        await store.appendMany([event(s), event(s, { type: 'alert.raised' }), event(s)]);
        await waitUntil(() => seen.length === 1);
        controller.abort();
        await consumed;
        expect(seen.map((e) => e.type)).toEqual(['alert.raised']);
      });

      it('N concurrent writers over M streams: every subscriber sees every event once, in one order', async () => {
        await fc.assert(
          fc.asyncProperty(
            fc.integer({ min: 1, max: 4 }),
            fc.integer({ min: 1, max: 5 }),
            fc.array(fc.array(fc.integer({ min: 1, max: 30 }), { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 4 }),
            fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 3 }),
            async (writers, streams, batchesPerWriter, starts) => {
              const tenant = newTenant();
              const names = Array.from({ length: streams }, () => stream('machine', tenant));
              const filter: SubscribeOptions['filter'] = { tenant };
              const total = batchesPerWriter.slice(0, writers).flat().reduce((a, b) => a + b, 0);

              // One subscriber is live while the writers run, so catch-up and live both see races.
              const live = store.subscribe({ from: await store.headPosition(), filter });
              const liveSeen = take(live, total, 20_000);
              await Promise.all(
                batchesPerWriter.slice(0, writers).map(async (batches, w) => {
                  for (const [i, size] of batches.entries()) {
                    const batch = Array.from({ length: size }, (_, k) => event(names[(w + i + k) % names.length]!));
                    if (i % 2 === 0) await store.appendMany(batch);
                    else for (const e of batch) await store.append(e.stream, [e]);
                  }
                }),
              );
              const order = await readAllSettled(store, { filter, limit: 10_000 }, total);
              expect(order).toHaveLength(total);
              expectIncreasing(order);
              const ids = order.map((e) => e.id);
              expect(new Set(ids).size).toBe(total);
              // Each stream's versions are dense and in the global order too.
              for (const name of names) {
                const versions = order.filter((e) => e.stream === name).map((e) => e.streamVersion);
                expect(versions).toEqual(versions.map((_, i) => i));
              }

              expect((await liveSeen).map((e) => e.id)).toEqual(ids);
              await live.return();
              for (const start of starts) {
                const index = Math.floor(start * total);
                const from = index === 0 ? 'start' : order[index - 1]!.position;
                const sub = store.subscribe({ from, filter });
                expect((await take(sub, total - index)).map((e) => e.id)).toEqual(ids.slice(index));
                await sub.return();
              }
            },
          ),
          { numRuns: 12 },
        );
      });
    });
  });
}

let counter = 0;
function newTenant(): string {
  return `t${Date.now().toString(36)}${(counter++).toString(36)}${randomUUID().slice(0, 4)}`;
}

function stream(category = 'machine', tenant = 'acme'): string {
  return `${category}-${tenant}.${randomUUID()}`;
}

function event(stream: string, overrides: Partial<NewEvent> = {}): NewEvent {
  const tenant = stream.slice(stream.indexOf('-') + 1, stream.indexOf('.'));
  return {
    id: randomUUID(),
    type: 'machine.heartbeat',
    tenant,
    stream,
    occurredAt: new Date().toISOString(),
    schemaVersion: 1,
    data: { machineId: stream, cpuPct: Math.round(Math.random() * 100) },
    ...overrides,
  };
}

/**
 * readAll once `count` events are there. A store may hold back events that committed while an
 * earlier transaction was still open (the PostgreSQL store does, cluster-wide, to be gap-safe), so
 * a read straight after an append may come back short for a moment; it never comes back with a hole.
 */
async function readAllSettled(store: EventStore, options: ReadAllOptions, count: number): Promise<RecordedEvent[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const events = await store.readAll(options);
    if (events.length >= count || Date.now() > deadline) return events;
    await sleep(20);
  }
}

function expectIncreasing(events: RecordedEvent[]) {
  for (let i = 1; i < events.length; i++) expect(events[i]!.position).toBeGreaterThan(events[i - 1]!.position);
}

/** Pulls exactly `n` events from a subscription, failing if they do not come in time. */
async function take(sub: AsyncGenerator<RecordedEvent, void, undefined>, n: number, timeoutMs = 10_000): Promise<RecordedEvent[]> {
  const got: RecordedEvent[] = [];
  const deadline = Date.now() + timeoutMs;
  while (got.length < n) {
    const next = await Promise.race([sub.next(), sleep(Math.max(0, deadline - Date.now())).then(() => 'timeout' as const)]);
    if (next === 'timeout') throw new Error(`subscription gave ${got.length} of ${n} events in ${timeoutMs} ms`);
    if (next.done) throw new Error(`subscription ended after ${got.length} of ${n} events`);
    got.push(next.value);
  }
  return got;
}

async function waitUntil(probe: () => boolean, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(10);
  }
}

function sleep(ms: number) {
  return new Promise<void>((r) => setTimeout(r, ms));
}
