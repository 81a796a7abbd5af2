import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import {
  createTestBus,
  createTestDatabase,
  startApp,
  waitFor,
  type TestBus,
  type TestDatabase,
} from '@pulse/testkit';
import {
  FleetPage,
  launchChromium,
  machine,
  projectFleet,
  publishFleetDelta,
  seedFleet,
  stackEnv,
  startWeb,
  viewports,
  type WebApp,
} from './web-harness.ts';

const ago = (s: number) => new Date(Date.now() - s * 1000).toISOString();

const demoFleet = [
  machine('web-01', { os: 'Debian 12', cpuPct: 21.5, memPct: 43, diskPct: 61.2, lastSeenAt: ago(4) }),
  machine('web-02', { os: 'Debian 12', cpuPct: 67, memPct: 58, diskPct: 62, lastSeenAt: ago(9) }),
  machine('web-03', { os: 'Debian 12', cpuPct: 93.4, memPct: 81, diskPct: 64, lastSeenAt: ago(2) }),
  machine('db-01', { os: 'Ubuntu 24.04 LTS', cpuPct: 38, memPct: 88, diskPct: 77, lastSeenAt: ago(12) }),
  machine('db-02', {
    status: 'overdue',
    os: 'Ubuntu 24.04 LTS',
    cpuPct: 12,
    memPct: 71,
    diskPct: 79,
    lastSeenAt: ago(95),
  }),
  machine('mail-01', { os: 'Rocky Linux 9', cpuPct: 8, memPct: 33, diskPct: 91.5, lastSeenAt: ago(7) }),
  machine('fs-01', {
    status: 'offline',
    os: 'Windows Server 2022',
    cpuPct: null,
    memPct: null,
    diskPct: null,
    lastSeenAt: ago(1_260),
  }),
  machine('dc-01', { os: 'Windows Server 2022', cpuPct: 17, memPct: 52, diskPct: 40, lastSeenAt: ago(15) }),
  machine('m-7f3a', {
    hostname: 'ACME-LAPTOP-114',
    os: 'Windows 11 Pro',
    cpuPct: 5,
    memPct: 61,
    diskPct: 48,
    lastSeenAt: ago(20),
  }),
  machine('backup-01', {
    status: 'overdue',
    os: 'Debian 12',
    cpuPct: 3,
    memPct: 12,
    diskPct: 88,
    lastSeenAt: ago(140),
  }),
];

describe('/fleet in Chromium', () => {
  let db: TestDatabase;
  let bus: TestBus;
  let web: WebApp;
  let browser: Browser;
  let fleet: FleetPage;
  let position = 100;

  beforeAll(async () => {
    [db, bus, browser] = await Promise.all([createTestDatabase(), createTestBus(), launchChromium()]);
    await seedFleet(db.sql, 'demo', demoFleet, position);
    // Another tenant's machine must never show on demo's board (invariant 6).
    await seedFleet(db.sql, 'acme', [machine('acme-secret-01')], position);
    web = await startWeb(stackEnv(db, bus));
    const page = await browser.newPage({ viewport: viewports.laptop });
    fleet = await new FleetPage(page, web.baseUrl).open();
  });

  afterAll(async () => {
    await browser?.close();
    await web?.app.stop();
    await Promise.all([db?.drop(), bus?.drop()]);
  });

  it('renders the snapshot: every machine of the tenant, with status badges and counts', async () => {
    await fleet.waitForRow('web-01', 'online');
    expect((await fleet.machineIds()).sort()).toEqual(demoFleet.map((m) => m.machineId).sort());
    expect(await fleet.row('fs-01').getByTestId('status-badge').textContent()).toContain('Offline');
    expect(await fleet.row('m-7f3a').textContent()).toContain('ACME-LAPTOP-114');
    expect(await fleet.row('web-01').textContent()).toMatch(/Debian 12.*22%.*43%.*61%/s);
    expect([
      await fleet.count('all'),
      await fleet.count('online'),
      await fleet.count('overdue'),
      await fleet.count('offline'),
    ]).toEqual([10, 7, 2, 1]);
    // Worst first by default.
    expect((await fleet.machineIds())[0]).toBe('fs-01');
  });

  it('shows a machine that a delta adds, within 2 s and without a reload', async () => {
    const started = Date.now();
    await projectFleet(db, bus, 'demo', [machine('web-04', { cpuPct: 44 })], ++position);
    await fleet.waitForRow('web-04', 'online', 2_000);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(await fleet.count('all')).toBe(11);
  });

  it('changes the badge when a delta changes a status, and the counts with it', async () => {
    await projectFleet(
      db,
      bus,
      'demo',
      [machine('web-02', { status: 'offline', lastSeenAt: ago(400) })],
      ++position,
    );
    await fleet.waitForRow('web-02', 'offline', 2_000);
    expect(await fleet.row('web-02').getByTestId('status-badge').textContent()).toContain('Offline');
    await waitFor(async () => (await fleet.count('offline')) === 2, {
      timeoutMs: 2_000,
      what: 'offline count 2',
    });
  });

  it("ignores a delta at or below the position it has (invariant 5) and other tenants' deltas", async () => {
    // Published without a commit: a late message from a projector that has moved on.
    await publishFleetDelta(bus, {
      tenant: 'demo',
      position: 50,
      rows: [machine('web-01', { status: 'offline' }), machine('stale-01')],
    });
    await projectFleet(db, bus, 'acme', [machine('acme-02')], ++position);
    await projectFleet(db, bus, 'demo', [machine('web-05')], ++position);
    await fleet.waitForRow('web-05', 'online');
    expect(await fleet.row('web-01').getAttribute('data-status')).toBe('online');
    expect(await fleet.row('stale-01').count()).toBe(0);
    expect(await fleet.row('acme-02').count()).toBe(0);
    expect(await fleet.row('acme-secret-01').count()).toBe(0);
    expect(await fleet.count('all')).toBe(12);
  });

  it('ticks "last seen" every second', async () => {
    const seen = fleet.row('dc-01').locator('time');
    const before = await seen.textContent();
    expect(before).toMatch(/^\d+ s ago$/);
    await waitFor(async () => (await seen.textContent()) !== before, {
      timeoutMs: 2_500,
      what: 'last seen to tick',
    });
  });

  it('sorts by a column and filters by the text box and the status tiles', async () => {
    const page = fleet.page;
    await page.getByRole('button', { name: 'Hostname' }).click();
    expect((await fleet.machineIds()).slice(0, 3)).toEqual(['m-7f3a', 'backup-01', 'db-01']);
    await page.getByRole('button', { name: 'Hostname' }).click();
    expect((await fleet.machineIds())[0]).toBe('web-05');
    await page.getByRole('button', { name: 'CPU' }).click();
    expect((await fleet.machineIds())[0]).toBe('web-03');

    await page.getByRole('searchbox').fill('windows');
    expect((await fleet.machineIds()).sort()).toEqual(['dc-01', 'fs-01', 'm-7f3a']);
    await page.getByRole('searchbox').fill('');
    await page.locator('[data-count="overdue"] button').click();
    expect((await fleet.machineIds()).sort()).toEqual(['backup-01', 'db-02']);
    await page.locator('[data-count="all"] button').click();
    expect(await fleet.machineIds()).toHaveLength(12);
    await page.getByRole('button', { name: 'Status' }).click();
    expect((await fleet.machineIds()).slice(0, 2)).toEqual(['fs-01', 'web-02']);
  });

  it('looks right on a laptop and on a wall screen', async () => {
    await fleet.screenshot('fleet');
    await fleet.screenshot('fleet-laptop');
    const wall = new FleetPage(await browser.newPage({ viewport: viewports.wall }), web.baseUrl);
    await wall.open();
    await wall.waitForRow('web-05');
    await wall.screenshot('fleet-wall');
    await wall.page.goto(`${web.baseUrl}/`);
    await wall.page.waitForSelector('[data-count="offline"] a');
    expect(await wall.page.locator('[data-count="offline"] .n').textContent()).toBe('2');
    await wall.waitForConnection('live');
    await wall.screenshot('overview');
    await wall.page.click('[data-count="offline"] a');
    await wall.page.waitForURL(/\/fleet\?status=offline$/);
    await wall.waitForRow('fs-01');
    expect((await wall.machineIds()).sort()).toEqual(['fs-01', 'web-02']);
    await wall.page.close();
  });

  it('resumes after a dropped connection with exactly the deltas it missed, not a snapshot', async () => {
    const page = fleet.page;
    await page.evaluate(() =>
      (
        globalThis as unknown as { __pulseLive: { io: { engine: { close(): void } } } }
      ).__pulseLive.io.engine.close(),
    );
    await fleet.waitForConnection('reconnecting', 5_000);
    // Committed while the browser is away; the web node hears and buffers them.
    await projectFleet(db, bus, 'demo', [machine('web-07', { cpuPct: 7 })], ++position);
    await projectFleet(db, bus, 'demo', [machine('web-01', { cpuPct: 99 })], ++position);
    await fleet.waitForConnection('live', 10_000);
    await fleet.waitForRow('web-07', 'online');
    await page.waitForSelector(`[data-position="${position}"][data-sync="resume"]`);
    expect(await fleet.row('web-01').textContent()).toMatch(/99%/);
  });

  it('shows "stale since" while the server is away, then catches up with no gap when it is back', async () => {
    expect(await web.app.stop()).toBe(0);
    await fleet.waitForConnection('reconnecting', 5_000);
    await fleet.page.waitForSelector('[data-stale="true"]');
    expect(await fleet.page.locator('[data-connection] .stale').textContent()).toMatch(
      /^stale since \d\d:\d\d:\d\d$/,
    );
    await fleet.screenshot('fleet-reconnecting');

    // The projector keeps committing before, during and after the restart; deltas published while
    // no web node runs are lost to this client, so it must take a snapshot and then keep up.
    let flowing = true;
    const flow = (async () => {
      for (let i = 0; flowing; i++) {
        await projectFleet(db, bus, 'demo', [machine(`flow-${i % 25}`, { cpuPct: i % 100 })], ++position);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    await new Promise((r) => setTimeout(r, 300));
    web = await startWeb(stackEnv(db, bus), web.port);
    await fleet.waitForConnection('live', 15_000);
    await new Promise((r) => setTimeout(r, 700));
    flowing = false;
    await flow;

    // Assert on the data: the page shows exactly the read model at its final position (a tall
    // window, so the virtualized grid renders every row).
    await fleet.page.setViewportSize({ width: 1366, height: 4000 });
    await fleet.page.waitForSelector(`[data-position="${position}"]`, { timeout: 5_000 });
    const rows = await db.sql<{ machine_id: string; status: string; cpu_pct: number | null }[]>`
      SELECT machine_id, status, cpu_pct FROM read_machines WHERE tenant = 'demo'`;
    const shown = await fleet.page.evaluate(() =>
      [...document.querySelectorAll('tbody tr[data-machine-id]')].map((tr) => [
        tr.getAttribute('data-machine-id'),
        tr.getAttribute('data-status'),
        tr.querySelector('td:nth-child(5) .num')?.textContent?.trim(),
      ]),
    );
    const pct = (v: number | null) => (v === null ? '—' : `${Math.round(v)}%`);
    expect(shown.map((r) => r.join(' ')).sort()).toEqual(
      rows.map((r) => `${r.machine_id} ${r.status} ${pct(r.cpu_pct)}`).sort(),
    );
  });

  it('refuses a tenant id that is not one', async () => {
    const res = await fleet.page.goto(`${web.baseUrl}/fleet?tenant=Not%20A%20Tenant`);
    expect(res?.status()).toBe(400);
    const acme = await new FleetPage(fleet.page, web.baseUrl).open('?tenant=acme');
    await acme.waitForRow('acme-secret-01');
    expect((await acme.machineIds()).sort()).toEqual(['acme-02', 'acme-secret-01']);
  });
});

describe('web settings', () => {
  it('stops with a message naming a bad setting', async () => {
    const app = startApp('web', { PORT: 'not-a-port', NATS_PREFIX: 'Bad Prefix' });
    const code = await new Promise<number | null>((resolve) => app.child.once('exit', resolve));
    expect(code).toBe(2);
    expect(app.output()).toMatch(/PORT:/);
    expect(app.output()).toMatch(/NATS_PREFIX:/);
  });
});
