import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { toInboxEvent } from '@pulse/events';
import { mapFleet } from './fleet.ts';
import { fingerprint, machineIdFrom, UnmappablePayload, type MappedEvent } from './mapped-event.ts';
import { mapSigned } from './signed.ts';
import { mapTacticalRmm } from './tacticalrmm.ts';
import { mapWazuh, severityOf } from './wazuh.ts';

const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(`../../../test/fixtures/webhooks/${name}.json`, import.meta.url), 'utf8')) as Record<string, unknown>;

/** Every mapped event must be a valid catalog event. */
function valid(events: MappedEvent[]) {
  for (const e of events) {
    const r = toInboxEvent(e, { tenant: 'acme', receivedAt: '2026-11-25T12:00:00.000Z', newId: () => '00000000-0000-4000-8000-000000000001' });
    expect(r.ok ? [] : r.issues).toEqual([]);
  }
  return events;
}

describe('Tactical RMM alert actions', () => {
  it('raises a critical alert for an error, with the machine, and resolves the same fingerprint', () => {
    const [raised] = valid(mapTacticalRmm(fixture('tacticalrmm-trigger')));
    expect(raised).toMatchObject({
      type: 'alert.raised',
      occurredAt: '2026-11-25T11:58:02.123Z',
      data: { fingerprint: 'tacticalrmm.4711', severity: 'critical', machineId: 'WEB-01', title: 'WEB-01 Disk Space Drive C: Check: Failing', labels: { client: 'Acme Corp', site: 'HQ' } },
    });
    const [resolved] = valid(mapTacticalRmm(fixture('tacticalrmm-resolved')));
    expect(resolved).toMatchObject({ type: 'alert.resolved', data: { fingerprint: 'tacticalrmm.4711', by: 'source:tacticalrmm' } });
  });

  it('keeps an alert for an unknown agent, with no machine', () => {
    const [raised] = valid(mapTacticalRmm({ ...fixture('tacticalrmm-trigger'), hostname: '{{agent.hostname}}' }));
    expect(raised!.data.machineId).toBeUndefined();
  });

  it('reports the machine back when an availability alert resolves', () => {
    const events = valid(mapTacticalRmm({ ...fixture('tacticalrmm-resolved'), alert_type: 'availability' }));
    expect(events.map((e) => e.type)).toEqual(['alert.resolved', 'machine.checked_in']);
  });

  it('refuses a body that is not the documented template', () => {
    expect(() => mapTacticalRmm({ hello: 1 })).toThrow(UnmappablePayload);
  });
});

describe('Wazuh integration alerts', () => {
  it('maps rule.level to severity, the agent to the machine, rule id + agent to the fingerprint', () => {
    const [raised] = valid(mapWazuh(fixture('wazuh-alert')));
    expect(raised).toMatchObject({
      type: 'alert.raised',
      data: { fingerprint: 'wazuh.5710.001', severity: 'info', machineId: 'web-01', title: 'sshd: Attempt to login using a non-existent user', labels: { rule: '5710', agent: '001' } },
    });
    expect([severityOf(3), severityOf(7), severityOf(12), severityOf(15)]).toEqual(['info', 'warning', 'critical', 'critical']);
  });
});

describe('FleetDM webhooks', () => {
  it('raises one alert per failing host and reports each host checked in', () => {
    const events = valid(mapFleet(fixture('fleet-failing-policies')));
    expect(events.map((e) => [e.type, e.data.fingerprint ?? e.data.machineId])).toEqual([
      ['alert.raised', 'fleet.policy.1.host.1'],
      ['machine.checked_in', 'macbook-1'],
      ['alert.raised', 'fleet.policy.1.host.2'],
      ['machine.checked_in', 'macbook-2'],
    ]);
  });

  it('raises an alert for hosts that stopped checking in', () => {
    const [alert] = valid(mapFleet(fixture('fleet-host-status')));
    expect(alert!.data).toMatchObject({ fingerprint: 'fleet.hosts-unseen.3', title: '1 of 2 hosts have not checked in for 3 days' });
  });
});

describe('signed webhooks (onboarding, generic)', () => {
  it('takes catalog events in the Standard Webhooks payload structure', () => {
    const [step] = valid(mapSigned('onboarding', fixture('onboarding-step')));
    expect(step).toMatchObject({ type: 'onboarding.step_completed', data: { step: 'started' } });
    expect(() => mapSigned('onboarding', { type: 'alert.raised', data: {} })).toThrow(/does not take/);
    expect(mapSigned('generic', [{ type: 'alert.resolved', data: { fingerprint: 'x', by: 'y' } }])).toHaveLength(1);
  });
});

describe('helpers', () => {
  it('turns source names into machine ids and fingerprints in the id alphabet', () => {
    expect([machineIdFrom('web 01'), machineIdFrom('None'), machineIdFrom('db-02')]).toEqual([undefined, undefined, 'db-02']);
    expect(fingerprint('x', 'a b/c', 3)).toBe('x.a-b-c.3');
  });
});
