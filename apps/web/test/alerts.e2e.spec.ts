/**
 * /alerts in Chromium against a real web node, NATS and Postgres. The write side is played by this
 * test (a NATS responder on ops.cmd.<tenant>.<command>) and so is the projector (rows + delta), so
 * each step of a command's round trip can be held and checked.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { AlertView, CommandReply } from '@pulse/events';
import { createTestBus, createTestDatabase, type TestBus, type TestDatabase } from '@pulse/testkit';
import {
  alert,
  AlertsPage,
  dropConnection,
  launchChromium,
  projectAlerts,
  screenshot,
  seedAlerts,
  stackEnv,
  startWeb,
  viewports,
  waitForConnection,
  type WebApp,
} from './web-harness.ts';

const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();

const seeded: AlertView[] = [
  alert('disk-web-01', {
    severity: 'critical',
    source: 'tacticalrmm',
    title: 'Disk C: 97% full',
    machineId: 'web-01',
    lastSeenAt: minutesAgo(2),
  }),
  alert('ssh-brute-db-01', {
    severity: 'critical',
    source: 'wazuh',
    title: 'SSH brute force from 203.0.113.7',
    machineId: 'db-01',
    count: 14,
    lastSeenAt: minutesAgo(1),
  }),
  alert('cert-expiry', {
    severity: 'warning',
    source: 'fleet',
    title: 'TLS certificate expires in 9 days',
    machineId: 'mail-01',
    lastSeenAt: minutesAgo(30),
  }),
  alert('backup-late', {
    severity: 'warning',
    source: 'tacticalrmm',
    title: 'Backup job late',
    machineId: 'backup-01',
    state: 'acknowledged',
    acknowledgedBy: 'user:ana',
    acknowledgedAt: minutesAgo(5),
  }),
  alert('ntp-drift', {
    severity: 'info',
    source: 'generic',
    title: 'NTP drift 180 ms',
    lastSeenAt: minutesAgo(50),
  }),
  alert('old-cpu', {
    severity: 'critical',
    source: 'tacticalrmm',
    title: 'CPU 100% (resolved)',
    state: 'resolved',
    resolvedBy: 'user:ana',
    resolvedAt: minutesAgo(10),
  }),
];

describe('/alerts in Chromium', () => {
  let db: TestDatabase;
  let bus: TestBus;
  let web: WebApp;
  let browser: Browser;
  let alerts: AlertsPage;
  let position = 1000;

  beforeAll(async () => {
    [db, bus, browser] = await Promise.all([createTestDatabase(), createTestBus(), launchChromium()]);
    await seedAlerts(db.sql, 'demo', seeded, position);
    await seedAlerts(db.sql, 'acme', [alert('acme-secret')], position);
    web = await startWeb(stackEnv(db, bus));
    const page = await browser.newPage({ viewport: viewports.laptop });
    page.on('console', (m) => console.log('console:', m.text()));
    page.on('pageerror', (e) => console.log('pageerror:', e.message));
    try {
      alerts = await new AlertsPage(page, web.baseUrl).open();
    } catch (e) {
      console.log(web.app.output());
      throw e;
    }
  });

  afterAll(async () => {
    await browser?.close();
    await web?.app.stop();
    await Promise.all([db?.drop(), bus?.drop()]);
  });

  it('shows open and acknowledged alerts, worst first, and filters by severity, source and state', async () => {
    await alerts.waitForRow('disk-web-01');
    expect(await alerts.fingerprints()).toEqual([
      'ssh-brute-db-01',
      'disk-web-01',
      'cert-expiry',
      'ntp-drift',
      'backup-late',
    ]);
    const page = alerts.page;
    await page.getByTestId('filter-severity').selectOption('warning');
    expect(await alerts.fingerprints()).toEqual(['cert-expiry', 'backup-late']);
    await page.getByTestId('filter-severity').selectOption('');
    await page.getByTestId('filter-source').selectOption('tacticalrmm');
    await page.getByTestId('filter-state').selectOption('all');
    expect(await alerts.fingerprints()).toEqual(['disk-web-01', 'backup-late', 'old-cpu']);
    await page.getByTestId('filter-source').selectOption('');
    await page.getByTestId('filter-state').selectOption('active');
    expect(await alerts.row('acme-secret').count()).toBe(0);
  });

  it('shows a new alert within 2 s of its delta, without a reload', async () => {
    await projectAlerts(
      db,
      bus,
      'demo',
      [
        alert('raid-degraded', {
          title: 'RAID degraded',
          source: 'fleet',
          lastSeenAt: new Date().toISOString(),
        }),
      ],
      ++position,
    );
    await alerts.waitForRow('raid-degraded', 'open', 2_000);
    expect((await alerts.fingerprints())[0]).toBe('raid-degraded');
  });

  it('acknowledge: pending until the view includes the reply position, then "Acknowledged"', async () => {
    const target = seeded[0]!;
    let received: unknown;
    let replyAt = 0;
    const sub = bus.nc.subscribe(bus.names.command('demo', 'alert.acknowledge'), {
      max: 1,
      callback: (_err, msg) => {
        received = msg.json();
        replyAt = ++position;
        msg.respond(
          JSON.stringify({
            ok: true,
            position: replyAt,
            streamVersion: 2,
            events: ['e1'],
          } satisfies CommandReply),
        );
      },
    });
    const row = alerts.row(target.fingerprint);
    await row.getByRole('button', { name: 'Acknowledge' }).click();
    await alerts.page.getByTestId('action-dialog').locator('textarea').fill('looking at it');
    await alerts.page.getByTestId('action-dialog').locator('input').fill('joao');
    await alerts.page.getByTestId('send').click();
    await row.locator('[data-outcome="pending"]').waitFor({ timeout: 2_000 });
    expect(received).toEqual({ fingerprint: target.fingerprint, by: 'user:joao', comment: 'looking at it' });

    // The reply came back, but the projector has not shown it yet: still pending.
    await new Promise((r) => setTimeout(r, 600));
    expect(await row.locator('[data-outcome]').getAttribute('data-outcome')).toBe('pending');

    await projectAlerts(
      db,
      bus,
      'demo',
      [
        {
          ...target,
          state: 'acknowledged',
          acknowledgedBy: 'user:joao',
          acknowledgedAt: new Date().toISOString(),
        },
      ],
      replyAt,
    );
    await row.locator('[data-outcome="done"]').waitFor({ timeout: 2_000 });
    expect(await row.getAttribute('data-state')).toBe('acknowledged');
    expect(await row.textContent()).toMatch(/acknowledged by joao/);
    sub.unsubscribe();
  });

  it('a conflict says who acted first', async () => {
    bus.nc.subscribe(bus.names.command('demo', 'alert.resolve'), {
      max: 1,
      callback: (_err, msg) => {
        msg.respond(
          JSON.stringify({
            ok: false,
            error: {
              code: 'conflict',
              message: 'already resolved',
              by: 'user:maria',
              at: new Date().toISOString(),
            },
          } satisfies CommandReply),
        );
      },
    });
    const row = alerts.row('cert-expiry');
    await row.getByRole('button', { name: 'Resolve' }).click();
    await alerts.page.getByTestId('send').click();
    await row.locator('[data-outcome="conflict"]').waitFor({ timeout: 3_000 });
    expect(await row.locator('[data-outcome="conflict"]').textContent()).toMatch(
      /^maria acted first \(\d\d:\d\d:\d\d\)$/,
    );
  });

  it('says the write side did not answer when nobody handles the command', async () => {
    const row = alerts.row('ntp-drift');
    await row.getByRole('button', { name: 'Note' }).click();
    await alerts.page.getByTestId('action-dialog').locator('textarea').fill('known');
    await alerts.page.getByTestId('send').click();
    await row.locator('[data-outcome="failed"]').waitFor({ timeout: 8_000 });
  });

  it('resumes after a dropped connection with the alerts raised meanwhile', async () => {
    await dropConnection(alerts.page);
    await waitForConnection(alerts.page, 'reconnecting', 5_000);
    await projectAlerts(
      db,
      bus,
      'demo',
      [alert('while-away', { title: 'Raised while away', lastSeenAt: new Date().toISOString() })],
      ++position,
    );
    await waitForConnection(alerts.page, 'live', 10_000);
    await alerts.waitForRow('while-away');
    await alerts.page.waitForSelector(`[data-position="${position}"][data-sync="resume"]`);
    await screenshot(alerts.page, 'alerts');
  });

  it('in a storm, summarizes what it does not render: "1,277 more critical from wazuh"', async () => {
    const storm = Array.from({ length: 1300 }, (_, i) =>
      alert(`storm-${String(i).padStart(4, '0')}`, {
        title: `Rootcheck anomaly #${i}`,
        machineId: `m-${i % 300}`,
        lastSeenAt: new Date(Date.now() - i * 1000).toISOString(),
      }),
    );
    position++;
    await projectAlerts(db, bus, 'demo', storm, position);
    await alerts.page.waitForSelector('[data-more="bar:critical:wazuh"]', { timeout: 5_000 });
    // 1,302 critical from wazuh (ssh-brute and while-away too), 25 shown.
    expect(await alerts.page.locator('[data-more="bar:critical:wazuh"]').textContent()).toBe(
      '1,277 more critical from wazuh',
    );
    expect(Number(await alerts.page.getByTestId('alert-list').getAttribute('data-items'))).toBeLessThan(40);
    await screenshot(alerts.page, 'alerts-storm');
    await alerts.page.click('[data-more="bar:critical:wazuh"]');
    expect(Number(await alerts.page.getByTestId('alert-list').getAttribute('data-items'))).toBe(1302);
    // Virtualized: a screenful in the DOM, not 1,301 rows.
    expect((await alerts.fingerprints()).length).toBeLessThan(60);
  });
});
