import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MachineHeartbeat, MachineRegistered } from '@pulse/events';
import {
  createFleet,
  isSilent,
  meanReverting,
  registerAll,
  stepFleet,
  type Fleet,
  type FleetBehaviour,
  type SimEvent,
} from './fleet.model.ts';
import { seededRandom, type Random } from './random.ts';

const t0 = Date.parse('2026-11-25T12:00:00.000Z');
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
/** No spikes, reboots or silences: only the steady drift. */
const quiet: Partial<FleetBehaviour> = { silentShare: 0, rebootsPerDay: 0, spikesPerHour: 0 };

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

    const back = ticks.find((t) => t.at >= outage.until && t.events.some((e) => e.data.machineId === id))!;
    const mine = back.events.filter((e) => e.data.machineId === id);
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

function average(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}
