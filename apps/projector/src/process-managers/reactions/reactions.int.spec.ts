import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresEventStore } from '@pulse/eventstore';
import type { RecordedEvent } from '@pulse/events';
import {
  createTestBus,
  createTestDatabase,
  freePort,
  waitFor,
  type AppProcess,
  type TestBus,
  type TestDatabase,
} from '@pulse/testkit';
import { anyEvent } from '../../../test/machine-events.ts';
import { collectViewDeltas, NO_ABSENCE, startProjector } from '../../../test/projector-harness.ts';

/**
 * The process managers in the projector process, on the real clock with one-second windows:
 * automatic tickets, escalation, SLA breach, onboarding abandonment with its follow-up ticket;
 * and lag on /metrics and on ops.view.<tenant>.system.
 */
let db: TestDatabase;
let bus: TestBus;
let store: PostgresEventStore;
let projector: AppProcess;
let port: number;
let system: ReturnType<typeof collectViewDeltas<'system'>>;

const now = () => new Date().toISOString();

async function eventsOf(type: string): Promise<RecordedEvent[]> {
  return store.readAll({ filter: { types: [type] } });
}

beforeAll(async () => {
  [db, bus] = await Promise.all([createTestDatabase(), createTestBus()]);
  store = new PostgresEventStore(db.sql);
  system = collectViewDeltas(bus, 'system');
  await db.sql`INSERT INTO projector_tenant_settings (tenant, escalation_after_s, onboarding_idle_s)
               VALUES ('acme', 1, 1)`;
  port = await freePort();
  projector = startProjector(db, bus, {
    ...NO_ABSENCE,
    PROJECTOR_TIMER_CHECK_MS: '100',
    PROJECTOR_LAG_INTERVAL_MS: '200',
    PROJECTOR_METRICS_PORT: String(port),
  });
  await projector.waitForOutput(/projector running/, 30_000);
});
afterAll(async () => {
  await projector?.kill();
  system.stop();
  await Promise.all([bus.drop(), db.drop()]);
});

describe('process managers (projector process)', () => {
  it('opens one ticket for a critical alert, escalates it while unacknowledged, and stops once acknowledged', async () => {
    const raise = () =>
      anyEvent('acme', 'alert', 'ping.web-01', 'alert.raised', now(), {
        fingerprint: 'ping.web-01',
        source: 'tacticalrmm',
        severity: 'critical',
        title: 'web-01 unreachable',
        machineId: 'web-01',
      });
    await store.appendMany([raise()]);
    await store.appendMany([raise()]);
    const ticket = await waitFor(
      async () =>
        (
          await db.sql`SELECT * FROM read_tickets WHERE tenant = 'acme' AND origin->>'fingerprint' = 'ping.web-01'`
        )[0],
      { what: 'the automatic ticket' },
    );
    expect(ticket).toMatchObject({ priority: 'urgent', owner: 'automation', status: 'open' });
    await waitFor(
      async () =>
        (await db.sql`SELECT escalation_level FROM read_alerts WHERE fingerprint = 'ping.web-01'`)[0]
          ?.escalation_level >= 1,
      { what: 'escalation' },
    );
    await store.appendMany([
      anyEvent('acme', 'alert', 'ping.web-01', 'alert.acknowledged', now(), {
        fingerprint: 'ping.web-01',
        by: 'user:ana',
      }),
    ]);
    await waitFor(
      async () => (await db.sql`SELECT 1 FROM pm_timers WHERE key = 'ping.web-01'`).length === 0,
      { what: 'timer cleared' },
    );
    const escalations = (await eventsOf('alert.escalated')).length;
    await new Promise((r) => setTimeout(r, 1500));
    expect((await eventsOf('alert.escalated')).length).toBe(escalations);
    // Two raises, one ticket.
    expect(
      (await eventsOf('ticket.opened')).filter(
        (e) => (e.data as { origin: { kind: string } }).origin.kind === 'alert',
      ),
    ).toHaveLength(1);
  });

  it('breaches a ticket SLA once, at its due time', async () => {
    const due = new Date(Date.now() + 500).toISOString();
    await store.appendMany([
      anyEvent('acme', 'ticket', 'T-7', 'ticket.opened', now(), {
        ticketId: 'T-7',
        title: 'printer',
        priority: 'low',
        origin: { kind: 'manual' },
        slaDueAt: due,
        by: 'user:lead',
      }),
    ]);
    const row = await waitFor(
      async () =>
        (
          await db.sql`SELECT sla_breached_at FROM read_tickets WHERE ticket_id = 'T-7' AND sla_breached_at IS NOT NULL`
        )[0],
      { what: 'SLA breach' },
    );
    expect((row.sla_breached_at as Date).toISOString()).toBe(due);
    await new Promise((r) => setTimeout(r, 500));
    expect(
      (await eventsOf('ticket.sla_breached')).filter(
        (e) => (e.data as { ticketId: string }).ticketId === 'T-7',
      ),
    ).toHaveLength(1);
  });

  it('opens a ticket when an onboarding starts, abandons it when idle, and opens a follow-up', async () => {
    await store.appendMany([
      anyEvent('acme', 'journey', 'j-1', 'onboarding.step_completed', now(), {
        journeyId: 'j-1',
        account: { id: 'acc-1', name: 'Globex' },
        step: 'started',
      }),
    ]);
    await waitFor(
      async () =>
        (await db.sql`SELECT status FROM read_journeys WHERE journey_id = 'j-1'`)[0]?.status === 'abandoned',
      {
        what: 'abandonment',
      },
    );
    const tickets = await waitFor(
      async () => {
        const rows = await db.sql<
          { origin: { reason: string } }[]
        >`SELECT origin FROM read_tickets WHERE origin->>'journeyId' = 'j-1'`;
        return rows.length === 2 ? rows : undefined;
      },
      { what: 'two onboarding tickets' },
    );
    expect(tickets.map((t) => t.origin.reason).sort()).toEqual(['abandoned', 'started']);
    const [funnel] =
      await db.sql`SELECT abandoned, abandoned_journeys FROM read_funnel WHERE tenant = 'acme' AND cohort = 'all'`;
    expect(funnel).toMatchObject({
      abandoned: 1,
      abandoned_journeys: [expect.objectContaining({ journeyId: 'j-1', lastStep: 'started' })],
    });
  });

  it('exports lag on /metrics and sends it to the board', async () => {
    const body = await waitFor(
      async () => {
        const res = await fetch(`http://127.0.0.1:${port}/metrics`);
        const text = await res.text();
        return /pulse_projector_lag_events\{projection="alerts"\} \d+/.test(text) ? text : undefined;
      },
      { what: 'lag metrics' },
    );
    expect(body).toMatch(/pulse_projector_lag_seconds\{projection="fleet"\} [\d.]+/);
    expect(body).toMatch(/pulse_events_head \d+/);
    const delta = await waitFor(() => system.deltas.find((d) => d.tenant === 'acme'), {
      what: 'system delta',
    });
    expect(delta.rows.map((r) => r.projection)).toEqual(
      expect.arrayContaining(['fleet', 'alerts', 'funnel', 'telemetry', 'tickets']),
    );
    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
  });
});
