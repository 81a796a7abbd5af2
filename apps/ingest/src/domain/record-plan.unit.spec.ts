import { describe, expect, it } from 'vitest';
import { busNames, toInboxEvent, type InboxEvent } from '@pulse/events';
import { heartbeat } from '../../test/events.fixture.ts';
import { deadLetterTenant, inboxSubjectParts } from './inbox-subject.ts';
import { planBatch, toNewEvent } from './record-plan.ts';

const names = busNames('t1');
const encode = (v: unknown) => new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v));

function inbox(overrides: { id?: string; machineId?: string } = {}, tenant = 'acme'): InboxEvent {
  const r = toInboxEvent(heartbeat(overrides), {
    tenant,
    receivedAt: '2026-11-25T12:00:01.000Z',
    newId: () => 'unused',
  });
  if (!r.ok) throw new Error('fixture invalid');
  return r.value;
}
const message = (e: unknown, subject = names.inbox('acme', 'machine.heartbeat')) => ({
  subject,
  data: encode(e),
});

describe('inboxSubjectParts', () => {
  it('splits prefix, tenant and dotted type', () => {
    expect(inboxSubjectParts('t1.ops.in.acme.machine.heartbeat', names)).toEqual({
      tenant: 'acme',
      type: 'machine.heartbeat',
    });
    expect(inboxSubjectParts('ops.in.acme.machine.heartbeat', busNames())).toEqual({
      tenant: 'acme',
      type: 'machine.heartbeat',
    });
    expect(inboxSubjectParts('t1.ops.in.acme', names)).toBeUndefined();
    expect(inboxSubjectParts('t2.ops.in.acme.x', names)).toBeUndefined();
  });

  it('dead-letters under "unknown" when the subject names no real tenant', () => {
    expect(deadLetterTenant('acme')).toBe('acme');
    expect(deadLetterTenant('ACME')).toBe('unknown');
    expect(deadLetterTenant(undefined)).toBe('unknown');
  });
});

describe('planBatch', () => {
  it('records valid events with who sent them and when in the metadata', () => {
    const e = inbox();
    const plan = planBatch([message(e)], names);
    expect(plan.deadLetter).toEqual([]);
    expect(plan.record).toEqual([{ index: 0, event: toNewEvent(e) }]);
    expect(plan.record[0]!.event.metadata).toEqual({ receivedAt: e.receivedAt, source: 'agent:web-01' });
  });

  it('dead-letters bad bytes, bad JSON, invalid events and a tenant or type that differs from the subject', () => {
    const good = inbox();
    const plan = planBatch(
      [
        { subject: names.inbox('acme', 'machine.heartbeat'), data: new Uint8Array([0xff, 0xfe]) },
        message('{"id":'),
        message({ ...good, data: { ...good.data, cpuPct: 500 } }),
        message(inbox({}, 'zeta')),
        message(good, names.inbox('acme', 'machine.registered')),
        message(good),
      ],
      names,
    );
    expect(plan.record.map((r) => r.index)).toEqual([5]);
    expect(plan.deadLetter.map((d) => [d.index, d.tenant, d.reason.split(':')[0]])).toEqual([
      [0, 'acme', 'body'],
      [1, 'acme', 'body'],
      [2, 'acme', 'data.cpuPct'],
      [3, 'acme', 'tenant'],
      [4, 'acme', 'type'],
    ]);
  });

  it('keeps a repeated event (a redelivery) but dead-letters a different event under a used id', () => {
    const a = inbox();
    const otherStream = inbox({ id: a.id, machineId: 'db-02' });
    const otherData = { ...a, receivedAt: '2026-11-25T12:00:09.000Z', data: { ...a.data, cpuPct: 99 } };
    const sameLater = { ...a, receivedAt: '2026-11-25T12:00:09.000Z' };
    const plan = planBatch(
      [message(a), message(a), message(otherStream), message(otherData), message(sameLater)],
      names,
    );
    expect(plan.record.map((r) => r.index)).toEqual([0, 1, 4]);
    expect(plan.deadLetter.map((d) => d.index)).toEqual([2, 3]);
    expect(plan.deadLetter[0]!.reason).toMatch(
      /already used by another machine\.heartbeat event in machine-acme\.web-01/,
    );
  });
});
