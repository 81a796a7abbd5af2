/**
 * The foundation's vertical slice, every part real: HTTP ingest → JetStream → recorder → event
 * store → projector → read model + delta on NATS → Socket.IO → the /fleet page in Chromium.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { io, type Socket } from 'socket.io-client';
import type { ViewSnapshot } from '@pulse/events';
import { addIngestKey, generateIngestKey, upsertTenant } from '@pulse/platform';
import {
  createTestBus,
  createTestDatabase,
  freePort,
  startApp,
  type AppProcess,
  type TestBus,
  type TestDatabase,
} from '@pulse/testkit';
import {
  AlertsPage,
  FleetPage,
  launchChromium,
  screenshot,
  stackEnv,
  startWeb,
  viewports,
  type WebApp,
} from './web-harness.ts';
import { decodeSnapshot, type KeyedDelta, type SubscribeReply } from '../src/lib/live/protocol.ts';
import { initialSync, receiveDeltas, receiveSnapshot } from '../src/lib/live/view-sync.ts';

let db: TestDatabase, bus: TestBus, web: WebApp, browser: Browser, ingest: AppProcess, projector: AppProcess;
let ingestUrl: string, key: string;

beforeAll(async () => {
  [db, bus, browser] = await Promise.all([createTestDatabase(), createTestBus(), launchChromium()]);
  key = generateIngestKey('demo');
  await upsertTenant(db.sql, { id: 'demo', name: 'Demo' });
  await addIngestKey(db.sql, 'demo', key, 'test');
  const env = stackEnv(db, bus);
  const port = await freePort();
  ingestUrl = `http://127.0.0.1:${port}`;
  ingest = startApp('ingest', { ...env, INGEST_PORT: String(port) });
  projector = startApp('projector', env);
  [web] = await Promise.all([
    startWeb(env),
    ingest.waitForOutput(/ingest listening/),
    projector.waitForOutput(/projector running/),
  ]);
});

afterAll(async () => {
  await browser?.close();
  await Promise.all([web?.app.stop(), ingest?.stop(), projector?.stop()]);
  await Promise.all([db?.drop(), bus?.drop()]);
});

function heartbeat(machineId: string, cpuPct: number) {
  return {
    id: randomUUID(),
    type: 'machine.heartbeat',
    occurredAt: new Date().toISOString(),
    source: `agent:${machineId}`,
    data: {
      machineId,
      hostname: `${machineId}.example.net`,
      os: 'Debian 12',
      cpuPct,
      memPct: 43,
      diskPct: 61.2,
      uptimeS: 86400,
      agentVersion: '1.0.0',
    },
  };
}

async function post(events: unknown): Promise<Response> {
  return fetch(`${ingestUrl}/v1/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify(events),
  });
}

it('a heartbeat for a new machine appears on the open /fleet page within 2 s, without reload', async () => {
  const page = await browser.newPage({ viewport: viewports.laptop });
  const fleet = await new FleetPage(page, web.baseUrl).open();
  const navigations: string[] = [];
  page.on('framenavigated', (f) => navigations.push(f.url()));

  const res = await post(heartbeat('web-01', 21.5));
  expect(res.status).toBe(202);
  await fleet.waitForRow('web-01', 'online', 2_000);
  expect(await fleet.row('web-01').textContent()).toMatch(/web-01\.example\.net[\s\S]*Debian 12[\s\S]*22%/);

  // The same page keeps updating: a second heartbeat changes the numbers in place.
  expect((await post([heartbeat('web-01', 87), heartbeat('db-01', 5)])).status).toBe(202);
  await fleet.waitForRow('db-01', 'online', 2_000);
  await page.waitForFunction(
    () => /87%/.test(document.querySelector('tr[data-machine-id="web-01"]')?.textContent ?? ''),
    null,
    { timeout: 2_000 },
  );
  expect(navigations).toEqual([]);
  await fleet.screenshot('slice-fleet');
  await page.close();
});

it('an alert raised over HTTP shows on /alerts; acknowledging it goes through the write side and back', async () => {
  const page = await browser.newPage({ viewport: viewports.laptop });
  const alerts = await new AlertsPage(page, web.baseUrl).open();
  const raised = {
    id: randomUUID(),
    type: 'alert.raised',
    occurredAt: new Date().toISOString(),
    source: 'webhook:wazuh',
    data: {
      fingerprint: 'wazuh-5710-db-01',
      source: 'wazuh',
      severity: 'critical',
      title: 'sshd: brute force trying to get access',
      machineId: 'db-01',
    },
  };
  expect((await post(raised)).status).toBe(202);
  await alerts.waitForRow('wazuh-5710-db-01', 'open', 3_000);

  // Two technicians open the acknowledge dialog on the same open alert; bia sends first.
  const other = await browser.newPage({ viewport: viewports.laptop });
  const late = await new AlertsPage(other, web.baseUrl).open();
  await late.waitForRow('wazuh-5710-db-01', 'open');
  const row = alerts.row('wazuh-5710-db-01');
  const lateRow = late.row('wazuh-5710-db-01');
  await row.getByRole('button', { name: 'Acknowledge' }).click();
  await lateRow.getByRole('button', { name: 'Acknowledge' }).click();

  await page.getByTestId('action-dialog').locator('input').fill('bia');
  await page.getByTestId('send').click();
  await row.locator('[data-outcome="done"]').waitFor({ timeout: 5_000 });
  expect(await row.getAttribute('data-state')).toBe('acknowledged');
  expect(await row.textContent()).toMatch(/acknowledged by bia/);

  // carla's acknowledge reaches the write side second: a conflict that names who acted first.
  await other.getByTestId('action-dialog').locator('input').fill('carla');
  await other.getByTestId('send').click();
  await lateRow.locator('[data-outcome="conflict"]').waitFor({ timeout: 5_000 });
  expect(await lateRow.locator('[data-outcome="conflict"]').textContent()).toMatch(/^bia acted first/);
  await screenshot(other, 'slice-alerts-conflict');
  await screenshot(page, 'slice-alerts');
  await Promise.all([page.close(), other.close()]);
});

it('fleet rows kept live from patches are the rows a fresh snapshot reads, field for field', async () => {
  // Patches leave out what did not change, so the projector's delta rows and the snapshot's
  // rows must agree on every field (a field only one of them has would never be patched in).
  const live: Socket = io(`${web.baseUrl}/live`, { transports: ['websocket'], reconnection: false });
  let state = initialSync<'fleet'>();
  let patched = 0;
  live.on('delta', (d: KeyedDelta<'fleet'>) => {
    if (d.view !== 'fleet') return;
    state = receiveDeltas(state, [d]);
    for (const p of d.patches ?? []) patched += p.keys.length;
  });
  const subscribe = async () => {
    const res = (await live.emitWithAck('subscribe', { view: 'fleet', tenant: 'demo' })) as SubscribeReply;
    if (!res.ok || res.mode !== 'snapshot') throw new Error(`no snapshot: ${JSON.stringify(res)}`);
    return decodeSnapshot(res.snapshot) as ViewSnapshot<'fleet'>;
  };
  state = receiveSnapshot(state, await subscribe());

  for (let round = 1; round <= 3; round++) {
    const hb = heartbeat('app-01', 10 * round);
    expect((await post([hb, { ...heartbeat('app-02', round), occurredAt: hb.occurredAt }])).status).toBe(202);
    // Each round in an emit of its own: rounds 2 and 3 reach the client as patches.
    await expect.poll(() => state.data?.rows.get('app-01')?.cpuPct, { timeout: 5_000 }).toBe(10 * round);
    await expect.poll(() => state.data?.rows.get('app-02')?.cpuPct, { timeout: 5_000 }).toBe(round);
  }
  expect(patched).toBeGreaterThanOrEqual(4);
  // A second subscriber's snapshot, once it is at the same position as the rows kept live.
  let fresh = await subscribe();
  for (let i = 0; i < 20 && fresh.position !== state.data?.position; i++) fresh = await subscribe();
  expect(fresh.position).toBe(state.data?.position);
  expect(Object.fromEntries(state.data!.rows)).toEqual(
    Object.fromEntries(fresh.rows.map((r) => [r.machineId, r])),
  );
  live.close();
});
