import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandReply } from '@pulse/events';
import { createFixture, startIngest, tenant, type Fixture, type IngestApp } from './harness.ts';

let f: Fixture;
let ingest: IngestApp;

beforeAll(async () => {
  f = await createFixture();
  ingest = await startIngest(f);
  await ingest.app.waitForOutput(/commands listening/);
});
afterAll(async () => {
  await ingest?.app.stop();
  await f?.cleanup();
});

async function raise(fingerprint: string): Promise<void> {
  const res = await fetch(`${ingest.url}/v1/events?wait=commit`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${f.key}` },
    body: JSON.stringify({
      id: randomUUID(),
      type: 'alert.raised',
      data: { fingerprint, source: 'wazuh', severity: 'critical', title: 'disk full' },
    }),
  });
  expect(res.status).toBe(201);
}

async function command(name: string, payload: unknown, t = tenant): Promise<CommandReply> {
  const msg = await f.bus.nc.request(f.bus.names.command(t, name), JSON.stringify(payload), { timeout: 5000 });
  return msg.json<CommandReply>();
}

describe('alert commands over NATS request/reply', () => {
  it('acknowledges an open alert once; the second acknowledge is a conflict naming who acted first', async () => {
    await raise('fp-1');
    const first = await command('alert.acknowledge', { fingerprint: 'fp-1', by: 'user:ana' });
    expect(first).toMatchObject({ ok: true, position: expect.any(Number), streamVersion: 1 });
    const second = await command('alert.acknowledge', { fingerprint: 'fp-1', by: 'user:bo' });
    expect(second).toMatchObject({ ok: false, error: { code: 'conflict', by: 'user:ana', at: expect.any(String) } });
    const [row] = await f.db.sql`SELECT type, data FROM events WHERE stream = 'alert-acme.fp-1' ORDER BY stream_version DESC LIMIT 1`;
    expect(row).toMatchObject({ type: 'alert.acknowledged', data: { by: 'user:ana' } });
  });

  it('lets exactly one of two concurrent resolves win', async () => {
    await raise('fp-2');
    const replies = await Promise.all([
      command('alert.resolve', { fingerprint: 'fp-2', by: 'user:ana' }),
      command('alert.resolve', { fingerprint: 'fp-2', by: 'user:bo' }),
    ]);
    expect(replies.filter((r) => r.ok)).toHaveLength(1);
    expect(replies.find((r) => !r.ok)).toMatchObject({ error: { code: 'conflict' } });
    expect(await command('alert.annotate', { fingerprint: 'fp-2', by: 'user:cy', note: 'post-mortem' })).toMatchObject({ ok: true });
  });

  it('answers not_found for an unknown alert and invalid for a bad payload', async () => {
    expect(await command('alert.acknowledge', { fingerprint: 'nope', by: 'user:ana' })).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });
    expect(await command('alert.annotate', { fingerprint: 'fp-1', by: 'user:ana' })).toMatchObject({
      ok: false,
      error: { code: 'invalid', message: expect.stringMatching(/note/) },
    });
  });
});
