/**
 * The fleet simulator, for the demo and for load tests: what a managed-service provider's tenant
 * receives from its customers' machines, its RMM and its onboarding portal.
 *
 * - machine.registered for each of N machines (with its customer and site), then machine.heartbeat
 *   from each every interval; some machines go silent for minutes or reboot;
 * - telemetry.sampled: at most one batch per machine a minute, with CPU, memory and disk;
 * - alert.raised / alert.resolved from the RMM (`tacticalrmm`): a load spike lasting over 90 seconds
 *   (warning, critical when it pins the CPU) and a server silent over 5 minutes (critical);
 * - onboarding.step_completed: customers going through the default funnel, some stalling for good.
 *
 * The models (src/simulation) decide what is said and when, from the seed; this file only sends
 * it, one POST per tick carrying everything due in that tick.
 *
 *   npm run simulate -- --url http://localhost:8080 --key <ingest key> [--machines 200] [--interval 10] [--seed 42]
 *
 * or in-process: `const sim = startSimulator({ url, key, machines: 200, intervalS: 10 }); …; await sim.stop();`
 */
import { randomInt } from 'node:crypto';
import { z } from 'zod';
import {
  abortOnSignals,
  countFlag,
  IngestKey,
  IngestUrl,
  isEntryPoint,
  parseCommandLine,
  runCli,
  sleepUntil,
} from './cli.ts';
import { consoleLog, type Log } from './log.ts';
import { outgoing } from './outgoing.ts';
import {
  createSender,
  IngestRejectedError,
  persistentRetry,
  type OutgoingEvent,
  type RetryPolicy,
} from './sender.ts';
import {
  ALERT_SOURCE,
  createFleet,
  registerAll,
  silentCount,
  stepFleet,
  type SimEvent,
} from './simulation/fleet.model.ts';
import {
  createOnboarding,
  stepOnboarding,
  type JourneyEvent,
  type Onboarding,
} from './simulation/onboarding.model.ts';
import { seededRandom } from './simulation/random.ts';
import { agentVersion, userAgent } from './version.ts';

export const SimulatorSettings = z.object({
  url: IngestUrl,
  key: IngestKey,
  machines: z.number().int().min(1).max(100_000).default(200),
  intervalS: z.number().min(0.1).max(3600).default(10),
  /** The same seed gives the same fleet, names and metric paths. */
  seed: z
    .number()
    .int()
    .min(0)
    .max(2 ** 31 - 1)
    .optional(),
  /** How often the due machines are sent, as one request. */
  tickMs: z.number().int().min(10).max(60_000).default(1000),
  summaryEveryMs: z.number().int().min(100).default(30_000),
  /** Most events in one request; a bigger tick is split. */
  maxBatch: z.number().int().min(1).max(10_000).default(1000),
  maxInFlight: z.number().int().min(1).max(64).default(4),
  /** Only registrations and heartbeats: no alerts, telemetry or onboardings (load tests of the fleet view). */
  heartbeatsOnly: z.boolean().default(false),
  behaviour: z
    .object({
      silentShare: z.number().min(0).max(1),
      silentMinMs: z.number().min(0),
      silentMaxMs: z.number().min(0),
      rebootsPerDay: z.number().min(0),
      spikesPerHour: z.number().min(0),
      alerts: z.boolean(),
      spikeAlertAfterMs: z.number().min(0),
      offlineAlertAfterMs: z.number().min(0),
      telemetryEveryMs: z.number().min(0),
    })
    .partial()
    .optional(),
});

export type SimulatorOptions = z.input<typeof SimulatorSettings> & {
  log?: Log;
  /** Aborting it stops the simulator, like stop(). */
  signal?: AbortSignal;
};

export interface SimulatorStats {
  machines: number;
  silent: number;
  registered: number;
  sentEvents: number;
  requests: number;
  failedRequests: number;
  failedEvents: number;
  /** Heartbeats and telemetry dropped unsent because ingest fell too far behind. */
  droppedEvents: number;
  /** Alerts the simulated RMM has open now, and onboarding journeys still going. */
  openAlerts: number;
  activeJourneys: number;
}

export interface Simulator {
  /** Settles when the simulator has stopped; rejects if ingest refused the registrations (a bad key, say). */
  readonly done: Promise<void>;
  stop(): Promise<void>;
  stats(): SimulatorStats;
}

/** Heartbeats go stale within an interval, so retry briefly; the next tick brings fresh ones. */
const heartbeatRetry: RetryPolicy = { retries: 4, minTimeoutMs: 250, maxTimeoutMs: 4000 };

export function startSimulator(options: SimulatorOptions): Simulator {
  const parsed = SimulatorSettings.safeParse(options);
  if (!parsed.success) {
    throw new RangeError(
      `startSimulator: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  const settings = parsed.data;
  const log = options.log ?? consoleLog('simulator');
  const controller = new AbortController();
  options.signal?.addEventListener('abort', () => controller.abort(options.signal?.reason), { once: true });
  if (options.signal?.aborted) controller.abort(options.signal.reason);
  const stats: SimulatorStats = {
    machines: settings.machines,
    silent: 0,
    registered: 0,
    sentEvents: 0,
    requests: 0,
    failedRequests: 0,
    failedEvents: 0,
    droppedEvents: 0,
    openAlerts: 0,
    activeJourneys: 0,
  };
  const done = run(settings, log, controller.signal, stats);
  // The reason is logged already; a caller that never awaits `done` must not crash on it.
  done.catch(() => {});
  return {
    done,
    stop: () => {
      controller.abort(new Error('simulator stopped'));
      return done;
    },
    stats: () => ({ ...stats }),
  };
}

type Settings = z.output<typeof SimulatorSettings>;

async function run(settings: Settings, log: Log, signal: AbortSignal, stats: SimulatorStats): Promise<void> {
  const seed = settings.seed ?? randomInt(2 ** 31 - 1);
  const random = seededRandom(seed);
  // Onboardings draw from their own source, so they do not change the fleet of a seed.
  const journeyRandom = seededRandom(seed ^ 0x5eed);
  const intervalMs = Math.round(settings.intervalS * 1000);

  // Ingest being down is one condition, not one per request: say so when it starts and when it ends.
  let unavailableSince: number | undefined;
  const sender = createSender({
    url: settings.url,
    key: settings.key,
    userAgent,
    onAttemptFailed: ({ error }) => {
      if (unavailableSince !== undefined) return;
      unavailableSince = Date.now();
      log.warn(`ingest unavailable (${error.message}); retrying with backoff`);
    },
  });
  const delivered = () => {
    if (unavailableSince === undefined) return;
    log.info(`ingest reachable again after ${Math.round((Date.now() - unavailableSince) / 1000)} s`);
    unavailableSince = undefined;
  };

  let fleet = createFleet({
    size: settings.machines,
    intervalMs,
    now: Date.now(),
    random,
    agentVersion,
    behaviour: {
      ...settings.behaviour,
      ...(settings.heartbeatsOnly && { alerts: false, telemetryEveryMs: 0 }),
    },
  });
  let onboarding: Onboarding | null = settings.heartbeatsOnly
    ? null
    : createOnboarding({ now: Date.now(), random: journeyRandom });
  log.info(
    `simulating ${settings.machines} machines, a heartbeat each every ${settings.intervalS} s` +
      (settings.heartbeatsOnly ? '' : ', with telemetry, RMM alerts and onboardings') +
      `, seed ${seed} → ${settings.url}`,
  );

  // Every machine registers before any heartbeat; registrations must all arrive, so they retry until they do.
  const registration = registerAll(fleet, Date.now());
  fleet = registration.fleet;
  for (let i = 0; i < registration.events.length && !signal.aborted; i += settings.maxBatch) {
    const batch = registration.events.slice(i, i + settings.maxBatch).map(toOutgoing);
    try {
      await sender.send(batch, { signal, retry: persistentRetry });
      delivered();
      stats.registered += batch.length;
      stats.sentEvents += batch.length;
      stats.requests += 1;
    } catch (err) {
      if (signal.aborted) break;
      if (err instanceof IngestRejectedError) log.error(`registration rejected: ${err.message}`);
      throw err;
    }
  }
  if (signal.aborted) return;
  log.info(`registered ${stats.registered} machines`);

  const queue: OutgoingEvent[] = [];
  const inFlight = new Set<Promise<void>>();
  // Three intervals' events (heartbeats, with the telemetry and alerts among them) ride out a
  // hiccup; beyond that, the oldest heartbeats and telemetry go (dropStale).
  const maxQueued = Math.max(settings.maxBatch, settings.machines * 3);
  let lastRejection = '';

  const flush = () => {
    while (queue.length > 0 && inFlight.size < settings.maxInFlight) {
      const batch = queue.splice(0, settings.maxBatch);
      const request = sender
        .send(batch, { signal, retry: heartbeatRetry })
        .then(() => {
          delivered();
          stats.sentEvents += batch.length;
          stats.requests += 1;
        })
        .catch((err: unknown) => {
          if (signal.aborted) return;
          stats.failedRequests += 1;
          stats.failedEvents += batch.length;
          // A 4xx repeats every tick; one line per distinct problem is enough. Ingest being down
          // was reported when it started, and the summary counts what it cost.
          if (err instanceof IngestRejectedError) {
            if (err.message !== lastRejection) log.error(`batch rejected: ${err.message}`);
            lastRejection = err.message;
          }
        })
        .finally(() => inFlight.delete(request));
      inFlight.add(request);
    }
    stats.droppedEvents += dropStale(queue, maxQueued);
  };

  let last = { at: Date.now(), sent: stats.sentEvents };
  const summary = (now: number) => {
    const rate = (stats.sentEvents - last.sent) / Math.max(1, (now - last.at) / 1000);
    last = { at: now, sent: stats.sentEvents };
    log.info(
      `${stats.machines} machines (${stats.silent} silent, ${stats.openAlerts} alerts open) · ${stats.activeJourneys} onboardings · sent ${stats.sentEvents} events in ${stats.requests} requests (${rate.toFixed(1)}/s)` +
        ` · failures: ${stats.failedRequests} requests, ${stats.failedEvents} events` +
        (stats.droppedEvents ? ` · ${stats.droppedEvents} dropped` : ''),
    );
  };

  let tickAt = Date.now();
  let summaryAt = tickAt + settings.summaryEveryMs;
  while (!signal.aborted) {
    const step = stepFleet(fleet, tickAt, random);
    fleet = step.fleet;
    stats.silent = silentCount(fleet, tickAt);
    stats.openAlerts = fleet.machines.reduce((n, m) => n + m.openAlerts.length, 0);
    for (const event of step.events) queue.push(toOutgoing(event));
    if (onboarding) {
      const journeys = stepOnboarding(onboarding, tickAt, journeyRandom);
      onboarding = journeys.onboarding;
      stats.activeJourneys = onboarding.journeys.length;
      for (const event of journeys.events) queue.push(toOutgoing(event));
    }
    flush();
    if (tickAt >= summaryAt) {
      summary(tickAt);
      summaryAt += settings.summaryEveryMs;
    }
    // Keep to the tick grid; if this process stalled, continue from now rather than replay the gap.
    tickAt = Math.max(tickAt + settings.tickMs, Date.now());
    await sleepUntil(tickAt, signal);
  }
  await Promise.allSettled(inFlight);
  summary(Date.now());
}

/**
 * Shortens the queue to `max` by removing its oldest heartbeats and telemetry, in place; returns how
 * many went. Newer ones replace those; an alert's raise or resolve, a registration or an onboarding
 * step dropped would be lost for good (an alert left open forever), so they stay.
 */
export function dropStale(queue: OutgoingEvent[], max: number): number {
  let excess = queue.length - max;
  if (excess <= 0) return 0;
  const kept = queue.filter((e) => {
    const stale = excess > 0 && (e.type === 'machine.heartbeat' || e.type === 'telemetry.sampled');
    if (stale) excess--;
    return !stale;
  });
  const dropped = queue.length - kept.length;
  queue.splice(0, queue.length, ...kept);
  return dropped;
}

/** Each event as its sender would send it: the machine's agent, the RMM or the onboarding portal. */
export function toOutgoing(e: SimEvent | JourneyEvent): OutgoingEvent {
  const occurredAt = e.at;
  switch (e.type) {
    case 'machine.registered':
    case 'machine.heartbeat':
      return outgoing(e.type, e.data, { source: `simulator:${e.data.machineId}`, occurredAt });
    case 'telemetry.sampled':
      return outgoing(e.type, e.data, { source: `simulator:${e.data.machineId ?? 'fleet'}`, occurredAt });
    case 'alert.raised':
    case 'alert.resolved':
      return outgoing(e.type, e.data, { source: ALERT_SOURCE, occurredAt });
    case 'onboarding.step_completed':
      return outgoing(e.type, e.data, { source: 'onboarding', occurredAt });
  }
}

const usage = `Usage: npm run simulate -- --url <ingest url> --key <ingest key> [options]

Simulates what a managed-service provider's tenant receives, in one request per second:
  - a fleet of machines that register (with customer and site), then send heartbeats spread
    evenly over the interval; some go silent for minutes or reboot now and then;
  - telemetry.sampled: each machine's CPU, memory and disk, one batch a minute;
  - RMM alerts (source tacticalrmm): a load spike over 90 seconds (warning, critical when it pins
    the CPU) and a server silent over 5 minutes (critical), resolved when they end;
  - onboarding.step_completed: customers going through the onboarding funnel, some stalling.

  --url <url>          ingest base URL, e.g. http://localhost:8080
  --key <key>          the tenant's ingest key
  --machines <n>       how many machines, 1–100000 (default 200)
  --interval <s>       seconds between one machine's heartbeats, 1–3600 (default 10)
  --seed <n>           reproduce a fleet (default: random, printed at start)
  --heartbeats-only    send only registrations and heartbeats
  -h, --help           show this text`;

const SimulatorArgs = z.object({
  url: IngestUrl,
  key: IngestKey,
  machines: countFlag(1, 100_000).default(200),
  interval: countFlag(1, 3600).default(10),
  seed: countFlag(0, 2 ** 31 - 1).optional(),
  'heartbeats-only': z.boolean().default(false),
});

const flags = {
  url: { type: 'string' },
  key: { type: 'string' },
  machines: { type: 'string' },
  interval: { type: 'string' },
  seed: { type: 'string' },
  'heartbeats-only': { type: 'boolean' },
} as const;

if (isEntryPoint(import.meta.url)) {
  await runCli(usage, async () => {
    const args = parseCommandLine(process.argv.slice(2), flags, SimulatorArgs);
    if (!args) return void console.log(usage);
    const log = consoleLog('simulator');
    const stop = abortOnSignals((name) => log.info(`${name}: stopping`));
    try {
      const { interval, 'heartbeats-only': heartbeatsOnly, ...rest } = args;
      await startSimulator({ ...rest, intervalS: interval, heartbeatsOnly, log, signal: stop.signal }).done;
    } catch (err) {
      if (err instanceof IngestRejectedError) return 1;
      throw err;
    } finally {
      stop.dispose();
    }
  });
}
