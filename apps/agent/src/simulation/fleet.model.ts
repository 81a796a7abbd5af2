/**
 * The simulated fleet as a pure model: state plus a step function driven by an injected clock
 * (`now`, epoch ms) and random source. The simulator runner does all I/O; this file decides what
 * each machine says and when.
 *
 * Each machine reports once per interval at its own phase, and the phases are spread evenly over
 * the interval, so every tick of the runner carries about the same number of heartbeats.
 */
import type { MachineHeartbeat, MachineRegistered } from '@pulse/events';
import { generateProfiles, type MachineProfile } from './machine-profiles.ts';
import { happens, normal, shuffled, uniform, type Random } from './random.ts';

export type SimEvent =
  | { type: 'machine.registered'; at: number; data: MachineRegistered }
  | { type: 'machine.heartbeat'; at: number; data: MachineHeartbeat };

/** A planned stretch of silence: the network, the agent or the machine is down. */
export interface Outage {
  from: number;
  until: number;
  /** The machine restarts during the outage: uptime resets and its agent registers again. */
  reboot: boolean;
}

/** A burst of load on top of the steady state (a batch job, a backup, a runaway process). */
export interface Spike {
  until: number;
  cpuPct: number;
  memPct: number;
}

export interface SimMachine {
  profile: MachineProfile;
  /** Steady-state levels, before any spike. */
  cpuPct: number;
  memPct: number;
  diskPct: number;
  spike: Spike | null;
  bootedAt: number;
  /** When this machine next reports. */
  nextAt: number;
  /** When its metrics were last advanced. */
  sampledAt: number;
  outage: Outage | null;
  mustRegister: boolean;
}

export interface FleetBehaviour {
  /** Share of machines silent at any moment, in the long run. */
  silentShare: number;
  silentMinMs: number;
  silentMaxMs: number;
  rebootsPerDay: number;
  spikesPerHour: number;
}

export const defaultBehaviour: FleetBehaviour = {
  silentShare: 0.025,
  silentMinMs: 3 * 60_000,
  silentMaxMs: 12 * 60_000,
  rebootsPerDay: 1,
  spikesPerHour: 0.5,
};

export interface Fleet {
  intervalMs: number;
  behaviour: FleetBehaviour;
  machines: readonly SimMachine[];
}

export interface StepResult {
  fleet: Fleet;
  events: SimEvent[];
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** How quickly CPU and memory return to their usual level: e^-1 of a deviation is left after this long. */
const cpuSettleS = 120;
const memSettleS = 1800;

export function createFleet(options: {
  size: number;
  intervalMs: number;
  now: number;
  random: Random;
  agentVersion: string;
  behaviour?: Partial<FleetBehaviour>;
}): Fleet {
  const { size, intervalMs, now, random } = options;
  // Only the settings given replace the defaults; an explicit `undefined` keeps the default.
  const given = Object.entries(options.behaviour ?? {}).filter(([, v]) => v !== undefined);
  const behaviour: FleetBehaviour = { ...defaultBehaviour, ...Object.fromEntries(given) };
  const profiles = generateProfiles(size, random, options.agentVersion);
  // Phases i/size of the interval, handed out in random order so that one customer's machines do
  // not all report in the same second.
  const slots = shuffled(
    random,
    profiles.map((_, i) => i),
  );
  const machines = profiles.map((profile, i): SimMachine => {
    const uptimeMs =
      profile.role === 'ws' ? uniform(random, 2 * HOUR, 14 * DAY) : uniform(random, 1 * DAY, 120 * DAY);
    return {
      profile,
      cpuPct: clampPct(profile.cpuMeanPct + profile.cpuSdPct * normal(random)),
      memPct: clampPct(profile.memMeanPct + profile.memSdPct * normal(random)),
      diskPct: uniform(random, 15, 85),
      spike: null,
      bootedAt: now - uptimeMs,
      nextAt: now + Math.floor((slots[i]! * intervalMs) / size),
      sampledAt: now,
      // Start with the long-run share of machines headed for silence, so a fresh demo shows some
      // overdue and offline machines within minutes instead of after an hour.
      outage:
        random() < behaviour.silentShare
          ? silence(now + uniform(random, 30 * SECOND, 3 * MINUTE), behaviour, random)
          : null,
      mustRegister: true,
    };
  });
  return { intervalMs, behaviour, machines };
}

/** machine.registered for every machine that has not registered yet; the runner sends these first. */
export function registerAll(fleet: Fleet, now: number): StepResult {
  const events: SimEvent[] = [];
  const machines = fleet.machines.map((m) => {
    if (!m.mustRegister) return m;
    events.push(registered(m, now));
    return { ...m, mustRegister: false };
  });
  return { fleet: { ...fleet, machines }, events };
}

/** Advances the fleet to `now`: every machine due since the last step reports, unless it is silent. */
export function stepFleet(fleet: Fleet, now: number, random: Random): StepResult {
  const events: SimEvent[] = [];
  const machines = fleet.machines.map((m) => {
    if (m.nextAt > now) return m;
    const next = stepMachine(m, now, fleet, random);
    events.push(...next.events);
    return next.machine;
  });
  return { fleet: { ...fleet, machines }, events };
}

export function isSilent(machine: SimMachine, at: number): boolean {
  return machine.outage !== null && at >= machine.outage.from && at < machine.outage.until;
}

export function silentCount(fleet: Fleet, now: number): number {
  return fleet.machines.reduce((n, m) => n + (isSilent(m, now) ? 1 : 0), 0);
}

function stepMachine(
  m: SimMachine,
  now: number,
  fleet: Fleet,
  random: Random,
): { machine: SimMachine; events: SimEvent[] } {
  const at = m.nextAt;
  // A runner that fell behind gets one report per machine, not a burst of catch-up reports.
  const nextAt = at + fleet.intervalMs * (Math.floor((now - at) / fleet.intervalMs) + 1);
  if (isSilent(m, at)) return { machine: { ...m, nextAt }, events: [] };

  const dtS = Math.min(Math.max(0, (at - m.sampledAt) / SECOND), 30 * 86_400);
  let machine: SimMachine = { ...m, nextAt };
  if (machine.outage && at >= machine.outage.until) machine = comeBack(machine, machine.outage, at, random);
  machine = advanceMetrics(machine, at, dtS, random);
  machine = planDisturbances(machine, at, dtS, fleet, random);

  const events: SimEvent[] = [];
  if (machine.mustRegister) events.push(registered(machine, at));
  events.push(heartbeat(machine, at, random));
  return { machine: { ...machine, mustRegister: false }, events };
}

function comeBack(m: SimMachine, outage: Outage, at: number, random: Random): SimMachine {
  if (!outage.reboot) return { ...m, outage: null };
  // The machine booted shortly before the outage ended and its agent, starting fresh, registers
  // again; a fresh boot runs busy for a minute or two and has not yet filled its memory.
  return {
    ...m,
    outage: null,
    bootedAt: outage.until - uniform(random, 20 * SECOND, 60 * SECOND),
    memPct: m.profile.memMeanPct * 0.7,
    spike: { until: at + 2 * MINUTE, cpuPct: uniform(random, 15, 35), memPct: 0 },
    mustRegister: true,
  };
}

function advanceMetrics(m: SimMachine, at: number, dtS: number, random: Random): SimMachine {
  const p = m.profile;
  let diskPct = m.diskPct + (p.diskGrowthPctPerDay * dtS) / 86_400;
  // Someone (or logrotate) makes room before the disk fills completely.
  if (diskPct >= 96) diskPct -= uniform(random, 15, 30);
  return {
    ...m,
    cpuPct: meanReverting(m.cpuPct, p.cpuMeanPct, p.cpuSdPct, dtS, cpuSettleS, normal(random)),
    memPct: meanReverting(m.memPct, p.memMeanPct, p.memSdPct, dtS, memSettleS, normal(random)),
    diskPct: clampPct(diskPct),
    spike: m.spike && m.spike.until > at ? m.spike : null,
    sampledAt: at,
  };
}

function planDisturbances(m: SimMachine, at: number, dtS: number, fleet: Fleet, random: Random): SimMachine {
  if (m.outage) return m;
  const b = fleet.behaviour;
  if (!m.spike && happens(random, b.spikesPerHour / 3600, dtS)) {
    // TODO(alerts): when alert.* event types exist in @pulse/events, a spike that lasts past a
    // threshold is where a simulated RMM would raise an alert (and clear it when the spike ends).
    // Return it from here as a SimEvent alongside the heartbeat; do not invent the type before then.
    return {
      ...m,
      spike: {
        until: at + uniform(random, 30 * SECOND, 5 * MINUTE),
        cpuPct: uniform(random, 25, 65),
        memPct: uniform(random, 0, 12),
      },
    };
  }
  if (happens(random, b.rebootsPerDay / 86_400, dtS)) {
    return {
      ...m,
      outage: { from: at + 1, until: at + uniform(random, 45 * SECOND, 3 * MINUTE), reboot: true },
    };
  }
  // Going silent at this rate, for this long on average, keeps `silentShare` of the fleet silent.
  const meanSilenceS = (b.silentMinMs + b.silentMaxMs) / 2 / SECOND;
  const silenceRate = b.silentShare >= 1 ? Infinity : b.silentShare / ((1 - b.silentShare) * meanSilenceS);
  if (happens(random, silenceRate, dtS))
    return { ...m, outage: silence(at + uniform(random, 1, fleet.intervalMs), b, random) };
  return m;
}

function silence(from: number, b: FleetBehaviour, random: Random): Outage {
  // Most silences are a network or agent problem; some are a machine that was powered off.
  return { from, until: from + uniform(random, b.silentMinMs, b.silentMaxMs), reboot: random() < 0.25 };
}

/**
 * One step of an Ornstein–Uhlenbeck process sampled exactly: the distance to `mean` shrinks by
 * e^(-dt/settle) and noise keeps the long-run standard deviation at `sd`, whatever the step length.
 * `z` is a standard normal draw. The result is clamped to 0–100.
 */
export function meanReverting(
  value: number,
  mean: number,
  sd: number,
  dtS: number,
  settleS: number,
  z: number,
): number {
  const keep = Math.exp(-dtS / settleS);
  return clampPct(mean + (value - mean) * keep + sd * Math.sqrt(1 - keep * keep) * z);
}

function registered(m: SimMachine, at: number): SimEvent {
  const p = m.profile;
  return {
    type: 'machine.registered',
    at,
    data: { machineId: p.machineId, hostname: p.hostname, os: p.os, agentVersion: p.agentVersion, ip: p.ip },
  };
}

function heartbeat(m: SimMachine, at: number, random: Random): SimEvent {
  const p = m.profile;
  const cpuPct = clampPct(m.cpuPct + (m.spike?.cpuPct ?? 0));
  const memPct = clampPct(m.memPct + (m.spike?.memPct ?? 0));
  return {
    type: 'machine.heartbeat',
    at,
    data: {
      machineId: p.machineId,
      hostname: p.hostname,
      os: p.os,
      cpuPct: round(cpuPct, 1),
      memPct: round(memPct, 1),
      diskPct: round(m.diskPct, 1),
      uptimeS: Math.max(0, Math.floor((at - m.bootedAt) / SECOND)),
      agentVersion: p.agentVersion,
      // Windows has no load average; elsewhere it follows CPU use across the cores, roughly.
      ...(p.platform !== 'windows' && {
        load1: round((cpuPct / 100) * p.cores * uniform(random, 0.8, 1.25), 2),
      }),
      ip: p.ip,
      ...(p.loggedInUser && { loggedInUser: p.loggedInUser }),
    },
  };
}

function clampPct(value: number): number {
  return Math.min(100, Math.max(0, value));
}

function round(value: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
}
