/**
 * `npm run bench:projector`: the projector's two figures on this machine.
 *
 * 1. Cold rebuild: about 1M mixed events of a simulated day (heartbeats, RMM check-ins,
 *    telemetry batches, alerts, onboarding journeys, tickets) appended to a fresh database, then
 *    every read model rebuilt from the whole log (the same code as `npm run projector -- rebuild all`).
 * 2. Live lag: the projector process following a steady 5,000 events/s; lag is the time from an
 *    append's commit to the first delta of each view it touches that carries a position at or
 *    past it (p50/p99 over every append × view).
 *
 * Settings: BENCH_EVENTS (default 1,000,000), BENCH_LIVE_S (30; 0 skips part 2), BENCH_WARMUP_S (5),
 * BENCH_RATE (5000 events/s), BENCH_DATABASE (a name: keep that database and, when it already holds
 * events, rebuild from them instead of appending a new day; default a fresh database, dropped after).
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { performance, PerformanceObserver } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import postgres from 'postgres';
import { busNames } from '@pulse/events';
import { PostgresEventStore, type NewEvent } from '@pulse/eventstore';
import { connectNats, createSql, migrate, provisionBus, deleteBus } from '@pulse/platform';
import { cpuMeter, startApp } from '@pulse/testkit';
import { ensureServices, withDatabase } from '../../../scripts/services.ts';
import { readModels } from '../src/projections/read-models.ts';
import { rebuild } from '../src/rebuild/rebuild.ts';
import { simulatedDay } from '../test/simulated-day.ts';

const TARGET_EVENTS = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const LIVE_S = Number(process.env.BENCH_LIVE_S ?? 30);
/** Seconds of the same load before measuring: the freshly started projector's code is still cold. */
const WARMUP_S = Number(process.env.BENCH_WARMUP_S ?? 5);
const RATE = Number(process.env.BENCH_RATE ?? 5000);
const log = (m: string) => console.log(`[bench:projector] ${m}`);
/** Diagnosis: a directory for per-append, per-delta, per-batch and pg_stat_activity timings (epoch ms). */
const TRACE_DIR = process.env.BENCH_TRACE_DIR;

/** Iterating on the rebuild: keep the appended log across runs instead of appending it each time. */
const KEEP_DATABASE = process.env.BENCH_DATABASE;
/** Thrown to leave out part 2 (BENCH_LIVE_S=0) and still clean up. */
const skipLive = new Error('live phase skipped');
const services = await ensureServices(log);
const dbName = KEEP_DATABASE ?? `pulse_bench_projector_${randomBytes(3).toString('hex')}`;
const admin = postgres(withDatabase(services.postgresServerUrl, 'postgres'), { max: 1, onnotice: () => {} });
const [existing] = await admin`SELECT 1 FROM pg_database WHERE datname = ${dbName}`;
if (!existing) await admin`CREATE DATABASE ${admin(dbName)}`;
const url = withDatabase(services.postgresServerUrl, dbName);
await migrate(url);
const sql = createSql(url, { max: 12, name: 'pulse-bench' });
const store = new PostgresEventStore(sql);
const prefix = `b${randomBytes(3).toString('hex')}`;
const names = busNames(prefix);
const nc = await connectNats(services.natsUrl, 'pulse-bench');
await provisionBus(nc, names);

try {
  // --- 1. Cold rebuild over ~1M mixed events --------------------------------------------------
  const [{ n: stored } = { n: 0 }] = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM events`;
  if (stored > 0) log(`reusing ${dbName}: ${stored.toLocaleString('en')} events already appended`);
  else {
    await appendSimulatedDay();
    // Collect the generated day now, not during the rebuild (a heap of a million dead events there
    // cost the first full collections of the rebuild's thread; node has no gc() without this flag).
    setFlagsFromString('--expose-gc');
    (runInNewContext('gc') as () => void)();
  }
  await sql`VACUUM ANALYZE events`;

  const result = await rebuild({
    sql,
    store,
    projections: readModels,
    databaseUrl: url,
    progressMs: 5000,
    onProgress: (p) =>
      log(
        `  rebuild ${p.phase}: ${p.events.toLocaleString('en')} events, ${p.eventsPerSecond.toLocaleString('en')} events/s`,
      ),
  });
  log(
    `COLD REBUILD (all read models): ${result.events.toLocaleString('en')} events in ${result.seconds.toFixed(1)} s = ` +
      `${result.eventsPerSecond.toLocaleString('en')} events/s (target ≥ 50,000)`,
  );
  const day2 = result.events;
  if (LIVE_S <= 0) {
    log(`summary: rebuild ${result.eventsPerSecond} events/s over ${day2} events; live phase skipped`);
    throw skipLive;
  }

  // --- 2. Live lag at a steady rate ----------------------------------------------------------
  // The reactions process manager starts from now, as a newly deployed one would: replaying a
  // day of history would open its tickets and fire its old timers during the measurement.
  await sql`INSERT INTO projection_checkpoints (projection, position) VALUES ('pm:reactions', ${await store.headPosition()})
            ON CONFLICT (projection) DO UPDATE SET position = excluded.position`;
  const writesBefore = await tableWrites();
  const projector = startApp('projector', {
    DATABASE_URL: url,
    NATS_URL: services.natsUrl,
    NATS_PREFIX: prefix,
    PROJECTOR_METRICS_PORT: '0',
    LOG_LEVEL: 'warn',
    // The simulated day is in the past: keep the absence manager and timers from acting on it.
    PULSE_OFFLINE_AFTER_S: '1000000000',
    PULSE_OVERDUE_AFTER_S: '2000000000',
    PULSE_ESCALATION_AFTER_S: '1000000000',
    PULSE_ONBOARDING_IDLE_S: '1000000000',
    // Nor telemetry retention: past 48 h it deletes more of the day's buckets the later the run.
    PULSE_TELEMETRY_1M_RETENTION_H: '1000000',
    PULSE_TELEMETRY_1H_RETENTION_D: '100000',
    PROJECTOR_POLL_MS: '1000',
    // The projector's own default unless the run asks for another.
    ...(process.env.BENCH_PROJECTOR_BATCH ? { PROJECTOR_BATCH: process.env.BENCH_PROJECTOR_BATCH } : {}),
    ...(TRACE_DIR ? { PROJECTOR_TRACE_FILE: `${TRACE_DIR}/projector.jsonl` } : {}),
  });
  // Wait for it to be live: its checkpoints at the head.
  const head = await store.headPosition();
  for (;;) {
    const [row] = await sql<{ min: number }[]>`SELECT min(position)::bigint AS min FROM projection_checkpoints
      WHERE projection = ANY(${readModels.map((p) => p.name)}::text[])`;
    if ((row?.min ?? 0) >= head) break;
    if (projector.child.exitCode !== null) throw new Error(`projector exited:\n${projector.output()}`);
    await new Promise((r) => setTimeout(r, 200));
  }

  // Per view, the deltas' positions as they arrive, with their arrival time.
  const arrivals = new Map<string, { position: number; at: number }[]>();
  // Only the view (from the subject) and the position (a leading field) are needed: parsing
  // every delta's rows (~100 kB per batch) cost this process CPU on the projector's two cores.
  const utf8 = new TextDecoder();
  const sub = nc.subscribe(names.viewAll, {
    callback: (err, msg) => {
      if (err) return;
      const at = performance.now();
      const view = names.parseView(msg.subject)?.view;
      if (!view || view === 'system') return;
      const position = Number(/"position":(\d+)/.exec(utf8.decode(msg.data.subarray(0, 200)))?.[1]);
      const list = arrivals.get(view) ?? [];
      list.push({ position, at });
      arrivals.set(view, list);
    },
  });

  // A live mix: mostly heartbeats and telemetry, some alerts and onboarding steps, "now".
  const viewsOf: Record<string, string[]> = {
    'machine.heartbeat': ['fleet'],
    'telemetry.sampled': ['telemetry'],
    'alert.raised': ['alerts'],
    'onboarding.step_completed': ['funnel'],
  };
  const appends: { position: number; at: number; sent: number; views: Set<string> }[] = [];
  const tickMs = 20;
  const perTick = Math.round((RATE * tickMs) / 1000);
  // A kept database already holds an earlier run's live events: a fixed seed would repeat their ids.
  const liveSeed = KEEP_DATABASE ? randomBytes(4).readUInt32BE() : 43;
  const liveMix = (hours: number) =>
    simulatedDay({
      seed: liveSeed,
      tenants: ['acme', 'zeta'],
      machinesPerTenant: 500,
      heartbeatS: 60,
      hours,
      telemetryShare: 0.3,
      alertsPerHour: 3000,
      journeysPerHour: 1000,
      ticketsPerHour: 0,
      start: new Date().toISOString(),
    }).filter((e) => viewsOf[e.type]);
  // An hour of this mix lasts about 20 s at 5,000 events/s: make enough for the whole run.
  const needed = (WARMUP_S + LIVE_S) * RATE;
  const hourLong = liveMix(1);
  const live = hourLong.length >= needed ? hourLong : liveMix(Math.ceil(needed / hourLong.length));
  log(
    `live: ${RATE} events/s for ${WARMUP_S} s of warm-up, then ${LIVE_S} s measured, in appends of ${perTick} every ${tickMs} ms`,
  );
  let stopMeter: (() => Promise<Map<string, number>>) | undefined;
  let meteredFrom = 0;
  const started = performance.now();
  log(`  live load starts at ${new Date().toISOString()}`);
  const sampling = TRACE_DIR ? sampleActivity() : undefined;
  let next = started;
  let i = 0;
  const inFlight = new Set<Promise<void>>();
  const measureFrom = started + WARMUP_S * 1000;
  const ownStalls = watchOwnEventLoop(measureFrom);
  while (performance.now() - started < (WARMUP_S + LIVE_S) * 1000 && i < live.length) {
    const batch: NewEvent[] = live.slice(i, i + perTick);
    i += perTick;
    const views = new Set(batch.flatMap((e) => viewsOf[e.type] ?? []));
    // Appends are not awaited one by one: the rate stays steady even when one commit is slow.
    const measured = performance.now() >= measureFrom;
    if (measured && !stopMeter) {
      // Its appends and delta receipt run on the same two cores: `bench` counts them.
      stopMeter = await cpuMeter(sql, dbName, { projector: projector.child.pid, bench: process.pid });
      meteredFrom = i - perTick;
    }
    const sent = performance.now();
    const p = store.appendMany(batch).then((r) => {
      if (measured) appends.push({ position: r.lastPosition, at: performance.now(), sent, views });
    });
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
    next += tickMs;
    await new Promise((r) => setTimeout(r, Math.max(0, next - performance.now())));
  }
  await Promise.all(inFlight);
  const cpu = await stopMeter!();
  const activity = await sampling?.stop();
  const measuredEvents = i - meteredFrom;
  const achieved = Math.round(i / ((performance.now() - started) / 1000));
  await new Promise((r) => setTimeout(r, 2000));
  sub.unsubscribe();
  const own = ownStalls.stop();

  const lags: number[] = [];
  const perView = new Map<string, number[]>();
  // The worst lag of each second measured: a stall shows as a few bad seconds, slowness as many.
  const worstBySecond = new Map<number, number>();
  let missing = 0;
  for (const a of appends) {
    for (const view of a.views) {
      const seen = arrivals.get(view)?.find((d) => d.position >= a.position);
      if (!seen) {
        missing++;
        continue;
      }
      // A delta can beat the append's own promise (the projector is another process): that is lag 0.
      const lag = Math.max(0, seen.at - a.at);
      lags.push(lag);
      perView.set(view, [...(perView.get(view) ?? []), lag]);
      const second = Math.floor((a.at - measureFrom) / 1000);
      worstBySecond.set(second, Math.max(worstBySecond.get(second) ?? 0, lag));
    }
  }
  const pct = (xs: number[], q: number) => {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))] ?? NaN;
  };
  log(
    `live achieved ${achieved.toLocaleString('en')} events/s; ${lags.length} append×view samples, ${missing} without a delta`,
  );
  for (const [view, xs] of perView)
    log(`  ${view}: p50 ${pct(xs, 0.5).toFixed(1)} ms, p99 ${pct(xs, 0.99).toFixed(1)} ms`);
  log(
    `  CPU per 1,000 events measured: ${[...cpu].map(([k, ms]) => `${k} ${((ms * 1000) / measuredEvents).toFixed(1)} ms`).join(', ')}`,
  );
  const worst = [...worstBySecond].sort((a, b) => b[1] - a[1]).slice(0, 5);
  log(
    `  worst seconds (second of the run: max lag): ${worst.map(([s, l]) => `${s}: ${l.toFixed(0)} ms`).join(', ')}`,
  );
  // A stall of this process would delay its stamps of commits and deltas: show its own in those seconds.
  log(
    `  this bench's own event loop in those seconds (longest delay / garbage collection): ${worst
      .map(([s]) => `${s}: ${(own.delay.get(s) ?? 0).toFixed(0)} / ${(own.gc.get(s) ?? 0).toFixed(0)} ms`)
      .join(', ')}`,
  );
  log(
    `LIVE LAG (commit → delta): p50 ${pct(lags, 0.5).toFixed(1)} ms, p99 ${pct(lags, 0.99).toFixed(1)} ms (target p99 < 100 ms)`,
  );
  await projector.stop();
  if (TRACE_DIR) {
    const epoch = (at: number) => performance.timeOrigin + at;
    const lines = (xs: unknown[]) => xs.map((x) => JSON.stringify(x)).join('\n') + '\n';
    writeFileSync(
      `${TRACE_DIR}/appends.jsonl`,
      lines(
        appends.map((a) => ({
          position: a.position,
          sent: epoch(a.sent),
          at: epoch(a.at),
          views: [...a.views],
        })),
      ),
    );
    writeFileSync(
      `${TRACE_DIR}/arrivals.jsonl`,
      lines(
        [...arrivals].flatMap(([view, xs]) =>
          xs.map((x) => ({ view, position: x.position, at: epoch(x.at) })),
        ),
      ),
    );
    writeFileSync(`${TRACE_DIR}/activity.jsonl`, lines(activity ?? []));
  }
  if (process.env.BENCH_PROJECTOR_OUT) writeFileSync(process.env.BENCH_PROJECTOR_OUT, projector.output());
  // Row writes of the live phase per table: updates that stayed HOT (no index entries) show here.
  const writesAfter = await tableWrites();
  log(
    `  live writes (table: inserts/updates/HOT updates/deletes): ${[...writesAfter]
      .map(([t, w]) => [t, w.map((n, k) => n - (writesBefore.get(t)?.[k] ?? 0))] as const)
      .filter(([, w]) => w.some((n) => n > 0))
      .map(([t, w]) => `${t} ${w.join('/')}`)
      .join(', ')}`,
  );
  log(
    `summary: rebuild ${result.eventsPerSecond} events/s over ${day2} events; live p50 ${pct(lags, 0.5).toFixed(1)} ms p99 ${pct(lags, 0.99).toFixed(1)} ms at ${achieved} events/s`,
  );
} catch (e) {
  if (e !== skipLive) throw e;
} finally {
  await deleteBus(nc, names).catch(() => {});
  await nc.drain().catch(() => {});
  await sql.end({ timeout: 5 });
  if (!KEEP_DATABASE) await admin`DROP DATABASE IF EXISTS ${admin(dbName)} WITH (FORCE)`;
  await admin.end();
  await services.stop();
}

/** pg_stat_activity of this database every 10 ms on a connection of its own, until stopped. */
function sampleActivity(): { stop: () => Promise<unknown[]> } {
  const probe = postgres(url, { max: 1, onnotice: () => {} });
  const samples: unknown[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const rows = await probe`
        SELECT pid, application_name AS app, state, wait_event_type AS wt, wait_event AS w, left(query, 60) AS q
        FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND state <> 'idle'`;
      samples.push({ at: Date.now(), rows });
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      await probe.end();
      return samples;
    },
  };
}

/** Per read-model or process-manager table, rows inserted, updated, HOT-updated and deleted so far. */
async function tableWrites(): Promise<Map<string, number[]>> {
  // Counters reach the statistics views up to a second after a transaction ends.
  await new Promise((r) => setTimeout(r, 1500));
  const rows = await sql<{ relname: string; ins: number; upd: number; hot: number; del: number }[]>`
    SELECT relname, n_tup_ins::int AS ins, n_tup_upd::int AS upd, n_tup_hot_upd::int AS hot, n_tup_del::int AS del
    FROM pg_stat_user_tables WHERE relname ~ '^(read|pm)_' ORDER BY relname`;
  return new Map(rows.map((r) => [r.relname, [r.ins, r.upd, r.hot, r.del]]));
}

/**
 * Appends a simulated day of about BENCH_EVENTS events. Its own scope, so the generated events are
 * garbage before the rebuild starts: a million of them kept alive made every full collection of the
 * rebuild's thread trace them (7 of its 24 s went to GC in a profile).
 */
async function appendSimulatedDay(): Promise<void> {
  // Scale a simulated day until it holds the target: 2 tenants, heartbeats every 5 minutes.
  const perTenant = Math.max(10, Math.round((TARGET_EVENTS / 1_000_000) * 800));
  let t = performance.now();
  const day = simulatedDay({
    seed: 42,
    tenants: ['acme', 'zeta'],
    machinesPerTenant: perTenant,
    heartbeatS: 300,
    telemetryShare: 0.1,
    alertsPerHour: Math.round(perTenant * 1.2),
    journeysPerHour: Math.round(perTenant / 4),
    ticketsPerHour: Math.round(perTenant / 8),
  });
  const mix = new Map<string, number>();
  for (const e of day) mix.set(e.type, (mix.get(e.type) ?? 0) + 1);
  log(
    `generated ${day.length.toLocaleString('en')} events in ${((performance.now() - t) / 1000).toFixed(1)} s`,
  );
  log(
    `mix: ${[...mix]
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  );
  t = performance.now();
  for (let i = 0; i < day.length; i += 5000) await store.appendMany(day.slice(i, i + 5000));
  log(`appended in ${((performance.now() - t) / 1000).toFixed(1)} s`);
}

/**
 * Per second from `from`: the longest delay of this process's event loop (a 5 ms timer's lateness)
 * and the time its garbage collector took, so a stall of the bench itself is told apart from the
 * projector's.
 */
function watchOwnEventLoop(from: number) {
  const delay = new Map<number, number>();
  const gc = new Map<number, number>();
  const second = (t: number) => Math.floor((t - from) / 1000);
  let expected = performance.now() + 5;
  const timer = setInterval(() => {
    const now = performance.now();
    delay.set(second(now), Math.max(delay.get(second(now)) ?? 0, now - expected));
    expected = now + 5;
  }, 5);
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries())
      gc.set(second(e.startTime), (gc.get(second(e.startTime)) ?? 0) + e.duration);
  });
  observer.observe({ entryTypes: ['gc'] });
  return {
    stop: () => {
      clearInterval(timer);
      observer.disconnect();
      return { delay, gc };
    },
  };
}
