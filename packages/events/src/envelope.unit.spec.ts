import { describe, expect, it } from 'vitest';
import { checkInboxEvent, toInboxEvent } from './envelope.ts';

const ctx = { tenant: 'acme', receivedAt: '2026-11-25T12:00:05.000Z', newId: () => '00000000-0000-4000-8000-000000000001' };
const heartbeat = {
  type: 'machine.heartbeat',
  data: { machineId: 'web-01', hostname: 'web-01', os: 'Debian 12', cpuPct: 21.5, memPct: 43, diskPct: 61.2, uptimeS: 86400, agentVersion: '1.0.0' },
};

describe('toInboxEvent', () => {
  it('fills in what the client left out and derives the stream from tenant and data', () => {
    const r = toInboxEvent(heartbeat, ctx);
    expect(r).toEqual({
      ok: true,
      value: {
        id: ctx.newId(),
        type: 'machine.heartbeat',
        tenant: 'acme',
        stream: 'machine-acme.web-01',
        occurredAt: ctx.receivedAt,
        receivedAt: ctx.receivedAt,
        schemaVersion: 2,
        data: heartbeat.data,
      },
    });
  });

  it('keeps the client id and normalises occurredAt to UTC', () => {
    const id = '01936f3e-5c1a-7b2e-9a41-2f0c6d8e9b10';
    const r = toInboxEvent({ ...heartbeat, id, occurredAt: '2026-11-25T14:00:00+02:00', source: 'agent:web-01' }, ctx);
    expect(r.ok && r.value).toMatchObject({ id, occurredAt: '2026-11-25T12:00:00.000Z', source: 'agent:web-01' });
  });

  it('names the field of a mistyped value', () => {
    const r = toInboxEvent({ ...heartbeat, data: { ...heartbeat.data, cpuPct: 'high' } }, ctx);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.issues.map((i) => i.path)).toEqual(['data.cpuPct']);
  });

  it('refuses an unknown type, an unknown envelope field and a missing data', () => {
    const unknownType = toInboxEvent({ type: 'machine.exploded', data: {} }, ctx);
    expect(!unknownType.ok && unknownType.issues[0]).toEqual({ path: 'type', message: 'unknown event type "machine.exploded"' });
    const typo = toInboxEvent({ ...heartbeat, occured_at: 'x' }, ctx);
    expect(!typo.ok && typo.issues[0]!.message).toMatch(/occured_at/);
    const noData = toInboxEvent({ type: 'machine.heartbeat' }, ctx);
    expect(!noData.ok && noData.issues[0]!.path).toMatch(/^data/);
  });

  it('refuses ids that would break a stream name', () => {
    const r = toInboxEvent({ ...heartbeat, data: { ...heartbeat.data, machineId: 'a b>' } }, ctx);
    expect(!r.ok && r.issues[0]!.path).toBe('data.machineId');
  });

  it('survives prototype-pollution keys without polluting', () => {
    const hostile = JSON.parse('{"type":"machine.heartbeat","__proto__":{"polluted":1},"data":{"__proto__":{"polluted":1}}}');
    toInboxEvent(hostile, ctx);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('checkInboxEvent (the recorder trusts nothing)', () => {
  const valid = toInboxEvent(heartbeat, ctx);
  if (!valid.ok) throw new Error('fixture');

  it('accepts what the edge produced', () => {
    expect(checkInboxEvent(valid.value, 'acme')).toEqual({ ok: true, value: valid.value });
  });

  it('refuses a tenant that differs from the subject', () => {
    const r = checkInboxEvent(valid.value, 'globex');
    expect(!r.ok && r.issues[0]!.path).toBe('tenant');
  });

  it('refuses a stream that does not follow from the data', () => {
    const r = checkInboxEvent({ ...valid.value, stream: 'machine-acme.other' }, 'acme');
    expect(!r.ok && r.issues[0]!.path).toBe('stream');
  });
});
