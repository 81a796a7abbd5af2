import { randomUUID } from 'node:crypto';
import { jetstream, jetstreamManager, type StoredMsg } from '@nats-io/jetstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toInboxEvent, type InboxEvent } from '@pulse/events';
import { waitFor } from '@pulse/testkit';
import { heartbeat } from './events.fixture.ts';
import { createFixture, startIngest, storedCount, tenant, type Fixture, type IngestApp } from './harness.ts';

let f: Fixture;
let recorder: IngestApp;

beforeAll(async () => {
  f = await createFixture();
  recorder = await startIngest(f, { INGEST_ROLES: 'recorder' });
});
afterAll(async () => {
  await recorder?.app.stop();
  await f?.cleanup();
});

function inboxEvent(overrides: Parameters<typeof heartbeat>[0] = {}): InboxEvent {
  const r = toInboxEvent(heartbeat(overrides), {
    tenant,
    receivedAt: new Date().toISOString(),
    newId: randomUUID,
  });
  if (!r.ok) throw new Error('fixture invalid');
  return r.value;
}

/** Publishes straight to the inbox, as an agent with NATS credentials may. */
async function publish(subject: string, body: unknown): Promise<number> {
  const data = typeof body === 'string' ? body : JSON.stringify(body);
  return (await jetstream(f.bus.nc).publish(subject, data, { msgID: randomUUID() })).seq;
}

async function deadLetters(): Promise<StoredMsg[]> {
  const jsm = await jetstreamManager(f.bus.nc);
  const { state } = await jsm.streams.info(f.bus.names.dlqStream);
  const letters: StoredMsg[] = [];
  for (let seq = state.first_seq; seq <= state.last_seq && state.messages > 0; seq++) {
    const letter = await jsm.streams.getMessage(f.bus.names.dlqStream, { seq });
    if (letter) letters.push(letter);
  }
  return letters;
}

describe('recorder', () => {
  it('records valid events published straight to NATS, and dead-letters invalid ones with their reason', async () => {
    const valid = [inboxEvent({ machineId: 'a' }), inboxEvent({ machineId: 'b' })];
    const subject = f.bus.names.inbox(tenant, 'machine.heartbeat');
    const bad = inboxEvent();
    const badSeqs = {
      json: await publish(subject, '{"id": nope'),
      field: await publish(subject, { ...bad, data: { ...bad.data, cpuPct: 101 } }),
      tenant: await publish(f.bus.names.inbox('zeta', 'machine.heartbeat'), inboxEvent()),
    };
    for (const e of valid) await publish(subject, e);

    await waitFor(
      async () =>
        (
          await storedCount(
            f,
            valid.map((e) => e.id),
          )
        ).rows === 2,
      { what: 'valid events stored' },
    );
    const letters = await waitFor(
      async () => {
        const all = await deadLetters();
        return all.length >= 3 ? all : undefined;
      },
      { what: 'three dead letters' },
    );

    const bySeq = new Map(letters.map((m) => [Number(m.header.get('Pulse-Original-Sequence')), m]));
    const json = bySeq.get(badSeqs.json)!;
    expect(json.subject).toBe(f.bus.names.dlq(tenant));
    expect(json.string()).toBe('{"id": nope');
    expect(json.header.get('Pulse-Original-Subject')).toBe(subject);
    expect(json.header.get('Pulse-Dead-Letter-Reason')).toMatch(/^body: not valid JSON/);
    expect(bySeq.get(badSeqs.field)!.header.get('Pulse-Dead-Letter-Reason')).toMatch(/^data\.cpuPct: /);
    expect(bySeq.get(badSeqs.tenant)!.subject).toBe(f.bus.names.dlq('zeta'));
    expect(bySeq.get(badSeqs.tenant)!.header.get('Pulse-Dead-Letter-Reason')).toMatch(/^tenant: /);
    expect(await storedCount(f, [bad.id])).toEqual({ rows: 0, distinct: 0 });
  });

  it('dead-letters a different event under an id the store already holds, and keeps recording', async () => {
    const first = inboxEvent({ machineId: 'c' });
    await publish(f.bus.names.inbox(tenant, first.type), first);
    await waitFor(async () => (await storedCount(f, [first.id])).rows === 1, { what: 'first stored' });
    const clash = inboxEvent({ id: first.id, machineId: 'd' });
    const after = inboxEvent({ machineId: 'e' });
    const clashSeq = await publish(f.bus.names.inbox(tenant, clash.type), clash);
    await publish(f.bus.names.inbox(tenant, after.type), after);
    await waitFor(async () => (await storedCount(f, [after.id])).rows === 1, { what: 'later event stored' });
    const letter = await waitFor(
      async () =>
        (await deadLetters()).find((m) => m.header.get('Pulse-Original-Sequence') === String(clashSeq)),
      {
        what: 'clash dead-lettered',
      },
    );
    expect(letter.header.get('Pulse-Dead-Letter-Reason')).toMatch(/^id: /);
    const [row] = await f.db.sql<{ stream: string }[]>`SELECT stream FROM events WHERE id = ${first.id}`;
    expect(row!.stream).toBe('machine-acme.c');
  });

  it('unpacks a batch message: stores its valid events and dead-letters a bad one alone, with its bytes', async () => {
    const good = [inboxEvent({ machineId: 'f' }), inboxEvent({ machineId: 'g' })];
    const bad = { ...inboxEvent(), data: { cpuPct: 'hot' } };
    const seq = await publish(f.bus.names.inboxBatch(tenant), { batchId: 'b-test', events: [good[0], bad, good[1]] });
    await waitFor(async () => (await storedCount(f, good.map((e) => e.id))).rows === 2, { what: 'batch stored' });
    const letter = await waitFor(
      async () => (await deadLetters()).find((m) => m.header.get('Pulse-Original-Sequence') === String(seq)),
      { what: 'bad batch item dead-lettered' },
    );
    expect(letter.header.get('Pulse-Original-Item')).toBe('1');
    expect(letter.json()).toEqual(bad);
  });

  it('acks everything it handled', async () => {
    const jsm = await jetstreamManager(f.bus.nc);
    await waitFor(
      async () => {
        const info = await jsm.consumers.info(f.bus.names.inboxStream, f.bus.names.recorderConsumer);
        return info.num_ack_pending === 0 && info.num_pending === 0;
      },
      { what: 'no pending messages' },
    );
  });
});
