import { describe, expect, it } from 'vitest';
import type { KnownRecordedEvent } from '@pulse/events';
import { anyEvent, recorded } from '../../../test/machine-events.ts';
import { evolve, timelineEntry, type TicketRow } from './tickets.evolve.ts';

const T0 = '2026-11-25T12:00:00.000Z';
const T1 = '2026-11-25T12:05:00.000Z';
let version = -1;
const ev = (type: string, at: string, data: Record<string, unknown> = {}) => {
  version++;
  return recorded(
    anyEvent('acme', 'ticket', 'T-1', type, at, { ticketId: 'T-1', ...data }),
    version + 1,
    version,
  );
};
const opened = () =>
  ev('ticket.opened', T0, {
    title: 'web-01 down',
    priority: 'urgent',
    origin: { kind: 'alert', fingerprint: 'ping.web-01', severity: 'critical' },
    slaDueAt: '2026-11-25T13:00:00.000Z',
    by: 'automation',
  });
const given = (...events: KnownRecordedEvent[]): TicketRow | undefined => events.reduce(evolve, undefined);

describe('tickets evolve', () => {
  it('given nothing, when a note arrives, then there is no ticket', () => {
    expect(given(ev('ticket.note_added', T0, { by: 'u', note: 'x' }))).toBeUndefined();
  });

  it('when opened by the automation, then it is open, owned by the automation, with its SLA', () => {
    version = -1;
    expect(given(opened())).toMatchObject({
      status: 'open',
      owner: 'automation',
      openedBy: 'automation',
      slaDueAt: '2026-11-25T13:00:00.000Z',
      timelineLength: 1,
      lastActivityAt: T0,
    });
  });

  it('follows its owner through take-over, release, assignment and escalation', () => {
    version = -1;
    const o = opened();
    const taken = ev('ticket.taken_over', T1, { from: 'automation', to: 'user:ana' });
    expect(given(o, taken)!.owner).toBe('user:ana');
    const released = ev('ticket.released', T1, { by: 'user:ana' });
    expect(given(o, taken, released)!.owner).toBeNull();
    const assigned = ev('ticket.assigned', T1, { to: 'user:bo', by: 'user:lead' });
    const escalated = ev('ticket.escalated', T1, { by: 'user:bo', to: 'user:lead', reason: 'vendor' });
    expect(given(o, taken, released, assigned, escalated)).toMatchObject({
      owner: 'user:lead',
      escalated: true,
      timelineLength: 5,
    });
  });

  it('records an SLA breach once, and resolution', () => {
    version = -1;
    const row = given(
      opened(),
      ev('ticket.sla_breached', '2026-11-25T13:00:00.000Z', { dueAt: '2026-11-25T13:00:00.000Z' }),
      ev('ticket.resolved', '2026-11-25T14:00:00.000Z', { by: 'user:ana', resolution: 'rebooted' }),
    )!;
    expect(row).toMatchObject({
      status: 'resolved',
      slaBreachedAt: '2026-11-25T13:00:00.000Z',
      resolvedAt: '2026-11-25T14:00:00.000Z',
      resolution: 'rebooted',
    });
  });

  it('turns each ticket event into a timeline entry keyed by its stream version', () => {
    version = -1;
    opened();
    expect(
      timelineEntry(ev('ticket.note_added', T1, { by: 'user:ana', note: 'rebooted, watching' })),
    ).toMatchObject({
      ticketId: 'T-1',
      seq: 1,
      at: T1,
      type: 'ticket.note_added',
      by: 'user:ana',
      text: 'rebooted, watching',
    });
  });
});
