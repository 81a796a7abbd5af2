import { randomUUID } from 'node:crypto';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toInboxEvent } from '@pulse/events';
import { provisionBus } from '@pulse/platform';
import { waitFor } from '@pulse/testkit';
import { heartbeat } from './events.fixture.ts';
import {
  accepted,
  createFixture,
  postEvents,
  startIngest,
  storedCount,
  tenant,
  type Fixture,
  type IngestApp,
  type ProblemBody,
} from './harness.ts';

let f: Fixture;
let ingest: IngestApp;

beforeAll(async () => {
  f = await createFixture();
  ingest = await startIngest(f);
});
afterAll(async () => {
  await ingest?.app.stop();
  await f?.cleanup();
});

async function inboxMessages(): Promise<number> {
  const jsm = await jetstreamManager(f.bus.nc);
  return (await jsm.streams.info(f.bus.names.inboxStream)).state.messages;
}

async function expectProblem(res: Response, status: number): Promise<ProblemBody> {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const problem = (await res.json()) as ProblemBody;
  expect(problem).toMatchObject({
    type: expect.stringMatching(/^urn:pulse:problem:/),
    title: expect.any(String),
    status,
    detail: expect.any(String),
  });
  return problem;
}

describe('POST /v1/events rejects bad input with problem+json and publishes nothing of it', () => {
  let before: number;
  beforeAll(async () => {
    before = await inboxMessages();
  });
  afterAll(async () => {
    expect(await inboxMessages()).toBe(before);
  });

  it('401 without a key or with an unknown one', async () => {
    const missing = await postEvents(ingest.url, heartbeat());
    expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await expectProblem(missing, 401)).detail).toMatch(/Authorization: Bearer/);
    await expectProblem(await postEvents(ingest.url, heartbeat(), { key: 'pk_acme_wrong' }), 401);
  });

  it('400 for malformed JSON, and for a bad NDJSON line naming its index', async () => {
    expect(
      (await expectProblem(await postEvents(ingest.url, '[{"type":', { key: f.key }), 400)).detail,
    ).toMatch(/not valid JSON/);
    const ndjson = [JSON.stringify(heartbeat()), JSON.stringify(heartbeat()), '{"type": nope}'].join('\n');
    const problem = await expectProblem(
      await postEvents(ingest.url, ndjson, { key: f.key, contentType: 'application/x-ndjson' }),
      400,
    );
    expect(problem.errors).toEqual([
      { index: 2, path: '(root)', message: expect.stringMatching(/not valid JSON/) },
    ]);
  });

  it('415 for another content type', async () => {
    const problem = await expectProblem(
      await postEvents(ingest.url, JSON.stringify(heartbeat()), { key: f.key, contentType: 'text/plain' }),
      415,
    );
    expect(problem.detail).toMatch(/application\/json/);
  });

  it('413 for a body over the 1 MiB limit', async () => {
    const big = Array.from({ length: 4000 }, () => heartbeat({ data: { loggedInUser: 'x'.repeat(200) } }));
    expect(JSON.stringify(big).length).toBeGreaterThan(1024 * 1024);
    expect((await expectProblem(await postEvents(ingest.url, big, { key: f.key }), 413)).detail).toMatch(
      /1048576 bytes/,
    );
  });

  it('413 for more than 5000 events', async () => {
    const problem = await expectProblem(
      await postEvents(
        ingest.url,
        Array.from({ length: 5001 }, () => ({})),
        { key: f.key },
      ),
      413,
    );
    expect(problem).toMatchObject({
      maxEvents: 5000,
      detail: expect.stringMatching(/at most 5000 events; this one has 5001/),
    });
  });

  it('422 naming the index and field of each invalid event; the valid ones are not published either', async () => {
    const events = [
      heartbeat(),
      heartbeat(),
      heartbeat(),
      heartbeat({ data: { cpuPct: 180 } }),
      { ...heartbeat(), type: 'machine.exploded' },
    ];
    const problem = await expectProblem(await postEvents(ingest.url, events, { key: f.key }), 422);
    expect(problem.errors).toEqual([
      { index: 3, path: 'data.cpuPct', message: expect.any(String) },
      { index: 4, path: 'type', message: 'unknown event type "machine.exploded"' },
    ]);
    expect(
      await storedCount(
        f,
        events.map((e) => e.id),
      ),
    ).toEqual({ rows: 0, distinct: 0 });
  });

  it('422 for an empty array and for an envelope field it does not know', async () => {
    await expectProblem(await postEvents(ingest.url, [], { key: f.key }), 422);
    const problem = await expectProblem(
      await postEvents(ingest.url, { ...heartbeat(), tenant: 'other' }, { key: f.key }),
      422,
    );
    expect(problem.errors?.[0]).toMatchObject({ index: 0, path: '(root)' });
  });
});

describe('POST /v1/events accepts valid events', () => {
  it('202 for an array, then every event is in the store under the key’s tenant', async () => {
    const events = Array.from({ length: 50 }, (_, i) => heartbeat({ machineId: `m-${i % 5}` }));
    const res = await postEvents(ingest.url, events, { key: f.key });
    expect(res.status).toBe(202);
    const body = await accepted(res);
    expect(body).toEqual({
      accepted: 50,
      ids: events.map((e) => e.id),
      results: events.map((e, index) => ({ index, id: e.id, status: 'accepted' })),
    });
    await waitFor(async () => (await storedCount(f, body.ids)).rows === 50, { what: '50 events stored' });
    const [row] = await f.db
      .sql`SELECT tenant, stream, data, metadata FROM events WHERE id = ${events[0]!.id}`;
    expect(row).toMatchObject({
      tenant,
      stream: 'machine-acme.m-0',
      data: { machineId: 'm-0', cpuPct: 21.5 },
      metadata: { source: 'agent:m-0', receivedAt: expect.any(String) },
    });
  });

  it('202 for one object and for NDJSON; ids are generated when the client sends none', async () => {
    const { id: _, ...noId } = heartbeat();
    const one = await postEvents(ingest.url, noId, { key: f.key });
    expect(one.status).toBe(202);
    const ndjson = `${JSON.stringify(heartbeat())}\n${JSON.stringify(heartbeat())}\n`;
    const many = await postEvents(ingest.url, ndjson, {
      key: f.key,
      contentType: 'application/x-ndjson; charset=utf-8',
    });
    expect(many.status).toBe(202);
    const ids = [...(await accepted(one)).ids, ...(await accepted(many)).ids];
    expect(ids).toHaveLength(3);
    await waitFor(async () => (await storedCount(f, ids)).rows === 3, { what: '3 events stored' });
  });

  it('stores an event once: the same event POSTed three times and redelivered under another msg id', async () => {
    const event = heartbeat();
    for (let i = 0; i < 3; i++)
      expect((await postEvents(ingest.url, event, { key: f.key })).status).toBe(202);
    // As if JetStream's duplicate window had passed: the same event under a new Nats-Msg-Id.
    const inbox = toInboxEvent(event, { tenant, receivedAt: new Date().toISOString(), newId: randomUUID });
    if (!inbox.ok) throw new Error('fixture invalid');
    await jetstream(f.bus.nc).publish(f.bus.names.inbox(tenant, event.type), JSON.stringify(inbox.value), {
      msgID: randomUUID(),
    });
    const marker = heartbeat();
    expect((await postEvents(ingest.url, marker, { key: f.key })).status).toBe(202);
    // The marker was published after the redelivery, so once it is stored the redelivery is handled.
    await waitFor(async () => (await storedCount(f, [marker.id])).rows === 1, { what: 'marker stored' });
    expect(await storedCount(f, [event.id])).toEqual({ rows: 1, distinct: 1 });
  });
});

describe('one JetStream message per request', () => {
  it('publishes a request of 500 events as one batch message, and a retry of it is dropped as a duplicate', async () => {
    const before = await inboxMessages();
    const events = Array.from({ length: 500 }, (_, i) => heartbeat({ machineId: `b-${i % 20}` }));
    for (let i = 0; i < 2; i++) expect((await postEvents(ingest.url, events, { key: f.key })).status).toBe(202);
    expect(await inboxMessages()).toBe(before + 1);
    const ids = events.map((e) => e.id);
    await waitFor(async () => (await storedCount(f, ids)).rows === 500, { what: '500 events stored' });
  });

  it('?wait=commit answers 201 with each event’s global position once the store has committed it', async () => {
    const events = Array.from({ length: 20 }, (_, i) => heartbeat({ machineId: `w-${i % 4}` }));
    const res = await fetch(`${ingest.url}/v1/events?wait=commit`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${f.key}` },
      body: JSON.stringify(events),
    });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { committed: number; results: { id: string; position: number }[] };
    expect(body.committed).toBe(20);
    const rows = await f.db.sql<{ id: string; position: number }[]>`
      SELECT id::text, position FROM events WHERE id = ANY(${events.map((e) => e.id)}::uuid[])`;
    const stored = new Map(rows.map((r) => [r.id, r.position]));
    for (const r of body.results) expect(r.position).toBe(stored.get(r.id));
  });

  it('Idempotency-Key: events without ids get the same ids on a retry and are stored once', async () => {
    const { id: _a, ...a } = heartbeat({ machineId: 'idem-a' });
    const { id: _b, ...b } = heartbeat({ machineId: 'idem-b' });
    const send = (key: string) =>
      fetch(`${ingest.url}/v1/events?wait=commit`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${f.key}`, 'idempotency-key': key },
        body: JSON.stringify([a, b]),
      });
    const first = (await (await send('backfill-7')).json()) as { ids: string[] };
    const again = (await (await send('backfill-7')).json()) as { ids: string[] };
    const other = (await (await send('backfill-8')).json()) as { ids: string[] };
    expect(again.ids).toEqual(first.ids);
    expect(other.ids).not.toEqual(first.ids);
    expect(await storedCount(f, first.ids)).toEqual({ rows: 2, distinct: 2 });
    await expectProblem(await send('has space'), 400);
  });
});

describe('a duplicate flood', () => {
  it('stores each event once: the same batch POSTed 20 times at once, overlapping subsets, and NATS resends', async () => {
    const events = Array.from({ length: 200 }, (_, i) => heartbeat({ machineId: `dup-${i % 10}` }));
    const ids = events.map((e) => e.id);
    const posts = [
      ...Array.from({ length: 20 }, () => events),
      events.slice(0, 120),
      events.slice(80),
      [...events].reverse(),
    ].map((body) => postEvents(ingest.url, body, { key: f.key }));
    expect((await Promise.all(posts)).map((r) => r.status)).toEqual(Array(23).fill(202));
    const js = jetstream(f.bus.nc);
    for (const e of events.slice(0, 20)) {
      const inbox = toInboxEvent(e, { tenant, receivedAt: new Date().toISOString(), newId: randomUUID });
      if (!inbox.ok) throw new Error('fixture invalid');
      await js.publish(f.bus.names.inbox(tenant, e.type), JSON.stringify(inbox.value), { msgID: randomUUID() });
    }
    const marker = heartbeat();
    expect((await postEvents(ingest.url, marker, { key: f.key })).status).toBe(202);
    await waitFor(async () => (await storedCount(f, [marker.id, ...ids])).rows === 201, { what: 'flood stored' });
    expect(await storedCount(f, ids)).toEqual({ rows: 200, distinct: 200 });
  });
});

describe('fuzzing the running edge', () => {
  it('answers random bodies, headers and content types with 2xx or problem+json, never 500, and stays up', async () => {
    const body = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 300 }),
      fc.json({ maxDepth: 4 }),
      fc.constant('['.repeat(5000) + ']'.repeat(5000)),
      fc.constant(JSON.stringify({ ...heartbeat(), __proto__: { polluted: true }, constructor: { prototype: { x: 1 } } })),
    );
    const contentType = fc.constantFrom('application/json', 'application/x-ndjson', 'text/plain', 'application/json; charset=latin1', '');
    await fc.assert(
      fc.asyncProperty(body, contentType, fc.boolean(), async (text, type, withKey) => {
        const res = await fetch(`${ingest.url}/v1/events`, {
          method: 'POST',
          headers: { ...(type && { 'content-type': type }), ...(withKey && { authorization: `Bearer ${f.key}` }) },
          body: text,
        });
        expect(res.status).not.toBe(500);
        if (res.status >= 400) expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        await res.arrayBuffer();
      }),
      { numRuns: 120 },
    );
    expect((await fetch(`${ingest.url}/healthz`)).status).toBe(200);
  });
});

describe('health, readiness and metrics', () => {
  it('is alive and ready', async () => {
    expect(await (await fetch(`${ingest.url}/healthz`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${ingest.url}/readyz`);
    expect(ready.status).toBe(200);
  });

  it('exposes Prometheus metrics with the ingest counters', async () => {
    const res = await fetch(`${ingest.url}/metrics`);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    expect(text).toMatch(/^pulse_ingest_events_accepted_total \d+/m);
    expect(text).toMatch(/^pulse_ingest_events_rejected_total\{reason="invalid"\} \d+/m);
    expect(text).toMatch(/^pulse_recorder_events_appended_total \d+/m);
    expect(text).toMatch(/^pulse_recorder_append_batch_seconds_count \d+/m);
    expect(text).toMatch(/^process_cpu_user_seconds_total/m);
  });

  it('serves the OpenAPI document at /docs', async () => {
    const res = await fetch(`${ingest.url}/docs`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ openapi: '3.1.0', paths: { '/v1/events': expect.any(Object) } });
  });

  it('answers an unknown route with a problem', async () => {
    await expectProblem(await fetch(`${ingest.url}/v2/nothing`), 404);
  });
});

describe('when JetStream refuses the publish', () => {
  it('answers 503 problem+json, and recovers when the stream is back', async () => {
    const jsm = await jetstreamManager(f.bus.nc);
    await jsm.streams.delete(f.bus.names.inboxStream);
    try {
      const problem = await expectProblem(await postEvents(ingest.url, heartbeat(), { key: f.key }), 503);
      expect(problem.type).toBe('urn:pulse:problem:bus-unavailable');
    } finally {
      await provisionBus(f.bus.nc, f.bus.names);
    }
    const event = heartbeat();
    expect((await postEvents(ingest.url, event, { key: f.key })).status).toBe(202);
    await waitFor(async () => (await storedCount(f, [event.id])).rows === 1, {
      timeoutMs: 20_000,
      what: 'recorder recovered',
    }).catch((e) => {
      console.log(ingest.app.output().split('\n').slice(-30).join('\n'));
      throw e;
    });
  });
});
