import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@pulse/testkit';
import { addWebhookSecret } from '../src/adapters/webhook-secrets.ts';
import { createFixture, startIngest, storedCount, type Fixture, type IngestApp } from './harness.ts';

let f: Fixture;
let ingest: IngestApp;
const headerSecret = 'whs_test_header_secret';
const oldSigning = `whsec_${randomBytes(24).toString('base64')}`;
const newSigning = `whsec_${randomBytes(24).toString('base64')}`;

beforeAll(async () => {
  f = await createFixture();
  await addWebhookSecret(f.db.sql, 'acme', 'header', headerSecret);
  await addWebhookSecret(f.db.sql, 'acme', 'signing', oldSigning);
  await addWebhookSecret(f.db.sql, 'acme', 'signing', newSigning);
  ingest = await startIngest(f);
});
afterAll(async () => {
  await ingest?.app.stop();
  await f?.cleanup();
});

const fixture = (name: string) => readFileSync(new URL(`./fixtures/webhooks/${name}.json`, import.meta.url), 'utf8');

function post(path: string, body: string, headers: Record<string, string>): Promise<Response> {
  return fetch(`${ingest.url}/v1/webhooks/${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
}

async function accepted(res: Response): Promise<{ ids: string[]; types: string[] }> {
  expect(res.status).toBe(202);
  return (await res.json()) as { ids: string[]; types: string[] };
}

function signed(secret: string, body: string, at = new Date(), id = `msg_${randomUUID()}`): Record<string, string> {
  return { 'webhook-id': id, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': new Webhook(secret).sign(id, at, body) };
}

describe('secret-header webhooks', () => {
  it('Tactical RMM: raises then resolves one alert; header name in any case; a redelivery is stored once', async () => {
    const raised = await accepted(await post('tacticalrmm/acme', fixture('tacticalrmm-trigger'), { 'X-PULSE-WEBHOOK-SECRET': headerSecret }));
    const again = await accepted(await post('tacticalrmm/acme', fixture('tacticalrmm-trigger'), { 'x-pulse-webhook-secret': headerSecret }));
    expect(again.ids).toEqual(raised.ids);
    const resolved = await accepted(await post('tacticalrmm/acme', fixture('tacticalrmm-resolved'), { 'X-Pulse-Webhook-Secret': headerSecret }));
    const ids = [...raised.ids, ...resolved.ids];
    await waitFor(async () => (await storedCount(f, ids)).rows === 2, { what: 'alert raised and resolved' });
    const rows = await f.db.sql<{ type: string }[]>`SELECT type FROM events WHERE stream = 'alert-acme.tacticalrmm.4711' ORDER BY stream_version`;
    expect(rows.map((r) => r.type)).toEqual(['alert.raised', 'alert.resolved']);
  });

  it('Wazuh and Fleet (x-fleet-secret) map to catalog events', async () => {
    const wazuh = await accepted(await post('wazuh/acme', fixture('wazuh-alert'), { 'x-pulse-webhook-secret': headerSecret }));
    const fleet = await accepted(await post('fleet/acme', fixture('fleet-failing-policies'), { 'X-Fleet-Secret': headerSecret }));
    expect(fleet.types).toEqual(['alert.raised', 'machine.checked_in', 'alert.raised', 'machine.checked_in']);
    await waitFor(async () => (await storedCount(f, [...wazuh.ids, ...fleet.ids])).rows === 5, { what: 'wazuh and fleet stored' });
  });

  it('401 problem+json for a missing or wrong secret, never echoing it; 404 for an unknown source', async () => {
    for (const headers of [{}, { 'x-pulse-webhook-secret': 'wrong-secret-value' }] as Record<string, string>[]) {
      const res = await post('wazuh/acme', fixture('wazuh-alert'), headers);
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toMatch(/problem\+json/);
      expect(await res.text()).not.toContain('wrong-secret-value');
    }
    expect(ingest.app.output()).not.toContain('wrong-secret-value');
    expect((await post('nagios/acme', '{}', { 'x-pulse-webhook-secret': headerSecret })).status).toBe(404);
    expect((await post('wazuh/acme', '{"rule": 5}', { 'x-pulse-webhook-secret': headerSecret })).status).toBe(422);
  });

  it('takes a backfill of thousands of software entries in one request; sending it twice changes nothing', async () => {
    const software = Array.from({ length: 3000 }, (_, i) => ({ name: `pkg-${i}`, version: '1.0.0', publisher: 'Acme' }));
    const body = JSON.stringify({ type: 'machine.inventory_reported', data: { machineId: 'web-01', software } });
    const send = () =>
      fetch(`${ingest.url}/v1/events?wait=commit`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${f.key}`, 'idempotency-key': 'rmm-backfill-2026-11-25' },
        body,
      });
    const first = (await (await send()).json()) as { ids: string[] };
    const second = (await (await send()).json()) as { ids: string[] };
    expect(second.ids).toEqual(first.ids);
    expect(await storedCount(f, first.ids)).toEqual({ rows: 1, distinct: 1 });
  });
});

describe('Standard Webhooks (onboarding, generic)', () => {
  it('accepts a delivery signed with either secret during a rotation, and refuses its replay', async () => {
    const body = fixture('onboarding-step');
    const headers = signed(oldSigning, body);
    const ok = await accepted(await post('onboarding/acme', body, headers));
    expect(ok.types).toEqual(['onboarding.step_completed']);
    expect((await post('onboarding/acme', body, headers)).status).toBe(409);
    await accepted(await post('onboarding/acme', body, signed(newSigning, body)));
  });

  it('refuses a bad signature and a timestamp outside the 5-minute tolerance', async () => {
    const body = fixture('onboarding-step');
    const other = `whsec_${randomBytes(24).toString('base64')}`;
    expect((await post('onboarding/acme', body, signed(other, body))).status).toBe(401);
    const stale = signed(newSigning, body, new Date(Date.now() - 6 * 60_000));
    const res = await post('onboarding/acme', body, stale);
    expect(res.status).toBe(401);
    expect(await res.text()).toMatch(/timestamp/i);
  });
});
