import { describe, expect, it } from 'vitest';
import { decideAbsence, type SilentMachine } from './heartbeat-absence.decide.ts';
import { absenceStatus } from './status-rule.ts';

const thresholds = { offlineAfterMs: 90_000, overdueAfterMs: 300_000 };
const lastSeenAt = '2026-11-25T12:00:00.000Z';
const seen = Date.parse(lastSeenAt);
const silentFor = (ms: number) => seen + ms;

describe('absence status rule', () => {
  describe('given an online machine', () => {
    const online = { status: 'online' as const, lastSeenAt };
    it('stays online 1 ms before the offline threshold', () => {
      expect(absenceStatus(online, silentFor(89_999), thresholds)).toBeUndefined();
    });
    it('goes offline exactly at the offline threshold', () => {
      expect(absenceStatus(online, silentFor(90_000), thresholds)).toBe('offline');
    });
    it('goes straight to overdue once silent past both thresholds', () => {
      expect(absenceStatus(online, silentFor(300_000), thresholds)).toBe('overdue');
    });
    it('stays online when its last-seen time is in the future (an agent clock ahead)', () => {
      expect(absenceStatus(online, silentFor(-5_000), thresholds)).toBeUndefined();
    });
  });

  describe('given an offline machine', () => {
    const offline = { status: 'offline' as const, lastSeenAt };
    it('stays offline 1 ms before the overdue threshold', () => {
      expect(absenceStatus(offline, silentFor(299_999), thresholds)).toBeUndefined();
    });
    it('goes overdue exactly at the overdue threshold', () => {
      expect(absenceStatus(offline, silentFor(300_000), thresholds)).toBe('overdue');
    });
    it('stays offline while recently enrolled and not yet heard from', () => {
      expect(absenceStatus(offline, silentFor(10_000), thresholds)).toBeUndefined();
    });
  });

  describe('given an overdue machine', () => {
    it('stays overdue however long the silence', () => {
      expect(
        absenceStatus({ status: 'overdue', lastSeenAt }, silentFor(86_400_000), thresholds),
      ).toBeUndefined();
    });
  });
});

describe('absence decision', () => {
  const machine: SilentMachine = {
    tenant: 'acme',
    machineId: 'web-01',
    status: 'online',
    lastSeenAt,
    stream: 'machine-acme.web-01',
    streamVersion: 7,
    lastEventId: '0193a0c4-0000-7000-8000-000000000001',
  };

  it('appends at the version the read model reflects, dated when the silence crossed the threshold', () => {
    const d = decideAbsence(machine, silentFor(95_000), thresholds)!;
    expect(d.stream).toBe('machine-acme.web-01');
    expect(d.expectedVersion).toBe(7);
    expect(d.event).toMatchObject({
      type: 'machine.status_changed',
      tenant: 'acme',
      stream: 'machine-acme.web-01',
      occurredAt: '2026-11-25T12:01:30.000Z',
      data: { machineId: 'web-01', from: 'online', to: 'offline', lastSeenAt },
      metadata: { source: 'projector:heartbeat-absence', causationId: machine.lastEventId },
    });
  });

  it('derives the same id on a retry and a different one for a later decision', () => {
    const first = decideAbsence(machine, silentFor(95_000), thresholds)!.event.id;
    expect(decideAbsence(machine, silentFor(99_000), thresholds)!.event.id).toBe(first);
    expect(first).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(decideAbsence({ ...machine, streamVersion: 9 }, silentFor(95_000), thresholds)!.event.id).not.toBe(
      first,
    );
  });

  it('decides nothing while the silence is within bounds', () => {
    expect(decideAbsence(machine, silentFor(1_000), thresholds)).toBeUndefined();
  });
});
