/**
 * `npm run bench:store`: the event store side by side with Emmett's PostgreSQL event store and a
 * raw multi-row INSERT into a bare table (the ceiling; also the faster INSERT from `unnest` arrays,
 * a stricter reference, and the same INSERT into a table with the indexes the issue asks the store
 * for: the floor under the target), on one fresh database that it drops at the end. Prints a Markdown report (BENCHMARKS.md keeps the figures of a run).
 *
 * Each append figure is the median of BENCH_ROUNDS (default 3) runs of BENCH_SECONDS (default 2),
 * the targets taking turns, so a burst of load elsewhere on the machine hits all of them.
 * Next to throughput it reports the CPU each event cost, in this Node process and in the
 * PostgreSQL backends serving the benchmark's database: unlike events/s, that hardly changes with
 * whatever else the machine runs. BENCH_ONLY=<text> keeps the append scenarios whose label has it.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import postgres from 'postgres';
import { dumbo } from '@event-driven-io/dumbo';
import {
  DefaultPostgreSQLEventStoreProcessorPullingFrequencyInMs,
  getPostgreSQLEventStore,
  postgreSQLEventStoreMessageBatchPuller,
  readMessagesBatch,
} from '@event-driven-io/emmett-postgresql';
import { createSql, migrate } from '@pulse/platform';
import { ensureServices, withDatabase } from '../../../scripts/services.ts';
import { cpuMeter as backendsCpu } from '@pulse/testkit';
import { PostgresEventStore, type NewEvent } from '../src/index.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const MACHINES = 1000;

interface Target {
  name: string;
  /** One append call: a batch of events, of one stream or spread over many. */
  append(events: NewEvent[]): Promise<void>;
  /** Reads the log from the start in pages, up to `max` events; returns how many it read. */
  readAll?(pageSize: number, max: number): Promise<number>;
  /** Catch-up through a subscription from the start, up to `max` events; returns how many it got. */
  catchUp?(max: number): Promise<number>;
  /** Calls `onEvent` for every event appended after it started; resolves to a stop function. */
  subscribe?(onEvent: (data: Record<string, unknown>) => void): Promise<() => Promise<void>>;
}

const log = (msg: string) => process.stderr.write(`${msg}\n`);

async function main() {
  const services = await ensureServices(log);
  const name = `pulse_bench_${randomBytes(4).toString('hex')}`;
  const admin = postgres(withDatabase(services.postgresServerUrl, 'postgres'), {
    max: 1,
    onnotice: () => {},
  });
  await admin`CREATE DATABASE ${admin(name)}`;
  const url = withDatabase(services.postgresServerUrl, name);
  const cleanups: (() => Promise<unknown>)[] = [];
  try {
    await migrate(url);
    const sql = createSql(url, { max: 10, name: 'pulse-bench' });
    cleanups.push(() => sql.end({ timeout: 2 }));
    const targets = await createTargets(url, sql, cleanups);
    await report(sql, targets);
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
    await admin`DROP DATABASE IF EXISTS ${admin(name)} WITH (FORCE)`;
    await admin.end();
    await services.stop();
  }
}

async function createTargets(
  url: string,
  sql: postgres.Sql,
  cleanups: (() => Promise<unknown>)[],
): Promise<Targets> {
  // The ceilings: the same columns, of the same types as in `events`, in a table with nothing but a
  // primary key, one INSERT per call. The issue's ceiling is the plain multi-row INSERT
  // (`VALUES (…), (…)`, one parameter per column per row); `unnest` of one array per column is a
  // faster form of the same statement (one parameter per column), kept as a stricter reference.
  await sql`
    CREATE TABLE raw_events (
      position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      id uuid NOT NULL, stream text NOT NULL, tenant text NOT NULL, type text NOT NULL,
      data json NOT NULL, metadata json NOT NULL, occurred_at timestamptz NOT NULL,
      recorded_at timestamptz NOT NULL DEFAULT now())`;
  const rawRow = (e: NewEvent) => ({
    id: e.id,
    stream: e.stream,
    tenant: e.tenant,
    type: e.type,
    // Objects: postgres.js sends them as JSON text (a string would arrive as a JSON string literal).
    data: e.data,
    metadata: e.metadata ?? {},
    occurred_at: e.occurredAt,
  });
  const raw: Target = {
    name: 'raw multi-row INSERT (ceiling)',
    async append(events) {
      await sql`INSERT INTO raw_events ${sql(events.map(rawRow))}`;
    },
    async readAll(pageSize, max) {
      let n = 0;
      for (let after = 0; ;) {
        // The cheapest decoding postgres.js offers, as the store uses it: rows as arrays (.values()),
        // times as text as a RecordedEvent has them (parsing them into Dates cost ~1 µs per event).
        const rows = await sql`
          SELECT position, id, stream, tenant, type, data, metadata, occurred_at::text, recorded_at::text
          FROM raw_events WHERE position > ${after} ORDER BY position LIMIT ${pageSize}`.values();
        if (rows.length === 0 || n >= max) return n;
        n += rows.length;
        after = rows[rows.length - 1]![0] as number;
      }
    },
  };
  // Appends to the same table, so it has no read of its own.
  const rawUnnest: Target = {
    name: 'raw INSERT from unnest (stricter)',
    async append(events) {
      await sql`
        INSERT INTO raw_events (id, stream, tenant, type, data, metadata, occurred_at)
        SELECT * FROM unnest(
          ${events.map((e) => e.id)}::uuid[], ${events.map((e) => e.stream)}::text[],
          ${events.map((e) => e.tenant)}::text[], ${events.map((e) => e.type)}::text[],
          ${events.map((e) => JSON.stringify(e.data))}::text[]::json[],
          ${events.map((e) => JSON.stringify(e.metadata ?? {}))}::text[]::json[],
          ${events.map((e) => e.occurredAt)}::timestamptz[])`;
    },
  };

  // The floor under the issue's target: the ceiling's INSERT into a table with the indexes the
  // issue itself asks the store for (position order, idempotency by event id, versions per stream,
  // reading by type and time) and nothing else a store needs: the client numbers each stream's
  // versions itself, so there is no version lookup, no stream lock and no gap safety, which no store
  // with more than one writer process can skip. What it loses against the ceiling is those indexes'
  // own cost; no PostgreSQL store that keeps them can do better than this row.
  await sql`
    CREATE TABLE floor_events (
      position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      id uuid NOT NULL UNIQUE, stream text COLLATE "C" NOT NULL, stream_version integer NOT NULL,
      tenant text NOT NULL, type text NOT NULL, data json NOT NULL, metadata json NOT NULL,
      occurred_at timestamptz NOT NULL, recorded_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (stream, stream_version))`;
  await sql`CREATE INDEX floor_events_type_occurred ON floor_events (type, occurred_at)`;
  const floorVersions = new Map<string, number>();
  const floor: Target = {
    name: "raw multi-row INSERT with the issue's indexes (floor)",
    async append(events) {
      const rows = events.map((e) => {
        const version = (floorVersions.get(e.stream) ?? -1) + 1;
        floorVersions.set(e.stream, version);
        return { ...rawRow(e), stream_version: version };
      });
      await sql`INSERT INTO floor_events ${sql(rows)}`;
    },
  };

  const store = new PostgresEventStore(sql);
  const pulse: Target = {
    name: 'Pulse PostgresEventStore',
    async append(events) {
      const streams = new Set(events.map((e) => e.stream));
      if (streams.size === 1) await store.append(events[0]!.stream, events);
      else await store.appendMany(events);
    },
    async readAll(pageSize, max) {
      let n = 0;
      for (let after = 0; ;) {
        const page = await store.readAll({ fromPosition: after, limit: pageSize });
        if (page.length === 0 || n >= max) return n;
        n += page.length;
        after = page[page.length - 1]!.position;
      }
    },
    async catchUp(max) {
      let n = 0;
      const sub = store.subscribe({ from: 'start' });
      for await (const _ of sub) if (++n >= max) break;
      return n;
    },
    async subscribe(onEvent) {
      const controller = new AbortController();
      const sub = store.subscribe({ from: 'end', signal: controller.signal });
      const done = (async () => {
        for await (const e of sub) onEvent(e.data);
      })();
      await sleep(200);
      return async () => {
        controller.abort();
        await done;
      };
    },
  };

  const emmett = getPostgreSQLEventStore(url);
  const emmettPool = dumbo({ connectionString: url });
  cleanups.push(
    () => emmett.close(),
    () => emmettPool.close(),
  );
  const emmettTarget: Target = {
    name: 'Emmett 0.42 PostgreSQL',
    async append(events) {
      // Emmett appends to one stream per call: a batch spread over many streams is one append
      // per stream, run concurrently on its pool.
      const byStream = new Map<string, NewEvent[]>();
      for (const e of events) byStream.set(e.stream, [...(byStream.get(e.stream) ?? []), e]);
      await Promise.all(
        [...byStream].map(async ([stream, group]) => {
          // Emmett refuses concurrent appends to one stream even without an expected version
          // (ExpectedVersionConflictError, errorCode 412); a caller retries, so the benchmark does too.
          for (let attempt = 1; ; attempt++) {
            try {
              return await emmett.appendToStream(
                stream,
                group.map((e) => ({ type: e.type, data: e.data, metadata: { eventId: e.id } })),
              );
            } catch (err) {
              if ((err as { errorCode?: number }).errorCode !== 412 || attempt >= 20) throw err;
            }
          }
        }),
      );
    },
    async readAll(pageSize, max) {
      let n = 0;
      for (let after = 0n; ;) {
        const page = await readMessagesBatch(emmettPool.execute, { after, batchSize: pageSize });
        if (page.messages.length === 0 || n >= max) return n;
        n += page.messages.length;
        after = page.currentGlobalPosition;
      }
    },
    async subscribe(onEvent) {
      const controller = new AbortController();
      // Emmett's own consumer loop, at its default pulling frequency.
      const puller = postgreSQLEventStoreMessageBatchPuller({
        executor: emmettPool.execute,
        batchSize: 1000,
        pullingFrequencyInMs: DefaultPostgreSQLEventStoreProcessorPullingFrequencyInMs,
        signal: controller.signal,
        eachBatch: async (messages) => {
          for (const m of messages) onEvent(m.data as Record<string, unknown>);
        },
      });
      // startFrom 'END' reads Emmett 0.42's readLastMessageGlobalPosition, which orders ascending
      // and so returns the first position: the puller would replay the whole log. Start from the
      // real last position instead.
      const [last] = await sql<
        { position: string | null }[]
      >`SELECT max(global_position)::text AS position FROM emt_messages`;
      const done = puller.start({ startFrom: { lastCheckpoint: BigInt(last?.position ?? 0) } });
      await sleep(200);
      return async () => {
        controller.abort();
        await puller.stop();
        await done;
      };
    },
  };
  // Emmett creates its schema on first use: do it before measuring.
  await emmett.appendToStream(`warmup-${randomUUID()}`, [{ type: 'warmup', data: {} }]);
  return { raw, rawUnnest, floor, pulse, emmett: emmettTarget };
}

interface Targets {
  raw: Target;
  rawUnnest: Target;
  floor: Target;
  pulse: Target;
  emmett: Target;
}

interface AppendScenario {
  label: string;
  batch: number;
  concurrency: number;
  /** One stream per call (Emmett's best case) or each event to a random one of 1,000 machines. */
  spread: boolean;
  /**
   * Each writer appends only to its own share of the streams, as the recorder's lanes do (a stream
   * belongs to one lane): writers then never wait for each other's appends to a shared stream.
   */
  ownStreams?: boolean;
}

const allScenarios: AppendScenario[] = [
  { label: 'single events, 1 writer', batch: 1, concurrency: 1, spread: true },
  { label: 'single events, 8 writers', batch: 1, concurrency: 8, spread: true },
  { label: 'batches of 100 over many streams, 1 writer', batch: 100, concurrency: 1, spread: true },
  { label: 'batches of 100 over many streams, 4 writers', batch: 100, concurrency: 4, spread: true },
  { label: 'batches of 500 over many streams, 1 writer', batch: 500, concurrency: 1, spread: true },
  { label: 'batches of 500 over many streams, 4 writers', batch: 500, concurrency: 4, spread: true },
  {
    label: 'batches of 100 over many streams, 4 writers, each with its own streams',
    batch: 100,
    concurrency: 4,
    spread: true,
    ownStreams: true,
  },
  {
    label: 'batches of 500 over many streams, 4 writers, each with its own streams',
    batch: 500,
    concurrency: 4,
    spread: true,
    ownStreams: true,
  },
  { label: 'batches of 100 into one stream, 4 writers', batch: 100, concurrency: 4, spread: false },
  { label: 'batches of 500 into one stream, 4 writers', batch: 500, concurrency: 4, spread: false },
];
const scenarios = allScenarios.filter((s) => s.label.includes(process.env.BENCH_ONLY ?? ''));

interface Sample {
  rate: number;
  /** CPU microseconds per event: this Node process, and the PostgreSQL backends of this database. */
  nodeUs: number;
  pgUs: number;
}

async function measureAppends(sql: postgres.Sql, target: Target, s: AppendScenario): Promise<Sample> {
  // Every measurement starts right after a checkpoint, so each pays the same full-page writes.
  await sql`CHECKPOINT`;
  const cpu = await cpuMeter(sql);
  const deadline = performance.now() + SECONDS * 1000;
  let events = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: s.concurrency }, async (_, writer) => {
      const nextStream = s.ownStreams ? () => machineStream(writer, s.concurrency) : () => machineStream();
      while (performance.now() < deadline) {
        const stream = nextStream();
        const batch = Array.from({ length: s.batch }, () => benchEvent(s.spread ? nextStream() : stream));
        await target.append(batch);
        events += batch.length;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const used = await cpu();
  return { rate: events / seconds, nodeUs: used.nodeUs / events, pgUs: used.pgUs / events };
}

/**
 * CPU used from now until the returned function is called, by this process (to the microsecond:
 * runs last 2 s) and by the database's backends (from /proc, testkit's cpuMeter).
 */
async function cpuMeter(sql: postgres.Sql) {
  const [row] = await sql<{ db: string }[]>`SELECT current_database() AS db`;
  const backends = await backendsCpu(sql, row!.db, {});
  const node = process.cpuUsage();
  return async () => {
    const nodeUsed = process.cpuUsage(node);
    let pgMs = 0;
    for (const ms of (await backends()).values()) pgMs += ms;
    return { nodeUs: nodeUsed.user + nodeUsed.system, pgUs: pgMs * 1000 };
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const READ_MAX = 100_000;

async function measureReadAll(sql: postgres.Sql, target: Target, pageSize: number): Promise<Sample> {
  const cpu = await cpuMeter(sql);
  const started = performance.now();
  const events = await target.readAll!(pageSize, READ_MAX);
  const seconds = (performance.now() - started) / 1000;
  const used = await cpu();
  return { rate: events / seconds, nodeUs: used.nodeUs / events, pgUs: used.pgUs / events };
}

/** Writes `rate` events/s in batches of 20 into one stream per tick; the subscriber measures lag. */
async function measureLag(sql: postgres.Sql, target: Target, write: Target, rate: number, seconds: number) {
  const lags: number[] = [];
  // Readers wait for every older transaction with an xid, in any database of the cluster (see
  // write-events.ts): watch for long ones elsewhere, which explain a long tail here.
  let longestElsewhereMs = 0;
  let watching = true;
  const watch = (async () => {
    while (watching) {
      const [row] = await sql<{ ms: number }[]>`
        SELECT coalesce(max(extract(epoch FROM clock_timestamp() - xact_start)) * 1000, 0)::float8 AS ms
        FROM pg_stat_activity WHERE backend_xid IS NOT NULL AND datname IS DISTINCT FROM current_database()`;
      longestElsewhereMs = Math.max(longestElsewhereMs, row?.ms ?? 0);
      await sleep(50);
    }
  })();
  const stop = await target.subscribe!((data) => {
    if (typeof data.sentAt === 'number') lags.push(performance.timeOrigin + performance.now() - data.sentAt);
  });
  const perTick = 20;
  const tickMs = (1000 * perTick) / rate;
  let sent = 0;
  const end = performance.now() + seconds * 1000;
  for (let next = performance.now(); next < end; next += tickMs) {
    await sleep(Math.max(0, next - performance.now()));
    const stream = machineStream();
    const sentAt = performance.timeOrigin + performance.now();
    await write.append(Array.from({ length: perTick }, () => benchEvent(stream, { sentAt })));
    sent += perTick;
  }
  const drainUntil = performance.now() + 5000;
  while (lags.length < sent && performance.now() < drainUntil) await sleep(20);
  await stop();
  watching = false;
  await watch;
  lags.sort((a, b) => a - b);
  const pct = (p: number) => lags[Math.min(lags.length - 1, Math.floor((p / 100) * lags.length))] ?? NaN;
  return {
    sent,
    received: lags.length,
    p50: pct(50),
    p99: pct(99),
    max: lags[lags.length - 1] ?? NaN,
    longestElsewhereMs,
  };
}

async function report(sql: postgres.Sql, named: Targets) {
  const targets = [named.raw, named.rawUnnest, named.floor, named.pulse, named.emmett];
  const readers = targets.filter((t) => t.readAll);
  const [{ version }] = (await sql<{ version: string }[]>`SELECT version()`) as unknown as [
    { version: string },
  ];
  const settings = await sql<{ name: string; setting: string }[]>`
    SELECT name, setting FROM pg_settings WHERE name IN ('shared_buffers', 'synchronous_commit', 'wal_level', 'max_wal_size')`;
  const out: string[] = [];
  out.push(
    `Machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
  );
  out.push(
    `PostgreSQL: ${version.split(' on ')[0]} (${settings.map((s) => `${s.name}=${s.setting}`).join(', ')})`,
  );
  out.push(
    `Load average at start: ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(', ')} (1, 5, 15 min).`,
  );
  out.push(
    `Each append figure: median of ${ROUNDS} runs of ${SECONDS} s; ~200-byte events; "many streams" = each event to a random one of ${MACHINES} machine streams.`,
  );
  out.push('');
  out.push(
    `| append, events/s (median of ${ROUNDS}) | ${targets.map((t) => t.name).join(' | ')} | Pulse ÷ Emmett | Pulse ÷ raw multi-row INSERT | Pulse ÷ raw unnest | floor ÷ raw multi-row INSERT |`,
  );
  out.push(`| --- | ${targets.map(() => '---:').join(' | ')} | ---: | ---: | ---: | ---: |`);
  const cpuRows: string[] = [];
  for (const s of scenarios) {
    const samples: Sample[][] = targets.map(() => []);
    for (let round = 0; round < ROUNDS; round++) {
      for (const [i, t] of targets.entries()) {
        log(`append: ${s.label}: ${t.name} (round ${round + 1})`);
        samples[i]!.push(await measureAppends(sql, t, s));
      }
    }
    const rates = samples.map((ss) => median(ss.map((x) => x.rate)));
    const [raw, rawUnnest, floor, pulse, emmett] = rates as [number, number, number, number, number];
    out.push(
      `| ${s.label} | ${rates.map(fmt).join(' | ')} | ${(pulse / emmett).toFixed(1)}× | ${Math.round((100 * pulse) / raw)}% | ${Math.round((100 * pulse) / rawUnnest)}% | ${Math.round((100 * floor) / raw)}% |`,
    );
    const cpu = samples.map((ss) => {
      const node = median(ss.map((x) => x.nodeUs));
      const pg = median(ss.map((x) => x.pgUs));
      return `${Math.round(node + pg)} (${Math.round(node)} + ${Math.round(pg)})`;
    });
    cpuRows.push(`| ${s.label} | ${cpu.join(' | ')} |`);
  }
  out.push('');
  out.push(
    `| CPU µs per event: total (Node + PostgreSQL backends) | ${targets.map((t) => t.name).join(' | ')} |`,
  );
  out.push(`| --- | ${targets.map(() => '---:').join(' | ')} |`);
  out.push(...cpuRows);

  out.push('');
  out.push(
    `| readAll from the start, first ${fmt(READ_MAX)} events, events/s (median of ${ROUNDS}) [CPU µs/event: Node + PostgreSQL] | ${readers.map((t) => t.name).join(' | ')} |`,
  );
  out.push(`| --- | ${readers.map(() => '---:').join(' | ')} |`);
  for (const pageSize of [1000, 5000]) {
    const samples: Sample[][] = readers.map(() => []);
    for (const t of readers) await t.readAll!(pageSize, READ_MAX); // warm the cache: every target reads from memory
    for (let round = 0; round < ROUNDS; round++) {
      for (const [i, t] of readers.entries()) {
        log(`readAll, pages of ${pageSize}: ${t.name} (round ${round + 1})`);
        samples[i]!.push(await measureReadAll(sql, t, pageSize));
      }
    }
    const cells = samples.map(
      (ss) =>
        `${fmt(median(ss.map((x) => x.rate)))} [${Math.round(median(ss.map((x) => x.nodeUs)))} + ${Math.round(median(ss.map((x) => x.pgUs)))}]`,
    );
    out.push(`| pages of ${pageSize} | ${cells.join(' | ')} |`);
  }
  // A subscription reads one page ahead while the consumer works, so the client's decoding and
  // the server's next read overlap; readAll, one call per page, cannot.
  const catchUp: Sample[] = [];
  // A subscription does not end at the head: read no more than is stored (BENCH_ONLY may have appended little).
  const [stored] = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM events`;
  const toCatchUp = Math.min(READ_MAX, stored!.n);
  for (let round = 0; round < ROUNDS && toCatchUp > 0; round++) {
    const t = named.pulse;
    log(`catch-up through subscribe: ${t.name} (round ${round + 1})`);
    const cpu = await cpuMeter(sql);
    const started = performance.now();
    const events = await t.catchUp!(toCatchUp);
    const seconds = (performance.now() - started) / 1000;
    const used = await cpu();
    catchUp.push({ rate: events / seconds, nodeUs: used.nodeUs / events, pgUs: used.pgUs / events });
  }
  if (catchUp.length > 0)
    out.push(
      `| subscribe from the start (pages of 1000, one read ahead) | — | ${fmt(median(catchUp.map((x) => x.rate)))} [${Math.round(median(catchUp.map((x) => x.nodeUs)))} + ${Math.round(median(catchUp.map((x) => x.pgUs)))}] | — |`,
    );

  out.push('');
  out.push(
    '| subscription lag at 2,000 events/s (batches of 20), ms | p50 | p99 | max | received / sent | longest write transaction in other databases meanwhile, ms |',
  );
  out.push('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const t of targets) {
    if (!t.subscribe) continue;
    log(`lag: ${t.name}`);
    const lag = await measureLag(sql, t, t, 2000, 5);
    out.push(
      `| ${t.name} | ${lag.p50.toFixed(1)} | ${lag.p99.toFixed(1)} | ${lag.max.toFixed(1)} | ${lag.received} / ${lag.sent} | ${Math.round(lag.longestElsewhereMs)} |`,
    );
  }
  out.push('');
  out.push(
    `Load average at end: ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(', ')}.`,
  );
  console.log(out.join('\n'));
}

/** A random machine's stream; with `writers`, one of those whose number modulo `writers` is `writer`. */
function machineStream(writer = 0, writers = 1): string {
  const m = Math.floor(Math.random() * (MACHINES / writers)) * writers + writer;
  return `machine-bench.m-${m}`;
}

function benchEvent(stream: string, extra: Record<string, unknown> = {}): NewEvent {
  const machineId = stream.slice(stream.indexOf('.') + 1);
  return {
    id: randomUUID(),
    type: 'machine.heartbeat',
    tenant: 'bench',
    stream,
    occurredAt: new Date().toISOString(),
    schemaVersion: 1,
    data: {
      machineId,
      hostname: `${machineId}.example.net`,
      os: 'Debian 12',
      cpuPct: Math.round(Math.random() * 1000) / 10,
      memPct: 43.1,
      diskPct: 61.2,
      uptimeS: 86_400,
      agentVersion: '1.0.0',
      ...extra,
    },
    metadata: { source: `agent:${machineId}` },
  };
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

function sleep(ms: number) {
  return new Promise<void>((r) => setTimeout(r, ms));
}

await main();
