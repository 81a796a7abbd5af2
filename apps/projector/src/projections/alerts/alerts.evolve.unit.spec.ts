import { describe, expect, it } from 'vitest';
import type { KnownRecordedEvent } from '@pulse/events';
import { anyEvent, recorded } from '../../../test/machine-events.ts';
import { countChanges, evolve, FLAP_WINDOW_MS, toAlertView, type AlertRow } from './alerts.evolve.ts';

const T0 = '2026-11-25T12:00:00.000Z';
const at = (ms: number) => new Date(Date.parse(T0) + ms).toISOString();
let position = 0;
const ev = (type: string, occurredAt: string, data: Record<string, unknown> = {}) =>
  recorded(
    anyEvent('acme', 'alert', 'disk.web-01', type, occurredAt, { fingerprint: 'disk.web-01', ...data }),
    ++position,
  );
const raised = (t = T0, data: Record<string, unknown> = {}) =>
  ev('alert.raised', t, {
    source: 'wazuh',
    severity: 'warning',
    title: 'disk almost full',
    machineId: 'web-01',
    ...data,
  });
const given = (...events: KnownRecordedEvent[]): AlertRow | undefined => events.reduce(evolve, undefined);

describe('alerts evolve', () => {
  describe('given no alert', () => {
    it('when raised, then it is open, seen once, with what the source said', () => {
      expect(given(raised())).toMatchObject({
        fingerprint: 'disk.web-01',
        state: 'open',
        count: 1,
        firstSeenAt: T0,
        lastSeenAt: T0,
        openedAt: T0,
        machineId: 'web-01',
        flapping: false,
        escalationLevel: 0,
      });
    });
    it('when raised for a machine Pulse does not know, then it is kept with no machine', () => {
      expect(given(raised(T0, { machineId: undefined }))).toMatchObject({ state: 'open', machineId: null });
    });
    it('when acknowledged or resolved, then there is still no alert', () => {
      expect(given(ev('alert.acknowledged', T0, { by: 'user:ana' }))).toBeUndefined();
      expect(given(ev('alert.resolved', T0, { by: 'user:ana' }))).toBeUndefined();
    });
  });

  describe('given an open alert', () => {
    it('when raised again, then it is deduplicated: count and last seen move, first seen stays', () => {
      const row = given(raised(), raised(at(60_000), { severity: 'critical' }))!;
      expect(row).toMatchObject({
        count: 2,
        firstSeenAt: T0,
        lastSeenAt: at(60_000),
        openedAt: T0,
        severity: 'critical',
        state: 'open',
      });
    });
    it('when a late duplicate is recorded, then last seen does not move backwards', () => {
      expect(given(raised(at(60_000)), raised(T0))!.lastSeenAt).toBe(at(60_000));
    });
    it('when acknowledged, then it is acknowledged by whom and when; a raise keeps it acknowledged', () => {
      const row = given(raised(), ev('alert.acknowledged', at(1000), { by: 'user:ana' }), raised(at(2000)))!;
      expect(row).toMatchObject({
        state: 'acknowledged',
        acknowledgedBy: 'user:ana',
        acknowledgedAt: at(1000),
        count: 2,
      });
    });
    it('when escalated twice, then its level is the highest and notes count', () => {
      const row = given(
        raised(),
        ev('alert.escalated', at(900_000), { level: 1, reason: 'x' }),
        ev('alert.escalated', at(1_800_000), { level: 2, reason: 'x' }),
        ev('alert.annotated', at(1_900_000), { by: 'user:ana', note: 'on it' }),
      )!;
      expect(row).toMatchObject({
        escalationLevel: 2,
        escalatedAt: at(1_800_000),
        notes: 1,
        lastNote: 'on it',
      });
    });
  });

  describe('given a resolved alert', () => {
    const resolved = (t: number) => ev('alert.resolved', at(t), { by: 'source:wazuh' });
    it('when acknowledged late, then it stays resolved', () => {
      expect(given(raised(), resolved(1), ev('alert.acknowledged', at(2), { by: 'user:ana' }))!.state).toBe(
        'resolved',
      );
    });
    it('when raised again, then a new episode opens: acknowledgement and escalation cleared', () => {
      const row = given(raised(), ev('alert.acknowledged', at(1), { by: 'u' }), resolved(2), raised(at(3)))!;
      expect(row).toMatchObject({
        state: 'open',
        openedAt: at(3),
        acknowledgedAt: null,
        resolvedAt: null,
        count: 2,
        flapping: false,
      });
    });
    it('when reopened a third time within the hour, then it is flapping; reopened once after a quiet hour, it is not', () => {
      const flapping = given(
        raised(),
        resolved(1),
        raised(at(10)),
        resolved(11),
        raised(at(20)),
        resolved(21),
        raised(at(FLAP_WINDOW_MS - 1)),
      )!;
      expect(flapping.flapping).toBe(true);
      const calm = given(
        raised(),
        resolved(1),
        raised(at(10)),
        resolved(11),
        raised(at(20)),
        resolved(21),
        raised(at(FLAP_WINDOW_MS + 10)),
      )!;
      expect(calm.flapping).toBe(false);
    });
  });

  it('counts by severity and by source move with the state', () => {
    const open = given(raised())!;
    const acked = evolve(open, ev('alert.acknowledged', at(1), { by: 'u' }))!;
    expect(countChanges([[undefined, open]])).toEqual([
      { tenant: 'acme', dimension: 'severity', key: 'warning', open: 1, acknowledged: 0, resolved: 0 },
      { tenant: 'acme', dimension: 'source', key: 'wazuh', open: 1, acknowledged: 0, resolved: 0 },
    ]);
    expect(countChanges([[open, acked]])).toEqual([
      { tenant: 'acme', dimension: 'severity', key: 'warning', open: -1, acknowledged: 1, resolved: 0 },
      { tenant: 'acme', dimension: 'source', key: 'wazuh', open: -1, acknowledged: 1, resolved: 0 },
    ]);
    expect(toAlertView(acked)).not.toHaveProperty('reopenedAt');
  });
});
