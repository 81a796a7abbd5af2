import { describe, expect, it } from 'vitest';
import { defaultOnboardingSteps, type KnownRecordedEvent } from '@pulse/events';
import { anyEvent, machineEvent, recorded } from '../../../test/machine-events.ts';
import {
  DEFAULT_SLA_MINUTES,
  fire,
  react,
  timerKey,
  type ReactionSettings,
  type World,
} from './reactions.decide.ts';

const T0 = '2026-11-25T12:00:00.000Z';
const at = (ms: number) => new Date(Date.parse(T0) + ms).toISOString();
const settings: ReactionSettings = {
  escalationAfterMs: 900_000,
  onboardingIdleMs: 3_600_000,
  offlineRaisesAlert: false,
  slaMinutes: DEFAULT_SLA_MINUTES,
  funnelSteps: defaultOnboardingSteps,
};
let position = 0;
const versions = new Map<string, number>();
function ev(
  category: 'alert' | 'ticket' | 'journey',
  id: string,
  type: string,
  t: string,
  data: Record<string, unknown>,
) {
  const e = anyEvent('acme', category, id, type, t, data);
  const v = (versions.get(e.stream) ?? -1) + 1;
  versions.set(e.stream, v);
  return recorded(e, ++position, v);
}
const alert = (type: string, t: string, data: Record<string, unknown> = {}) =>
  ev('alert', 'disk.web-01', type, t, { fingerprint: 'disk.web-01', ...data });
const raised = (t: string, severity = 'critical') =>
  alert('alert.raised', t, { source: 'wazuh', severity, title: 'disk full', machineId: 'web-01' });

function world(...events: KnownRecordedEvent[]): World {
  const w: World = { memory: new Map(), timers: new Map(), outbox: [] };
  for (const e of events) react(w, e, settings);
  return w;
}
const escalation = (w: World) => w.timers.get(timerKey('alert_escalation', 'acme', 'disk.web-01'));

describe('reactions: alerts', () => {
  it('given a critical alert, opens one urgent ticket with its SLA and sets the escalation timer at the window', () => {
    const w = world(raised(T0), raised(at(1000)));
    expect(w.outbox).toHaveLength(1);
    expect(w.outbox[0]).toMatchObject({
      type: 'ticket.opened',
      occurredAt: T0,
      data: {
        priority: 'urgent',
        by: 'automation',
        slaDueAt: at(60 * 60_000),
        origin: { kind: 'alert', fingerprint: 'disk.web-01' },
      },
    });
    // The repeat raise keeps the due time and moves the expected version.
    expect(escalation(w)).toMatchObject({
      dueAt: at(900_000),
      expectedVersion: 1,
      payload: { level: 1, openedAt: T0 },
    });
  });

  it('opens no ticket for a warning, and a new one once the first ticket is resolved and the alert comes back', () => {
    expect(world(raised(T0, 'warning')).outbox).toEqual([]);
    const firstRaise = raised(T0);
    const first = world(firstRaise);
    const ticketId = (first.outbox[0]!.data as { ticketId: string }).ticketId;
    const ticketEvents = [
      ev('ticket', ticketId, 'ticket.opened', T0, first.outbox[0]!.data),
      ev('ticket', ticketId, 'ticket.resolved', at(10), { ticketId, by: 'u', resolution: 'ok' }),
    ];
    const w: World = { memory: new Map(), timers: new Map(), outbox: [] };
    for (const e of [
      firstRaise,
      ...ticketEvents,
      alert('alert.resolved', at(11), { by: 'u' }),
      raised(at(20)),
    ])
      react(w, e, settings);
    expect(w.outbox.filter((e) => e.type === 'ticket.opened')).toHaveLength(2);
  });

  it('clears the escalation on acknowledgement; escalates level by level up to 3', () => {
    expect(escalation(world(raised(T0), alert('alert.acknowledged', at(1), { by: 'u' })))).toBeNull();
    const w = world(raised(T0), alert('alert.escalated', at(900_000), { level: 1, reason: 'x' }));
    expect(escalation(w)).toMatchObject({ dueAt: at(1_800_000), payload: { level: 2 } });
    const top = world(raised(T0), alert('alert.escalated', at(900_000), { level: 3, reason: 'x' }));
    expect(escalation(top)).toBeNull();
  });

  it('fires the escalation at its due time, expecting the version it was set at, with a stable id', () => {
    const timer = escalation(world(raised(T0)))!;
    const fired = fire(timer);
    expect(fired).toMatchObject({
      expectedVersion: timer.expectedVersion,
      event: {
        type: 'alert.escalated',
        occurredAt: at(900_000),
        data: { fingerprint: 'disk.web-01', level: 1, reason: 'unacknowledged for 15 minutes' },
      },
    });
    expect(fire(timer).event.id).toBe(fired.event.id);
  });
});

describe('reactions: tickets and onboarding', () => {
  it('sets the SLA timer when a ticket opens, and fires ticket.sla_breached exactly at the due time', () => {
    const w = world(
      ev('ticket', 'T-9', 'ticket.opened', T0, {
        ticketId: 'T-9',
        title: 'x',
        priority: 'high',
        origin: { kind: 'manual' },
        slaDueAt: at(3_600_000),
        by: 'user:ana',
      }),
    );
    const timer = w.timers.get(timerKey('ticket_sla', 'acme', 'T-9'))!;
    expect(timer.dueAt).toBe(at(3_600_000));
    expect(fire(timer).event).toMatchObject({
      type: 'ticket.sla_breached',
      occurredAt: at(3_600_000),
      data: { ticketId: 'T-9', dueAt: at(3_600_000) },
    });
    const resolved = world(
      ev('ticket', 'T-8', 'ticket.opened', T0, {
        ticketId: 'T-8',
        title: 'x',
        priority: 'high',
        origin: { kind: 'manual' },
        slaDueAt: at(1),
        by: 'u',
      }),
      ev('ticket', 'T-8', 'ticket.resolved', T0, { ticketId: 'T-8', by: 'u', resolution: 'ok' }),
    );
    expect(resolved.timers.get(timerKey('ticket_sla', 'acme', 'T-8'))).toBeNull();
  });

  const step = (s: string, t: string) =>
    ev('journey', 'j-1', 'onboarding.step_completed', t, {
      journeyId: 'j-1',
      account: { id: 'acc', name: 'Globex' },
      step: s,
    });

  it('opens a ticket when an onboarding starts (once) and times idleness from the latest step', () => {
    const w = world(step('started', T0), step('started', at(5)), step('company_verified', at(60_000)));
    expect(w.outbox.map((e) => e.type)).toEqual(['ticket.opened']);
    expect(w.outbox[0]!.data).toMatchObject({
      origin: { kind: 'onboarding', reason: 'started', journeyId: 'j-1' },
    });
    const timer = w.timers.get(timerKey('onboarding_idle', 'acme', 'j-1'))!;
    expect(timer).toMatchObject({ dueAt: at(60_000 + 3_600_000), payload: { lastStep: 'company_verified' } });
    expect(fire(timer).event).toMatchObject({
      type: 'onboarding.abandoned',
      data: { journeyId: 'j-1', lastStep: 'company_verified', idleS: 3600 },
    });
  });

  it('clears idleness on completion; an abandonment opens a follow-up ticket', () => {
    expect(
      world(step('started', T0), step('completed', at(1))).timers.get(
        timerKey('onboarding_idle', 'acme', 'j-1'),
      ),
    ).toBeNull();
    const w = world(
      step('started', T0),
      ev('journey', 'j-1', 'onboarding.abandoned', at(3_600_000), {
        journeyId: 'j-1',
        lastStep: 'started',
        idleS: 3600,
      }),
    );
    expect(w.outbox.map((e) => [e.type, (e.data as { priority: string }).priority])).toEqual([
      ['ticket.opened', 'normal'],
      ['ticket.opened', 'high'],
    ]);
  });
});

describe('reactions: machine absence', () => {
  const changed = (from: string, to: string) =>
    recorded(
      machineEvent('acme', 'web-01', 'machine.status_changed', T0, { from, to, lastSeenAt: T0 }),
      ++position,
    );

  it('raises an alert when a machine goes overdue and resolves it when it is back; offline alone raises nothing', () => {
    expect(world(changed('online', 'offline')).outbox).toEqual([]);
    const w = world(changed('offline', 'overdue'), changed('overdue', 'online'));
    expect(w.outbox.map((e) => [e.type, e.stream])).toEqual([
      ['alert.raised', 'alert-acme.pulse.absence.web-01'],
      ['alert.resolved', 'alert-acme.pulse.absence.web-01'],
    ]);
  });

  it('raises on offline when the tenant asks', () => {
    const w: World = { memory: new Map(), timers: new Map(), outbox: [] };
    react(w, changed('online', 'offline'), { ...settings, offlineRaisesAlert: true });
    expect(w.outbox.map((e) => e.type)).toEqual(['alert.raised']);
  });

  it('derives the same event ids from the same causes', () => {
    const e = changed('offline', 'overdue');
    expect(world(e).outbox[0]!.id).toBe(world(e).outbox[0]!.id);
  });
});
