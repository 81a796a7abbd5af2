import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { toInboxEvent } from '@pulse/events';
import { createFleet, registerAll, stepFleet, type SimEvent } from './simulation/fleet.model.ts';
import { createOnboarding, stepOnboarding, type JourneyEvent } from './simulation/onboarding.model.ts';
import { seededRandom } from './simulation/random.ts';
import { dropStale, toOutgoing } from './simulator.ts';
import type { OutgoingEvent } from './sender.ts';

const t0 = Date.parse('2026-11-25T12:00:00.000Z');

describe('what the simulator sends', () => {
  it('passes the catalog, event by event, as ingest would check it: every type, from its own source', () => {
    const random = seededRandom(8);
    const journeyRandom = seededRandom(9);
    const first = registerAll(
      createFleet({
        size: 60,
        intervalMs: 10_000,
        now: t0,
        random,
        agentVersion: '1.0.0',
        behaviour: { spikesPerHour: 3, silentShare: 0.1, rebootsPerDay: 24 },
      }),
      t0,
    );
    let fleet = first.fleet;
    let onboarding = createOnboarding({ now: t0, random: journeyRandom, meanArrivalMs: 60_000 });
    const events: (SimEvent | JourneyEvent)[] = [...first.events];
    for (let now = t0 + 10_000; now <= t0 + 3 * 3_600_000; now += 10_000) {
      const step = stepFleet(fleet, now, random);
      const journeys = stepOnboarding(onboarding, now, journeyRandom);
      fleet = step.fleet;
      onboarding = journeys.onboarding;
      events.push(...step.events, ...journeys.events);
    }

    const sources = new Map<string, Set<string>>();
    for (const e of events) {
      const sent = JSON.parse(JSON.stringify(toOutgoing(e))) as unknown;
      const inbox = toInboxEvent(sent, {
        tenant: 'demo',
        receivedAt: new Date(t0).toISOString(),
        newId: randomUUID,
      });
      if (!inbox.ok) throw new Error(`${e.type} ${JSON.stringify(e.data)}: ${JSON.stringify(inbox.issues)}`);
      expect(inbox.value.occurredAt).toBe(new Date(e.at).toISOString());
      const source = inbox.value.source!.replace(/:.*/, ':<machine>');
      sources.set(e.type, (sources.get(e.type) ?? new Set()).add(source));
    }
    expect(Object.fromEntries([...sources].map(([type, s]) => [type, [...s]]))).toEqual({
      'machine.registered': ['simulator:<machine>'],
      'machine.heartbeat': ['simulator:<machine>'],
      'telemetry.sampled': ['simulator:<machine>'],
      'alert.raised': ['tacticalrmm'],
      'alert.resolved': ['tacticalrmm'],
      'onboarding.step_completed': ['onboarding'],
    });
  });
});

describe('dropStale (ingest far behind)', () => {
  const ev = (type: string, n: number) => ({ id: `${type}-${n}`, type }) as unknown as OutgoingEvent;

  it('drops the oldest heartbeats and telemetry first and keeps alerts, registrations and onboarding steps', () => {
    const queue = [
      ev('alert.raised', 1),
      ev('machine.heartbeat', 1),
      ev('machine.registered', 1),
      ev('telemetry.sampled', 1),
      ev('onboarding.step_completed', 1),
      ev('machine.heartbeat', 2),
      ev('alert.resolved', 1),
      ev('machine.heartbeat', 3),
    ];
    expect(dropStale(queue, 5)).toBe(3);
    expect(queue.map((e) => e.id)).toEqual([
      'alert.raised-1',
      'machine.registered-1',
      'onboarding.step_completed-1',
      'alert.resolved-1',
      'machine.heartbeat-3',
    ]);
  });

  it('leaves a queue within its bound alone, and never drops what cannot be replaced', () => {
    const short = [ev('machine.heartbeat', 1), ev('alert.raised', 1)];
    expect(dropStale(short, 2)).toBe(0);
    expect(short).toHaveLength(2);
    const alerts = [ev('alert.raised', 1), ev('alert.raised', 2), ev('machine.heartbeat', 1)];
    expect(dropStale(alerts, 1)).toBe(1);
    expect(alerts.map((e) => e.id)).toEqual(['alert.raised-1', 'alert.raised-2']);
  });
});
