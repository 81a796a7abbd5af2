import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { headers as natsHeaders } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { toInboxEvent } from '@pulse/events';
import { waitFor } from '@pulse/testkit';
import { heartbeat } from './events.fixture.ts';
import { createFixture, startIngest, storedCount, tenant, type Fixture, type IngestApp } from './harness.ts';

const run = promisify(execFile);
const repoRoot = path.resolve(import.meta.dirname, '../../..');
let f: Fixture;
let ingest: IngestApp;

beforeAll(async () => {
  f = await createFixture();
  ingest = await startIngest(f, { INGEST_ROLES: 'recorder' });
});
afterAll(async () => {
  await ingest?.app.stop();
  await f?.cleanup();
});

const dlq = (...args: string[]) =>
  run(process.execPath, ['--import', 'tsx', 'apps/ingest/src/dlq-cli.ts', ...args], {
    cwd: repoRoot,
    env: { ...process.env, NATS_URL: f.bus.url, NATS_PREFIX: f.bus.prefix },
  });

it('npm run dlq -- list shows dead letters with their reason; replay re-drives them into the store', async () => {
  const js = jetstream(f.bus.nc);
  await js.publish(f.bus.names.inbox(tenant, 'machine.heartbeat'), '{"not": "an event"}', { msgID: randomUUID() });
  // A valid event that an older recorder had dead-lettered (as a batch item): replay must store it.
  const ok = toInboxEvent(heartbeat(), { tenant, receivedAt: new Date().toISOString(), newId: randomUUID });
  if (!ok.ok) throw new Error('fixture invalid');
  const h = natsHeaders();
  h.set('Pulse-Dead-Letter-Reason', 'store: simulated outage');
  h.set('Pulse-Original-Subject', f.bus.names.inboxBatch(tenant));
  h.set('Pulse-Original-Sequence', '1');
  h.set('Pulse-Original-Item', '0');
  await js.publish(f.bus.names.dlq(tenant), JSON.stringify(ok.value), { headers: h });

  await waitFor(async () => (await dlq('list', '--json')).stdout.includes('(root)'), { what: 'bad message in the DLQ', timeoutMs: 20_000 });
  const listed = JSON.parse((await dlq('list', '--json')).stdout) as { seq: number; reason: string; item?: string }[];
  expect(listed).toHaveLength(2);
  const simulated = listed.find((l) => l.item === '0')!;
  expect((await dlq('replay', '--seq', String(simulated.seq))).stdout).toMatch(/replayed 1/);
  await waitFor(async () => (await storedCount(f, [ok.value.id])).rows === 1, { what: 'replayed event stored' });
  const after = JSON.parse((await dlq('list', '--json')).stdout) as unknown[];
  expect(after).toHaveLength(1);
});
