import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AlertRaised,
  AlertResolved,
  MachineHeartbeat,
  MachineRegistered,
  TelemetrySampled,
} from '@pulse/events';
import {
  alertFingerprint,
  createFleet,
  isSilent,
  meanReverting,
  registerAll,
  stepFleet,
  type Fleet,
  type FleetBehaviour,
  type SimEvent,
  type Outage,
  type Spike,
} from './fleet.model.ts';
import { seededRandom, type Random } from './random.ts';

const t0 = Date.parse('2026-11-25T12:00:00.000Z');
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
/** No spikes, reboots or silences, no alerts or telemetry: only the steady drift of heartbeats. */
const quiet: Partial<FleetBehaviour> = {
  silentShare: 0,
  rebootsPerDay: 0,
  spikesPerHour: 0,
  alerts: false,
  telemetryEveryMs: 0,
};

function givenFleet(
  size: number,
  options: { behaviour?: Partial<FleetBehaviour>; seed?: number; intervalMs?: number } = {},
) {
  const random = seededRandom(options.seed ?? 1);
  const fleet = createFleet({
    size,
    intervalMs: options.intervalMs ?? 10 * SECOND,
    now: t0,
    random,
    agentVersion: '1.0.0',
    behaviour: options.behaviour,
  });
  return { fleet: registerAll(fleet, t0).fleet, random };
}

/** Steps the fleet every `tickMs` over (from, to] and returns what each tick emitted. */
function simulate(fleet: Fleet, random: Random, to: number, tickMs = SECOND, from = t0) {
  const ticks: { at: number; events: SimEvent[] }[] = [];
  for (let now = from + tickMs; now <= to; now += tickMs) {
    const step = stepFleet(fleet, now, random);
    fleet = step.fleet;
    ticks.push({ at: now, events: step.events });
  }
  return { fleet, ticks, events: ticks.flatMap((t) => t.events) };
}

/** The machine an event is about; an alert's resolve names it only in its fingerprint. */
const machineOf = (e: SimEvent): string | undefined =>
  e.type === 'alert.resolved' ? e.data.fingerprint.split('.').slice(2).join('.') : e.data.machineId;

const heartbeatsOf = (events: SimEvent[], machineId: string) =>
  events.filter(
    (e): e is Extract<SimEvent, { type: 'machine.heartbeat' }> =>
      e.type === 'machine.heartbeat' && e.data.machineId === machineId,
  );

describe('registration', () => {
  it('registers every machine once, before any heartbeat, with data the catalog accepts', () => {
    const random = seededRandom(3);
    const fleet = createFleet({
      size: 50,
      intervalMs: 10 * SECOND,
      now: t0,
      random,
      agentVersion: '1.0.0',
      behaviour: quiet,
    });
    const first = registerAll(fleet, t0);
    expect(first.events).toHaveLength(50);
    for (const e of first.events) expect(MachineRegistered.safeParse(e.data).success).toBe(true);
    expect(registerAll(first.fleet, t0).events).toHaveLength(0);
    expect(
      simulate(first.fleet, random, t0 + MINUTE).events.every((e) => e.type === 'machine.heartbeat'),
    ).toBe(true);
  });
});

describe('batching', () => {
  it('spreads the fleet evenly over the interval: each 1 s tick carries a tenth of a 10 s fleet', () => {
    const { fleet, random } = givenFleet(200, { behaviour: quiet });
    const { ticks } = simulate(fleet, random, t0 + 2 * MINUTE);
    const counts = ticks.map((t) => t.events.length);
    expect(Math.min(...counts)).toBeGreaterThanOrEqual(19);
    expect(Math.max(...counts)).toBeLessThanOrEqual(21);
  });

  it('has each machine report exactly once per interval', () => {
    const { fleet, random } = givenFleet(200, { behaviour: quiet });
    const { events } = simulate(fleet, random, t0 + MINUTE);
    for (const m of fleet.machines) {
      const at = heartbeatsOf(events, m.profile.machineId)
        .map((e) => e.at)
        .filter((at) => at < t0 + MINUTE);
      expect(at).toHaveLength(6);
      expect(at.slice(1).map((a, i) => a - at[i]!)).toEqual([10_000, 10_000, 10_000, 10_000, 10_000]);
    }
  });

  it('sends one report per machine, not a burst, when the runner fell behind', () => {
    const { fleet, random } = givenFleet(30, { behaviour: quiet });
    const late = stepFleet(fleet, t0 + 65 * SECOND, random);
    expect(late.events).toHaveLength(30);
    expect(
      late.fleet.machines.every((m) => m.nextAt > t0 + 65 * SECOND && m.nextAt <= t0 + 75 * SECOND),
    ).toBe(true);
  });
});

describe('drift', () => {
  it('keeps every step within 0–100 whatever the state, step and noise', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 100, noNaN: true }),
        fc.double({ min: 0, max: 100, noNaN: true }),
        fc.double({ min: 0, max: 50, noNaN: true }),
        fc.double({ min: 0, max: 1e7, noNaN: true }),
        fc.double({ min: 1, max: 1e4, noNaN: true }),
        fc.double({ min: -40, max: 40, noNaN: true }),
        (value, mean, sd, dtS, settleS, z) => {
          const next = meanReverting(value, mean, sd, dtS, settleS, z);
          return next >= 0 && next <= 100;
        },
      ),
    );
  });

  it('produces only valid heartbeats over hours of spikes, reboots, silences and disk growth', () => {
    const { fleet, random } = givenFleet(50, {
      seed: 7,
      behaviour: { spikesPerHour: 4, rebootsPerDay: 12, silentShare: 0.05 },
    });
    const { events } = simulate(fleet, random, t0 + 6 * HOUR, 10 * SECOND);
    const heartbeats = events.filter((e) => e.type === 'machine.heartbeat');
    expect(heartbeats.length).toBeGreaterThan(50 * 1800);
    for (const e of heartbeats) {
      const parsed = MachineHeartbeat.safeParse(e.data);
      if (!parsed.success) throw new Error(`${JSON.stringify(e.data)}: ${parsed.error.message}`);
    }
  });
});

describe('mean reversion', () => {
  it('without noise, shrinks the distance to the mean by e^-1 per settle time, never overshooting', () => {
    let value = 95;
    const path: number[] = [];
    for (let i = 0; i < 12; i++) path.push((value = meanReverting(value, 20, 10, 10, 120, 0)));
    expect(path.every((v, i) => v < (i === 0 ? 95 : path[i - 1]!) && v > 20)).toBe(true);
    expect(path[11]! - 20).toBeCloseTo(75 * Math.exp(-1), 6);
  });

  it('brings a fleet pushed to 95 % CPU back to its usual level within minutes', () => {
    const given = givenFleet(100, { behaviour: quiet, seed: 11 });
    const fleet: Fleet = {
      ...given.fleet,
      machines: given.fleet.machines.map((m) => ({ ...m, cpuPct: 95 })),
    };
    const usual = average(fleet.machines.map((m) => m.profile.cpuMeanPct));
    const { ticks } = simulate(fleet, given.random, t0 + 20 * MINUTE, 10 * SECOND);
    const cpuAt = (tick: number) =>
      average(ticks[tick]!.events.flatMap((e) => (e.type === 'machine.heartbeat' ? [e.data.cpuPct] : [])));
    // Machines report at their own phase, so each 10 s tick holds all 100 of them.
    expect(ticks[0]!.events).toHaveLength(100);
    expect(cpuAt(0)).toBeGreaterThan(80);
    expect(Math.abs(cpuAt(ticks.length - 1) - usual)).toBeLessThan(5);
  });
});

describe('silence', () => {
  it('sends nothing while a machine is silent, then resumes with its uptime intact', () => {
    const given = givenFleet(20, { behaviour: quiet });
    const outage = { from: t0 + 30 * SECOND, until: t0 + 5 * MINUTE, reboot: false };
    const fleet: Fleet = {
      ...given.fleet,
      machines: given.fleet.machines.map((m, i) => (i === 0 ? { ...m, outage } : m)),
    };
    const id = fleet.machines[0]!.profile.machineId;
    const { events } = simulate(fleet, given.random, t0 + 10 * MINUTE);

    const mine = heartbeatsOf(events, id);
    expect(mine.filter((e) => e.at >= outage.from && e.at < outage.until)).toEqual([]);
    expect(mine.some((e) => e.at < outage.from)).toBe(true);
    const after = mine.filter((e) => e.at >= outage.until);
    expect(after.length).toBeGreaterThanOrEqual(29);
    expect(events.some((e) => e.type === 'machine.registered')).toBe(false);
    const uptimes = mine.map((e) => e.data.uptimeS);
    expect(uptimes.slice(1).every((u, i) => u > uptimes[i]!)).toBe(true);
  });

  it('keeps about the configured share of the fleet silent, each for minutes', () => {
    const size = 500;
    const { fleet, random } = givenFleet(size, {
      seed: 5,
      behaviour: { silentShare: 0.025, rebootsPerDay: 0, spikesPerHour: 0 },
    });
    let state = fleet;
    const shares: number[] = [];
    for (let now = t0 + 10 * SECOND; now <= t0 + 90 * MINUTE; now += 10 * SECOND) {
      state = stepFleet(state, now, random).fleet;
      if (now >= t0 + 15 * MINUTE) shares.push(state.machines.filter((m) => isSilent(m, now)).length / size);
    }
    expect(average(shares)).toBeGreaterThan(0.015);
    expect(average(shares)).toBeLessThan(0.04);
    const durations = state.machines.flatMap((m) => (m.outage ? [m.outage.until - m.outage.from] : []));
    expect(durations.every((d) => d >= 3 * MINUTE && d <= 12 * MINUTE)).toBe(true);
  });
});

describe('reboot', () => {
  it('resets the uptime and registers the machine again before its next heartbeat', () => {
    const given = givenFleet(5, { behaviour: quiet });
    const outage = { from: t0 + 15 * SECOND, until: t0 + 2 * MINUTE, reboot: true };
    const fleet: Fleet = {
      ...given.fleet,
      machines: given.fleet.machines.map((m, i) => (i === 0 ? { ...m, outage } : m)),
    };
    const id = fleet.machines[0]!.profile.machineId;
    const { ticks } = simulate(fleet, given.random, t0 + 5 * MINUTE);

    const back = ticks.find((t) => t.at >= outage.until && t.events.some((e) => machineOf(e) === id))!;
    const mine = back.events.filter((e) => machineOf(e) === id);
    expect(mine.map((e) => e.type)).toEqual(['machine.registered', 'machine.heartbeat']);
    const hb = mine[1]!.data as MachineHeartbeat;
    expect(hb.uptimeS).toBeGreaterThanOrEqual(20);
    expect(hb.uptimeS).toBeLessThan(80);
  });
});

describe('disk', () => {
  it('fills slowly: a fraction of a percentage point a day, never past 100', () => {
    const { fleet, random } = givenFleet(50, { behaviour: quiet, seed: 9 });
    const { fleet: dayLater } = simulate(fleet, random, t0 + 24 * HOUR, 60 * SECOND);
    const growth = dayLater.machines.map((m, i) => m.diskPct - fleet.machines[i]!.diskPct);
    expect(growth.every((g) => g <= 2)).toBe(true);
    expect(average(growth)).toBeGreaterThan(0);
    expect(dayLater.machines.every((m) => m.diskPct <= 100)).toBe(true);
  });
});

/** Alerts on, nothing else happening unless a test sets it up. */
const alertsOnly: Partial<FleetBehaviour> = { ...quiet, alerts: true };

/** The fleet with machine `index` given a spike or an outage. */
function withMachine(fleet: Fleet, index: number, change: { spike?: Spike; outage?: Outage }): Fleet {
  return { ...fleet, machines: fleet.machines.map((m, i) => (i === index ? { ...m, ...change } : m)) };
}

const alertsOf = (events: SimEvent[], machineId?: string) =>
  events.filter(
    (e): e is Extract<SimEvent, { type: 'alert.raised' | 'alert.resolved' }> =>
      (e.type === 'alert.raised' || e.type === 'alert.resolved') &&
      (machineId === undefined || machineOf(e) === machineId),
  );

describe('alerts', () => {
  it('raises one alert for a spike past the threshold and resolves it once when the spike ends, under one fingerprint', () => {
    const given = givenFleet(20, { behaviour: alertsOnly });
    const spike = { from: t0, until: t0 + 4 * MINUTE, cpuPct: 40, memPct: 2 };
    const fleet = withMachine(given.fleet, 0, { spike });
    const id = fleet.machines[0]!.profile.machineId;
    const { events } = simulate(fleet, given.random, t0 + 15 * MINUTE);

    const alerts = alertsOf(events);
    expect(alerts.map((e) => e.type)).toEqual(['alert.raised', 'alert.resolved']);
    const [raised, resolved] = alerts as [
      Extract<SimEvent, { type: 'alert.raised' }>,
      Extract<SimEvent, { type: 'alert.resolved' }>,
    ];
    expect(raised.data).toMatchObject({
      fingerprint: alertFingerprint(id, 'cpu'),
      source: 'tacticalrmm',
      severity: 'warning',
      machineId: id,
      labels: { check: 'cpu' },
    });
    expect(resolved.data).toMatchObject({ fingerprint: raised.data.fingerprint, by: 'source:tacticalrmm' });
    // Seen at the machine's first report past the threshold, cleared at its first report after the spike.
    expect(raised.at).toBeGreaterThanOrEqual(t0 + 90 * SECOND);
    expect(raised.at).toBeLessThan(t0 + 100 * SECOND);
    expect(resolved.at).toBeGreaterThanOrEqual(spike.until);
    expect(resolved.at).toBeLessThan(spike.until + 10 * SECOND);
    expect(AlertRaised.safeParse(raised.data).success).toBe(true);
    expect(AlertResolved.safeParse(resolved.data).success).toBe(true);
  });

  it('raises nothing for a short spike, critical for one that pins the CPU, memory for one that is mostly memory', () => {
    const given = givenFleet(20, { behaviour: alertsOnly });
    let fleet = withMachine(given.fleet, 0, {
      spike: { from: t0, until: t0 + 80 * SECOND, cpuPct: 64, memPct: 0 },
    });
    fleet = withMachine(fleet, 1, { spike: { from: t0, until: t0 + 4 * MINUTE, cpuPct: 62, memPct: 1 } });
    fleet = withMachine(fleet, 2, { spike: { from: t0, until: t0 + 4 * MINUTE, cpuPct: 30, memPct: 10 } });
    const [short, pinned, memory] = fleet.machines.map((m) => m.profile.machineId);
    const { events } = simulate(fleet, given.random, t0 + 10 * MINUTE);

    expect(alertsOf(events, short)).toEqual([]);
    const raisedOf = (id: string | undefined) =>
      alertsOf(events, id).flatMap((e) => (e.type === 'alert.raised' ? [e.data] : []));
    expect(raisedOf(pinned)).toMatchObject([
      { severity: 'critical', fingerprint: alertFingerprint(pinned!, 'cpu') },
    ]);
    expect(raisedOf(memory)).toMatchObject([
      { severity: 'warning', fingerprint: alertFingerprint(memory!, 'memory') },
    ]);
    expect(alertsOf(events).filter((e) => e.type === 'alert.resolved')).toHaveLength(2);
  });

  it('raises one critical "agent offline" for a server silent past 5 minutes and resolves it when it is back; none for a workstation', () => {
    const given = givenFleet(40, { behaviour: alertsOnly });
    const server = given.fleet.machines.findIndex((m) => m.profile.role !== 'ws');
    const workstation = given.fleet.machines.findIndex((m) => m.profile.role === 'ws');
    // It was powered off: the busy minutes after its boot raise no load alert either.
    const outage = { from: t0 + 30 * SECOND, until: t0 + 10 * MINUTE, reboot: true };
    const fleet = withMachine(withMachine(given.fleet, server, { outage }), workstation, { outage });
    const serverId = fleet.machines[server]!.profile.machineId;
    const { events } = simulate(fleet, given.random, t0 + 15 * MINUTE);

    expect(alertsOf(events, fleet.machines[workstation]!.profile.machineId)).toEqual([]);
    const mine = alertsOf(events, serverId);
    expect(mine.map((e) => [e.type, e.data.fingerprint])).toEqual([
      ['alert.raised', alertFingerprint(serverId, 'offline')],
      ['alert.resolved', alertFingerprint(serverId, 'offline')],
    ]);
    expect(mine[0]!.data).toMatchObject({ severity: 'critical', source: 'tacticalrmm', machineId: serverId });
    expect(mine[0]!.at).toBeGreaterThanOrEqual(outage.from + 5 * MINUTE);
    expect(mine[0]!.at).toBeLessThan(outage.until);
    expect(mine[1]!.at).toBeGreaterThanOrEqual(outage.until);
  });

  it('keeps a realistic rate with 200 machines: a few open at a time, a critical one every few minutes, each raise resolved before it repeats', () => {
    const { fleet, random } = givenFleet(200, { seed: 4 });
    let state = fleet;
    const events: ReturnType<typeof alertsOf> = [];
    const open: number[] = [];
    for (let now = t0 + SECOND; now <= t0 + 2 * HOUR; now += SECOND) {
      const step = stepFleet(state, now, random);
      state = step.fleet;
      events.push(...alertsOf(step.events));
      if (now % MINUTE === 0) open.push(state.machines.reduce((n, m) => n + m.openAlerts.length, 0));
    }
    expect(average(open)).toBeGreaterThan(1);
    expect(average(open)).toBeLessThan(8);
    const criticalPerHour =
      events.filter((e) => e.type === 'alert.raised' && e.data.severity === 'critical').length / 2;
    expect(criticalPerHour).toBeGreaterThan(8);
    expect(criticalPerHour).toBeLessThan(40);
    // Per fingerprint: raise, resolve, raise, … never two raises (or resolves) in a row.
    const last = new Map<string, string>();
    for (const e of events) {
      expect(last.get(e.data.fingerprint)).not.toBe(e.type);
      last.set(e.data.fingerprint, e.type);
    }
  });

  it('is the same for the same seed', () => {
    const run = () => {
      const { fleet, random } = givenFleet(50, {
        seed: 21,
        behaviour: { spikesPerHour: 4, silentShare: 0.1 },
      });
      return simulate(fleet, random, t0 + 30 * MINUTE, 10 * SECOND).events;
    };
    const first = run();
    expect(alertsOf(first).length).toBeGreaterThan(5);
    expect(run()).toEqual(first);
  });
});

describe('telemetry', () => {
  it('sends at most one batch per machine a minute, holding the CPU, memory and disk of every heartbeat since', () => {
    const { fleet, random } = givenFleet(30, {
      seed: 3,
      behaviour: { spikesPerHour: 4, alerts: false, silentShare: 0, rebootsPerDay: 0 },
    });
    const { events } = simulate(fleet, random, t0 + 20 * MINUTE);
    for (const m of fleet.machines) {
      const id = m.profile.machineId;
      const batches = events.filter(
        (e): e is Extract<SimEvent, { type: 'telemetry.sampled' }> =>
          e.type === 'telemetry.sampled' && e.data.machineId === id,
      );
      expect(batches.length).toBeGreaterThanOrEqual(18);
      expect(batches.length).toBeLessThanOrEqual(20);
      expect(batches.slice(1).every((b, i) => b.at - batches[i]!.at >= MINUTE)).toBe(true);
      const beats = heartbeatsOf(events, id).filter((e) => e.at <= batches.at(-1)!.at);
      const cpu = batches.flatMap((b) => b.data.points.filter((p) => p.metric === 'cpu_pct'));
      expect(cpu.map((p) => [Date.parse(p.at), p.value, p.unit])).toEqual(
        beats.map((e) => [e.at, e.data.cpuPct, '%']),
      );
      for (const b of batches) {
        expect(new Set(b.data.points.map((p) => p.metric))).toEqual(
          new Set(['cpu_pct', 'mem_pct', 'disk_pct']),
        );
        expect(TelemetrySampled.safeParse(b.data).success).toBe(true);
      }
    }
  });
});

function average(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}
