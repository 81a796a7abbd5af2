/**
 * What a live batch of the views costs: the last BENCH_EVENTS (20,000) events of a database that
 * bench:projector appended and rebuilt (BENCH_DATABASE, a name; use a copy: its views' checkpoints
 * are moved back and those events are folded into the read models a second time) go through the
 * live ProjectionRunner in batches of BENCH_BATCH (100) events, deltas serialized as the publisher
 * does, and it prints this process's and its PostgreSQL backends' CPU per 1,000 events.
 * BENCH_PROJECTIONS=fleet,telemetry (names) runs only those; `none` runs one that writes nothing
 * (read, check, claim and commit alone). Two batch sizes tell a batch's own cost from an event's.
 *
 *   CREATE DATABASE copy TEMPLATE kept;  BENCH_DATABASE=copy BENCH_BATCH=100 npx tsx apps/projector/bench/batch-cost.bench.ts
 */
import { deltaMessages } from '@pulse/events';
import { PostgresEventStore } from '@pulse/eventstore';
import { createSql, createLogger } from '@pulse/platform';
import { cpuMeter } from '@pulse/testkit';
import { ensureServices, withDatabase } from '../../../scripts/services.ts';
import type { Projection } from '../src/projections/projection.ts';
import { ProjectionRunner } from '../src/projections/projection-runner.ts';
import { readModels } from '../src/projections/read-models.ts';

const database = process.env.BENCH_DATABASE;
if (!database) throw new Error('BENCH_DATABASE: the name of a copy of a database bench:projector kept');
const EVENTS = Number(process.env.BENCH_EVENTS ?? 20_000);
const BATCH = Number(process.env.BENCH_BATCH ?? 100);
const only = process.env.BENCH_PROJECTIONS?.split(',');
/** Warm-up: connections opened and statements prepared before the meter starts. */
const WARMUP_EVENTS = 2000;

const log = createLogger('bench:batch-cost', 'warn');
const services = await ensureServices((m) => console.log(m));
const url = withDatabase(services.postgresServerUrl, database);
const sql = createSql(url, { name: 'pulse-projector', max: 16 });
const admin = createSql(url, { name: 'pulse-bench', max: 1 });
const store = new PostgresEventStore(sql);

const nothing: Projection = { name: readModels[0]!.name, tables: {}, apply: () => Promise.resolve([]) };
const projections =
  only?.[0] === 'none' ? [nothing] : readModels.filter((p) => !only || only.includes(p.name));
const head = await store.headPosition();
const [start] = await admin<{ position: number }[]>`
  SELECT position FROM events WHERE position <= ${head} ORDER BY position DESC OFFSET ${EVENTS} LIMIT 1`;
await admin`UPDATE projection_checkpoints SET position = ${start!.position}
            WHERE projection = ANY(${projections.map((p) => p.name)}::text[])`;
const count = async (from: number) => {
  const [row] = await admin<{ n: number }[]>`
    SELECT count(*)::int AS n FROM events WHERE position > ${from} AND position <= ${head}`;
  return row!.n;
};

const runner = new ProjectionRunner({
  sql,
  store,
  projections,
  log,
  batchSize: BATCH,
  pollMs: 1000,
  asyncCommit: true,
  publish: (deltas) => deltas.forEach((d) => deltaMessages(d, 512 * 1024)),
});
const running = runner.run();
const at = () => Math.min(...projections.map((p) => runner.positions.get(p.name) ?? start!.position));
while ((await count(start!.position)) - (await count(at())) < WARMUP_EVENTS)
  await new Promise((r) => setTimeout(r, 20));
const from = at();
const meter = await cpuMeter(admin, database, { bench: process.pid });
while (at() < head) await new Promise((r) => setTimeout(r, 20));
const used = await meter();
runner.stop();
await running;
const events = await count(from);
const per1000 = (name: string) => ((used.get(name) ?? 0) / (events / 1000)).toFixed(1);
console.log(
  `${only?.join(',') ?? 'all'}, batches of ${BATCH}, ${events.toLocaleString('en')} events: ms CPU per ` +
    `1,000 events: node ${per1000('bench')}, postgres ${per1000('postgres (projector)')}`,
);
await Promise.all([sql.end(), admin.end()]);
