/**
 * The overview (and its wall mode), /funnel, /telemetry and /tickets in Chromium, and the language
 * choice. The projector is played by the test: rows and checkpoint in one transaction, then the
 * delta on NATS, so each page is checked for live updates and for resuming after a dropped
 * connection with what it missed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { FunnelView, TelemetryPointView, TicketView } from '@pulse/events';
import { createTestBus, createTestDatabase, type TestBus, type TestDatabase } from '@pulse/testkit';
import {
  alert,
  dropConnection,
  launchChromium,
  machine,
  projectAlerts,
  publishDelta,
  screenshot,
  seedAlerts,
  seedFleet,
  seedRows,
  stackEnv,
  startWeb,
  viewports,
  waitForConnection,
  type WebApp,
} from './web-harness.ts';

const today = new Date().toISOString().slice(0, 10);
const ago = (ms: number) => new Date(Date.now() - ms).toISOString();

function funnel(cohort: string, reached: number[], abandoned = 0): FunnelView {
  const names = ['signup', 'verify_email', 'add_machine', 'first_heartbeat', 'invite_team'];
  return {
    cohort,
    started: reached[0] ?? 0,
    completed: reached.at(-1) ?? 0,
    abandoned,
    steps: names.map((step, i) => ({
      step,
      reached: reached[i] ?? 0,
      conversionFromPrevious: i === 0 ? 1 : (reached[i] ?? 0) / (reached[i - 1] || 1),
      conversionOverall: (reached[i] ?? 0) / (reached[0] || 1),
      medianMsFromPrevious: i === 0 ? null : 60_000 * i * 3,
      p90MsFromPrevious: i === 0 ? null : 60_000 * i * 11,
      abandoned: i === 2 ? abandoned : 0,
    })),
    abandonedJourneys: Array.from({ length: abandoned }, (_, i) => ({
      journeyId: `j-${i}`,
      accountId: `acct-${100 + i}`,
      accountName: ['Padaria Estrela', 'Oficina Central', 'Clínica Sorriso'][i % 3]!,
      lastStep: 'verify_email',
      lastStepAt: ago(7_200_000 + i * 60_000),
      abandonedAt: ago(3_600_000),
      idleS: 7200 + i * 60,
    })),
  };
}
const funnelRow = (f: FunnelView) => ({
  tenant: 'demo',
  cohort: f.cohort,
  steps: f.steps,
  started: f.started,
  completed: f.completed,
  abandoned: f.abandoned,
  abandoned_journeys: f.abandonedJourneys,
});

function points(
  subject: string,
  metric: string,
  unit: string,
  n: number,
  endMinute: number,
  f: (i: number) => number,
): TelemetryPointView[] {
  const end = Math.floor(Date.now() / 60_000) * 60_000 - endMinute * 60_000;
  return Array.from({ length: n }, (_, i) => {
    const v = f(i);
    return {
      subject,
      metric,
      resolution: '1m' as const,
      bucketStart: new Date(end - (n - 1 - i) * 60_000).toISOString(),
      min: v - 5,
      max: v + 7,
      avg: v,
      last: v,
      count: 6,
      unit,
    };
  });
}
const telemetryRow = (p: TelemetryPointView) => ({
  tenant: 'demo',
  subject: p.subject,
  metric: p.metric,
  resolution: p.resolution,
  bucket_start: p.bucketStart,
  min: p.min,
  max: p.max,
  sum: p.avg * p.count,
  count: p.count,
  last: p.last,
  last_at: p.bucketStart,
  unit: p.unit,
});

function ticket(ticketId: string, patch: Partial<TicketView> = {}): TicketView {
  return {
    ticketId,
    title: `Ticket ${ticketId}`,
    priority: 'normal',
    origin: { kind: 'manual' } as unknown as TicketView['origin'],
    machineId: null,
    status: 'open',
    owner: 'automation',
    openedAt: ago(3_600_000),
    openedBy: 'automation',
    slaDueAt: ago(-7_200_000),
    slaBreachedAt: null,
    escalated: false,
    resolvedAt: null,
    resolution: null,
    lastActivityAt: ago(600_000),
    timelineLength: 1,
    ...patch,
  };
}
const ticketRow = (tk: TicketView) => ({
  tenant: 'demo',
  ticket_id: tk.ticketId,
  title: tk.title,
  priority: tk.priority,
  origin: tk.origin,
  machine_id: tk.machineId,
  status: tk.status,
  owner: tk.owner,
  opened_at: tk.openedAt,
  opened_by: tk.openedBy,
  sla_due_at: tk.slaDueAt,
  sla_breached_at: tk.slaBreachedAt,
  escalated: tk.escalated,
  resolved_at: tk.resolvedAt,
  resolution: tk.resolution,
  last_activity_at: tk.lastActivityAt,
  timeline_length: tk.timelineLength,
});

describe('overview, funnel, telemetry and tickets in Chromium', () => {
  let db: TestDatabase;
  let bus: TestBus;
  let web: WebApp;
  let browser: Browser;
  let page: Page;
  let position = 500;

  const cpu = points('web-01', 'cpu.usage', '%', 60, 1, (i) => 30 + 20 * Math.sin(i / 6));
  const load = points('web-01', 'load.1m', '', 60, 1, (i) => 1 + (i % 10) / 10);

  beforeAll(async () => {
    [db, bus, browser] = await Promise.all([createTestDatabase(), createTestBus(), launchChromium()]);
    await seedFleet(
      db.sql,
      'demo',
      [
        machine('web-01', { customer: 'Padaria Estrela', site: 'Matriz' }),
        machine('web-02', { status: 'overdue', lastSeenAt: ago(120_000) }),
        machine('fs-01', {
          status: 'offline',
          lastSeenAt: ago(1_800_000),
          cpuPct: null,
          memPct: null,
          diskPct: null,
        }),
      ],
      position,
    );
    await seedAlerts(
      db.sql,
      'demo',
      [
        alert('disk-web-01', { title: 'Disk C: 97% full', source: 'tacticalrmm', machineId: 'web-01' }),
        alert('cert', { severity: 'warning', title: 'TLS certificate expires in 9 days' }),
      ],
      position,
    );
    await seedRows(
      db.sql,
      'read_funnel',
      ['tenant', 'cohort'],
      [
        funnelRow(funnel('all', [120, 104, 77, 61, 33], 3)),
        funnelRow(funnel(`day:${today}`, [12, 10, 7, 6, 3], 2)),
      ],
      'funnel',
      position,
    );
    await seedRows(
      db.sql,
      'read_telemetry',
      ['tenant', 'subject', 'metric', 'resolution', 'bucket_start'],
      [...cpu, ...load].map(telemetryRow),
      'telemetry',
      position,
    );
    await seedRows(
      db.sql,
      'read_tickets',
      ['tenant', 'ticket_id'],
      [
        ticketRow(
          ticket('T-1001', {
            title: 'Disk full on web-01',
            priority: 'urgent',
            slaDueAt: ago(600_000),
            owner: 'user:ana',
          }),
        ),
        ticketRow(ticket('T-1002', { title: 'Backup late', priority: 'high', slaDueAt: ago(-1_200_000) })),
        ticketRow(ticket('T-1003', { title: 'New laptop', priority: 'low', slaDueAt: ago(-86_400_000) })),
      ],
      'tickets',
      position,
    );
    web = await startWeb(stackEnv(db, bus));
    page = await browser.newPage({ viewport: viewports.wall });
    page.on('pageerror', (e) => console.log('pageerror:', e.message));
    page.on('console', (m) => m.type() === 'warning' && console.log('console:', m.text()));
  });

  afterAll(async () => {
    await browser?.close();
    await web?.app.stop();
    await Promise.all([db?.drop(), bus?.drop()]);
  });

  it("overview: fleet, alerts by severity, today's funnel, tickets near SLA; live; wall mode", async () => {
    await page.goto(`${web.baseUrl}/`);
    await waitForConnection(page, 'live');
    await page.waitForSelector('[data-count="offline"] .n');
    expect(await page.locator('[data-open="critical"] .n').textContent()).toBe('1');
    expect(await page.getByTestId('today-funnel').textContent()).toMatch(
      /12\s*started.*3\s*completed.*2\s*abandoned/s,
    );
    expect(
      await page
        .locator('[data-testid="sla-tickets"] [data-ticket]')
        .evaluateAll((els) => els.map((e) => e.getAttribute('data-ticket'))),
    ).toEqual(['T-1001', 'T-1002']);
    await projectAlerts(
      db,
      bus,
      'demo',
      [alert('raid', { title: 'RAID degraded on fs-01', lastSeenAt: new Date().toISOString() })],
      ++position,
    );
    await page.waitForSelector('[data-testid="critical-list"] [data-fingerprint="raid"]', { timeout: 2_000 });
    expect(await page.locator('[data-open="critical"] .n').textContent()).toBe('2');
    await screenshot(page, 'overview-live');

    await page.goto(`${web.baseUrl}/?wall=1`);
    await waitForConnection(page, 'live');
    await page.waitForSelector('[data-testid="critical-list"] [data-fingerprint="raid"]');
    expect(await page.locator('nav').count()).toBe(0);
    await screenshot(page, 'overview-wall');
  });

  it('funnel: steps with conversion and phase timing, the abandoned list; live; resumes after a drop', async () => {
    await page.goto(`${web.baseUrl}/funnel`);
    await waitForConnection(page, 'live');
    await page.waitForSelector('[data-step="add_machine"][data-reached="77"]');
    expect(await page.locator('[data-step="add_machine"]').textContent()).toMatch(
      /74(\.0)?%.*64(\.2)?%.*6 min.*22 min/s,
    );
    expect(await page.locator('[data-testid="abandoned"] [data-journey]').count()).toBe(3);
    await publishDelta(bus, 'funnel', 'demo', ++position, [funnel('all', [121, 105, 78, 61, 33], 3)]);
    await page.waitForSelector('[data-step="add_machine"][data-reached="78"]', { timeout: 2_000 });
    await dropConnection(page);
    await waitForConnection(page, 'reconnecting', 5_000);
    await seedRows(
      db.sql,
      'read_funnel',
      ['tenant', 'cohort'],
      [funnelRow(funnel('all', [125, 106, 79, 62, 34], 4))],
      'funnel',
      ++position,
    );
    await publishDelta(bus, 'funnel', 'demo', position, [funnel('all', [125, 106, 79, 62, 34], 4)]);
    await waitForConnection(page, 'live', 10_000);
    await page.waitForSelector('[data-step="add_machine"][data-reached="79"]');
    await page.waitForSelector(`[data-testid="funnel-steps"][data-position="${position}"]`);
    expect(await page.locator('[data-testid="abandoned"] [data-journey]').count()).toBe(4);
    await screenshot(page, 'funnel');
  });

  it('telemetry: a uPlot chart per metric that appends live', async () => {
    await page.goto(`${web.baseUrl}/telemetry?subject=web-01`);
    await waitForConnection(page, 'live');
    await page.waitForSelector('[data-metric="cpu.usage"][data-points="60"] canvas');
    expect(await page.locator('figure[data-metric]').count()).toBe(2);
    const next = points('web-01', 'cpu.usage', '%', 1, 0, () => 88)[0]!;
    await publishDelta(bus, 'telemetry', 'demo', ++position, [next]);
    await page.waitForSelector('[data-metric="cpu.usage"][data-points="61"]', { timeout: 2_000 });
    // Another machine's points never reach this chart.
    await publishDelta(
      bus,
      'telemetry',
      'demo',
      ++position,
      points('web-02', 'cpu.usage', '%', 3, 0, () => 5),
    );
    await new Promise((r) => setTimeout(r, 300));
    expect(await page.locator('[data-metric="cpu.usage"]').getAttribute('data-points')).toBe('61');

    // A subject's room is not buffered, so a reconnect takes a fresh snapshot: nothing is lost.
    await seedRows(
      db.sql,
      'read_telemetry',
      ['tenant', 'subject', 'metric', 'resolution', 'bucket_start'],
      [telemetryRow(next)],
      'telemetry',
      position,
    );
    await dropConnection(page);
    await waitForConnection(page, 'reconnecting', 5_000);
    const away = points('web-01', 'load.1m', '', 1, 0, () => 3.5)[0]!;
    await seedRows(
      db.sql,
      'read_telemetry',
      ['tenant', 'subject', 'metric', 'resolution', 'bucket_start'],
      [telemetryRow(away)],
      'telemetry',
      ++position,
    );
    await publishDelta(bus, 'telemetry', 'demo', position, [away]);
    await waitForConnection(page, 'live', 10_000);
    await page.waitForSelector('[data-metric="load.1m"][data-points="61"]');
    expect(await page.locator('[data-metric="cpu.usage"]').getAttribute('data-points')).toBe('61');
    await screenshot(page, 'telemetry');
  });

  it('tickets: breached first, then the nearest SLA; live; resumes after a drop', async () => {
    await page.goto(`${web.baseUrl}/tickets`);
    await waitForConnection(page, 'live');
    await page.waitForSelector('[data-ticket="T-1003"]');
    const ids = () =>
      page
        .locator('[data-testid="ticket-list"] [data-ticket]')
        .evaluateAll((els) => els.map((e) => e.getAttribute('data-ticket')));
    expect(await ids()).toEqual(['T-1001', 'T-1002', 'T-1003']);
    await dropConnection(page);
    await waitForConnection(page, 'reconnecting', 5_000);
    const late = ticket('T-1004', {
      title: 'VPN down at Oficina Central',
      priority: 'urgent',
      slaDueAt: ago(60_000),
    });
    await seedRows(db.sql, 'read_tickets', ['tenant', 'ticket_id'], [ticketRow(late)], 'tickets', ++position);
    await publishDelta(bus, 'tickets', 'demo', position, [late]);
    await waitForConnection(page, 'live', 10_000);
    await page.waitForSelector('[data-ticket="T-1004"]');
    expect(await ids()).toEqual(['T-1001', 'T-1004', 'T-1002', 'T-1003']);
    await screenshot(page, 'tickets');
  });

  it('speaks Brazilian Portuguese once chosen, and remembers it', async () => {
    await page.goto(`${web.baseUrl}/fleet`);
    await waitForConnection(page, 'live');
    await page.getByTestId('language').selectOption('pt-BR');
    await page.waitForSelector('h1:text("Frota")');
    expect(await page.locator('[data-connection]').textContent()).toMatch(/Ao vivo/);
    await page.click('tr[data-machine-id="web-01"] .hostname');
    await page.waitForSelector('[data-testid="machine-detail"]');
    await screenshot(page, 'fleet-pt-BR');
    // A new visit is rendered in Portuguese by the server (cookie), before any script runs.
    const html = await (await page.context().request.get(`${web.baseUrl}/alerts`)).text();
    expect(html).toMatch(/<html lang="pt-BR">/);
    expect(html).toMatch(/Alertas/);
    await page.getByTestId('language').selectOption('en');
    await page.waitForSelector('h1:text("Fleet")');
  });
});
