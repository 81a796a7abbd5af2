/**
 * The simulated fleet as a pure model: state plus a step function driven by an injected clock
 * (`now`, epoch ms) and random source. The simulator runner does all I/O; this file decides what
 * each machine says and when.
 *
 * Each machine reports once per interval at its own phase, and the phases are spread evenly over
 * the interval, so every tick of the runner carries about the same number of heartbeats.
 *
 * Besides its agent's heartbeats, a machine's state yields what an RMM watching it would say
 * (alert.raised / alert.resolved for a long load spike or a silent server) and its agent's
 * telemetry.sampled batches, one a minute, holding every heartbeat's CPU, memory and disk since.
 */
import type {
  AlertRaised,
  AlertResolved,
  MachineHeartbeat,
  MachineRegistered,
  Severity,
  TelemetryPoint,
  TelemetrySampled,
} from '@pulse/events';
import { generateProfiles, type MachineProfile } from './machine-profiles.ts';
import { happens, normal, shuffled, uniform, type Random } from './random.ts';

export type SimEvent =
  | { type: 'machine.registered'; at: number; data: MachineRegistered }
  | { type: 'machine.heartbeat'; at: number; data: MachineHeartbeat }
  | { type: 'alert.raised'; at: number; data: AlertRaised }
  | { type: 'alert.resolved'; at: number; data: AlertResolved }
  | { type: 'telemetry.sampled'; at: number; data: TelemetrySampled };

/** The RMM that watches the simulated fleet and raises its alerts (a DESIGN.md webhook source). */
export const ALERT_SOURCE = 'tacticalrmm';

/** What the RMM checks on a machine; each check has one alert (fingerprint) per machine. */
export type AlertCheck = 'cpu' | 'memory' | 'offline';

/** A planned stretch of silence: the network, the agent or the machine is down. */
export interface Outage {
  from: number;
  until: number;
  /** The machine restarts during the outage: uptime resets and its agent registers again. */
  reboot: boolean;
}

/** A burst of load on top of the steady state (a batch job, a backup, a runaway process). */
export interface Spike {
  from: number;
  until: number;
  cpuPct: number;
  memPct: number;
  /** The busy minutes after a boot: expected, so the RMM does not alert on them. */
  boot?: boolean;
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
  /** The RMM checks whose alert is open, so each raises once and resolves once. */
  openAlerts: readonly AlertCheck[];
  /** Samples since the last telemetry batch, and when that batch was sent. */
  telemetry: { sentAt: number; points: readonly TelemetryPoint[] };
}

export interface FleetBehaviour {
  /** Share of machines silent at any moment, in the long run. */
  silentShare: number;
  silentMinMs: number;
  silentMaxMs: number;
  rebootsPerDay: number;
  spikesPerHour: number;
  /** Whether the RMM raises alerts. */
  alerts: boolean;
  /** A spike that lasts this long raises an alert (RMMs alert on sustained load, not a blip). */
  spikeAlertAfterMs: number;
  /** A server silent this long raises a critical "agent offline" alert; workstations get switched off. */
  offlineAlertAfterMs: number;
  /** At most one telemetry batch per machine this often; 0 sends none. */
  telemetryEveryMs: number;
}

/**
 * With 200 machines: about 100 spikes an hour, three quarters of them alerting (two or three open
 * at a time, one in thirteen critical), and some 15 servers an hour offline long enough for a
 * critical alert: about three open alerts, a critical one every three or four minutes, each
 * opening a ticket downstream.
 */
export const defaultBehaviour: FleetBehaviour = {
  silentShare: 0.025,
  silentMinMs: 3 * 60_000,
  silentMaxMs: 12 * 60_000,
  rebootsPerDay: 1,
  spikesPerHour: 0.5,
  alerts: true,
  spikeAlertAfterMs: 90_000,
  offlineAlertAfterMs: 5 * 60_000,
  telemetryEveryMs: 60_000,
};

/** A spike adding this much CPU pins the machine: its alert is critical. */
const criticalSpikeCpuPct = 62;
/** A spike adding this much memory is a memory alert rather than a CPU one. */
const memorySpikePct = 9;

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
  // The long-run share of machines in a spike (rate × mean length), so alerts show within minutes.
  const spikeShare = (behaviour.spikesPerHour / HOUR) * ((spikeMinMs + spikeMaxMs) / 2);
  const machines = profiles.map((profile, i): SimMachine => {
    const uptimeMs =
      profile.role === 'ws' ? uniform(random, 2 * HOUR, 14 * DAY) : uniform(random, 1 * DAY, 120 * DAY);
    const spike = spikeShare > 0 && random() < spikeShare ? newSpike(now, random) : null;
    // Already under way: shift it back by up to its length.
    const age = spike ? uniform(random, 0, spike.until - spike.from) : 0;
    return {
      profile,
      cpuPct: clampPct(profile.cpuMeanPct + profile.cpuSdPct * normal(random)),
      memPct: clampPct(profile.memMeanPct + profile.memSdPct * normal(random)),
      diskPct: uniform(random, 15, 85),
      spike: spike && { ...spike, from: spike.from - age, until: spike.until - age },
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
      openAlerts: [],
      telemetry: { sentAt: now, points: [] },
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
  if (isSilent(m, at)) return offlineCheck({ ...m, nextAt }, at, fleet.behaviour);

  const dtS = Math.min(Math.max(0, (at - m.sampledAt) / SECOND), 30 * 86_400);
  let machine: SimMachine = { ...m, nextAt };
  if (machine.outage && at >= machine.outage.until) machine = comeBack(machine, machine.outage, at, random);
  machine = advanceMetrics(machine, at, dtS, random);
  machine = planDisturbances(machine, at, dtS, fleet, random);

  const events: SimEvent[] = [];
  if (machine.mustRegister) events.push(registered(machine, at));
  const beat = heartbeat(machine, at, random);
  events.push({ type: 'machine.heartbeat', at, data: beat });
  machine = { ...machine, mustRegister: false };
  if (fleet.behaviour.alerts) {
    const checked = loadChecks(machine, at, beat, fleet.behaviour);
    machine = checked.machine;
    events.push(...checked.events);
  }
  if (fleet.behaviour.telemetryEveryMs > 0) {
    const sampled = sample(machine, at, beat, fleet.behaviour.telemetryEveryMs);
    machine = sampled.machine;
    events.push(...sampled.events);
  }
  return { machine, events };
}

/** The alert of one check of one machine: the same fingerprint every time, so repeats deduplicate. */
export function alertFingerprint(machineId: string, check: AlertCheck): string {
  return `${ALERT_SOURCE}.${check}.${machineId}`;
}

/**
 * The RMM's view of a silent machine: a server that stays silent past the threshold gets one
 * critical "agent offline" alert. Workstations are switched off every evening, so they do not.
 */
function offlineCheck(
  m: SimMachine,
  at: number,
  b: FleetBehaviour,
): { machine: SimMachine; events: SimEvent[] } {
  const silentMs = at - (m.outage?.from ?? at);
  if (
    !b.alerts ||
    m.profile.role === 'ws' ||
    m.openAlerts.includes('offline') ||
    silentMs < b.offlineAlertAfterMs
  )
    return { machine: m, events: [] };
  const event = raised(
    m,
    at,
    'offline',
    'critical',
    `Agent offline: no check-in for ${minutesOf(silentMs)}`,
    `${m.profile.hostname} (${m.profile.os}) last checked in ${new Date(m.outage!.from).toISOString()}.`,
  );
  return { machine: { ...m, openAlerts: [...m.openAlerts, 'offline'] }, events: [event] };
}

/**
 * The RMM's checks on a machine that reports: a spike that has lasted past the threshold raises a
 * CPU (or, when it is mostly memory, a memory) alert; the spike ending, or the agent checking in
 * again after an offline alert, resolves it.
 */
function loadChecks(
  m: SimMachine,
  at: number,
  beat: MachineHeartbeat,
  b: FleetBehaviour,
): { machine: SimMachine; events: SimEvent[] } {
  const spike = m.spike;
  const alerting: AlertCheck | null =
    spike && !spike.boot && at - spike.from >= b.spikeAlertAfterMs
      ? spike.memPct >= memorySpikePct
        ? 'memory'
        : 'cpu'
      : null;
  const events: SimEvent[] = [];
  const open: AlertCheck[] = [];
  for (const check of m.openAlerts) {
    if (check === alerting) open.push(check);
    else events.push(resolved(m, at, check));
  }
  if (alerting && !open.includes(alerting)) {
    const lasted = minutesOf(at - spike!.from);
    const severity: Severity =
      alerting === 'cpu' && spike!.cpuPct >= criticalSpikeCpuPct ? 'critical' : 'warning';
    const title =
      alerting === 'cpu'
        ? `Sustained CPU load: ${Math.round(beat.cpuPct)}% for ${lasted}`
        : `Memory pressure: ${Math.round(beat.memPct)}% for ${lasted}`;
    events.push(
      raised(
        m,
        at,
        alerting,
        severity,
        title,
        `CPU ${beat.cpuPct}%, memory ${beat.memPct}%${beat.load1 === undefined ? '' : `, load ${beat.load1}`} on ${m.profile.cores} cores.`,
      ),
    );
    open.push(alerting);
  }
  return {
    machine: open.length === m.openAlerts.length && events.length === 0 ? m : { ...m, openAlerts: open },
    events,
  };
}

function minutesOf(ms: number): string {
  return ms < 2 * MINUTE ? `${Math.floor(ms / SECOND)} seconds` : `${Math.floor(ms / MINUTE)} minutes`;
}

function raised(
  m: SimMachine,
  at: number,
  check: AlertCheck,
  severity: Severity,
  title: string,
  details: string,
): SimEvent {
  const p = m.profile;
  return {
    type: 'alert.raised',
    at,
    data: {
      fingerprint: alertFingerprint(p.machineId, check),
      source: ALERT_SOURCE,
      severity,
      title,
      details,
      labels: { check, customer: p.customer, site: p.site, role: p.role },
      machineId: p.machineId,
    },
  };
}

function resolved(m: SimMachine, at: number, check: AlertCheck): SimEvent {
  return {
    type: 'alert.resolved',
    at,
    data: {
      fingerprint: alertFingerprint(m.profile.machineId, check),
      by: `source:${ALERT_SOURCE}`,
      reason: check === 'offline' ? 'agent checked in again' : 'back below the threshold',
    },
  };
}

/**
 * Keeps every heartbeat's CPU, memory and disk as telemetry points and sends them as one batch
 * once `everyMs` has passed since the last: the 1-minute buckets then get min, max and average.
 */
function sample(
  m: SimMachine,
  at: number,
  beat: MachineHeartbeat,
  everyMs: number,
): { machine: SimMachine; events: SimEvent[] } {
  const time = new Date(at).toISOString();
  const labels = { customer: m.profile.customer, role: m.profile.role };
  const points: TelemetryPoint[] = [
    ...m.telemetry.points,
    { metric: 'cpu_pct', value: beat.cpuPct, unit: '%', labels, at: time },
    { metric: 'mem_pct', value: beat.memPct, unit: '%', labels, at: time },
    { metric: 'disk_pct', value: beat.diskPct, unit: '%', labels, at: time },
  ];
  if (at - m.telemetry.sentAt < everyMs)
    return { machine: { ...m, telemetry: { ...m.telemetry, points } }, events: [] };
  return {
    machine: { ...m, telemetry: { sentAt: at, points: [] } },
    events: [{ type: 'telemetry.sampled', at, data: { machineId: m.profile.machineId, points } }],
  };
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
    spike: { from: at, until: at + 2 * MINUTE, cpuPct: uniform(random, 15, 35), memPct: 0, boot: true },
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
  // A spike that lasts past spikeAlertAfterMs raises an alert in loadChecks.
  if (!m.spike && happens(random, b.spikesPerHour / 3600, dtS)) return { ...m, spike: newSpike(at, random) };
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

const spikeMinMs = 30 * SECOND;
const spikeMaxMs = 5 * MINUTE;

function newSpike(at: number, random: Random): Spike {
  return {
    from: at,
    until: at + uniform(random, spikeMinMs, spikeMaxMs),
    cpuPct: uniform(random, 25, 65),
    memPct: uniform(random, 0, 12),
  };
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
    data: {
      machineId: p.machineId,
      hostname: p.hostname,
      os: p.os,
      agentVersion: p.agentVersion,
      ip: p.ip,
      customer: p.customer,
      site: p.site,
    },
  };
}

function heartbeat(m: SimMachine, at: number, random: Random): MachineHeartbeat {
  const p = m.profile;
  const cpuPct = clampPct(m.cpuPct + (m.spike?.cpuPct ?? 0));
  const memPct = clampPct(m.memPct + (m.spike?.memPct ?? 0));
  return {
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
  };
}

function clampPct(value: number): number {
  return Math.min(100, Math.max(0, value));
}

function round(value: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
}
