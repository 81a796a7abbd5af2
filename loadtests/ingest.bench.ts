/**
 * `npm run bench:ingest`: sustained HTTP ingest through the whole write path, on loopback only.
 *
 *   HTTP batches of 500 → edge validates → one JetStream message per batch → 202
 *   → recorder pulls, validates again, appends in one transaction → acks
 *
 * Starts apps/ingest as a child process (edge + recorder, as `npm start` runs it) on a fresh
 * database and a NATS prefix of its own, drives it with CONCURRENCY keep-alive clients for SECONDS,
 * then waits until every accepted event is committed in the store. In the same run it measures the
 * raw JetStream publish rate (one Node process, one message per event, 500 in flight, file storage)
 * as the ceiling the issue names. Everything it created is removed at the end.
 *
 *   BENCH_SECONDS (10), BENCH_RATE (20000 events/s offered, open loop; 0: closed loop as fast as
 *   CONCURRENCY clients go), BENCH_CONCURRENCY (6), BENCH_BATCH (500), BENCH_SPLIT (1: edge and
 *   recorder as two processes; 0: one process with every role), BENCH_PROJECTOR (0; 1: the
 *   projector runs beside ingest, as `npm start` runs it, projecting everything ingested),
 *   BENCH_WEB (0; N: the web node runs too, as `npm start` runs it, with N dashboard clients
 *   (socket.io-client) watching the bench tenant's fleet and alerts live; needs BENCH_PROJECTOR=1)
 */
import http from 'node:http';
import { randomBytes, randomUUID } from 'node:crypto';
import os from 'node:os';
import { readdirSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import postgres from 'postgres';
import { busNames, newEventId } from '@pulse/events';
import {
  addIngestKey,
  connectNats,
  createSql,
  deleteBus,
  generateIngestKey,
  migrate,
  provisionBus,
  upsertTenant,
} from '@pulse/platform';
import { cpuMeter, freePort, startApp } from '@pulse/testkit';
import { io, type Socket } from 'socket.io-client';
import { buildWebIfStale } from '../scripts/build.ts';
import { ensureServices, withDatabase } from '../scripts/services.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
/** Offered load in events/s (open loop: batches leave on a clock, not when the last answered); 0 = as fast as possible. */
const RATE = Number(process.env.BENCH_RATE ?? 20_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 6);
const BATCH = Number(process.env.BENCH_BATCH ?? 500);
const MACHINES = 2000;
const SPLIT = process.env.BENCH_SPLIT !== '0';
const PROJECTOR = process.env.BENCH_PROJECTOR === '1';
const WEB_CLIENTS = Number(process.env.BENCH_WEB ?? 0);
if (WEB_CLIENTS > 0 && !PROJECTOR) throw new Error('BENCH_WEB needs BENCH_PROJECTOR=1: the web node shows what the projector builds');

const log = (msg: string) => process.stderr.write(`${msg}\n`);

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** A batch body with fresh ids, built before the clock starts so the client spends little CPU. */
function batchBody(seed: number): string {
  const events = Array.from({ length: BATCH }, (_, i) => {
    const m = `m-${(seed * BATCH + i) % MACHINES}`;
    return {
      id: newEventId(), // as Pulse's agent mints them
      type: 'machine.heartbeat',
      occurredAt: new Date().toISOString(),
      source: `agent:${m}`,
      data: {
        machineId: m, hostname: m, os: 'Debian 12', cpuPct: 21.5, memPct: 43, diskPct: 61.2,
        uptimeS: 86400, agentVersion: '1.0.0',
      },
    };
  });
  return JSON.stringify(events);
}

async function rawPublishRate(natsUrl: string): Promise<number> {
  const nc = await connectNats(natsUrl, 'pulse-bench-raw');
  const jsm = await jetstreamManager(nc);
  const name = `BENCHRAW_${randomBytes(3).toString('hex').toUpperCase()}`;
  const subject = `benchraw.${name.toLowerCase()}`;
  await jsm.streams.add({ name, subjects: [`${subject}.>`], storage: 'file' as never, duplicate_window: nanos(120_000) });
  try {
    const js = jetstream(nc);
    const body = batchBody(0);
    const one = JSON.stringify((JSON.parse(body) as unknown[])[0]);
    const total = 60_000;
    const inFlight = 500;
    let next = 0;
    const start = performance.now();
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (next < total) {
          next++;
          await js.publish(`${subject}.machine.heartbeat`, one, { msgID: randomUUID() });
        }
      }),
    );
    return total / ((performance.now() - start) / 1000);
  } finally {
    await jsm.streams.delete(name).catch(() => {});
    await nc.drain();
  }
}

function post(agent: http.Agent, port: number, key: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1', port, path: '/v1/events', method: 'POST', agent,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** The local nats-server's pid, if one runs on this machine. */
function natsServerPid(): number | undefined {
  for (const entry of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === 'nats-server') return Number(entry);
    } catch {
      // The process ended while we looked.
    }
  }
  return undefined;
}

async function main() {
  const services = await ensureServices(log);
  const dbName = `pulse_bench_${randomBytes(4).toString('hex')}`;
  const admin = postgres(withDatabase(services.postgresServerUrl, 'postgres'), { max: 1, onnotice: () => {} });
  await admin`CREATE DATABASE ${admin(dbName)}`;
  const url = withDatabase(services.postgresServerUrl, dbName);
  const prefix = `bench${randomBytes(3).toString('hex')}`;
  const names = busNames(prefix);
  const nc = await connectNats(services.natsUrl, 'pulse-bench');
  const sql = createSql(url, { max: 2, name: 'pulse-bench' });
  let ingest: ReturnType<typeof startApp> | undefined;
  let recorder: ReturnType<typeof startApp> | undefined;
  let projector: ReturnType<typeof startApp> | undefined;
  let web: ReturnType<typeof startApp> | undefined;
  const dashboards: Socket[] = [];
  try {
    await migrate(url);
    await provisionBus(nc, names);
    const key = generateIngestKey('bench');
    await upsertTenant(sql, { id: 'bench', name: 'Bench' });
    await addIngestKey(sql, 'bench', key, 'bench');

    log('measuring the raw JetStream publish rate (the ceiling) …');
    const raw = await rawPublishRate(services.natsUrl);

    const port = await freePort();
    const env = {
      DATABASE_URL: url, NATS_URL: services.natsUrl, NATS_PREFIX: prefix, LOG_LEVEL: 'warn', INGEST_TENANT_RATE: '0',
    };
    // Edge and recorder as two processes (the scale-out shape), so each has a core's event loop.
    ingest = startApp('ingest', { ...env, INGEST_PORT: String(port), INGEST_ROLES: SPLIT ? 'edge,commands' : 'edge,recorder,commands' });
    const recorderPort = await freePort();
    if (SPLIT) recorder = startApp('ingest', { ...env, INGEST_PORT: String(recorderPort), INGEST_ROLES: 'recorder' });
    // "With everything running": the projector follows the store live and builds every read model.
    const projectorPort = await freePort();
    if (PROJECTOR) projector = startApp('projector', { ...env, PROJECTOR_METRICS_PORT: String(projectorPort) });
    // The rest of "everything": the web node, with dashboards open on the fleet and alerts views.
    if (WEB_CLIENTS > 0) {
      await buildWebIfStale(log);
      const webPort = await freePort();
      web = startApp('web', { ...env, PORT: String(webPort), HOST: '127.0.0.1', LOG_LEVEL: 'info' });
      await web.waitForOutput(/web listening/, 60_000);
      for (let i = 0; i < WEB_CLIENTS; i++) dashboards.push(await openDashboard(`http://127.0.0.1:${webPort}`, 'bench'));
      log(`${WEB_CLIENTS} dashboard clients watch fleet and alerts`);
    }
    const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    for (const p of [port, ...(SPLIT ? [recorderPort] : []), ...(PROJECTOR ? [projectorPort] : [])]) {
      for (let i = 0; i < 100; i++) {
        const ok = await fetch(`http://127.0.0.1:${p}/readyz`).then((r) => r.ok, () => false);
        if (ok) break;
        await new Promise((r) => setTimeout(r, 200));
      }
    }

    const bodies = Array.from({ length: Math.ceil((SECONDS * (RATE || 40_000)) / BATCH) + CONCURRENCY * 4 }, (_, i) => batchBody(i));
    log(`built ${bodies.length} bodies of ${BATCH} events; warming up …`);
    for (let i = 0; i < 4; i++) await post(agent, port, key, batchBody(1_000_000 + i));

    // With the NATS server (when local) and this process's own HTTP client, the table accounts for both cores.
    const cpuUsed = await cpuMeter(sql, dbName, {
      [SPLIT ? 'edge' : 'ingest']: ingest.child.pid,
      ...(recorder && { recorder: recorder.child.pid }),
      ...(projector && { projector: projector.child.pid }),
      ...(web && { web: web.child.pid }),
      'nats-server': natsServerPid(),
      'bench client': process.pid,
    });
    const latencies: number[] = [];
    // The slowest batch of each second of load: a stall shows as a few bad seconds, a busy machine as many.
    const worstBySecond = new Map<number, number>();
    const statuses = new Map<number, number>();
    let nextBody = 0;
    let accepted = 0;
    let inFlight = 0;
    let dropped = 0;
    const send = async () => {
      const body = bodies[nextBody++ % bodies.length]!;
      inFlight++;
      const t0 = performance.now();
      const status = await post(agent, port, key, body).catch(() => 0);
      inFlight--;
      const ms = performance.now() - t0;
      latencies.push(ms);
      const second = Math.floor((t0 - start) / 1000);
      worstBySecond.set(second, Math.max(worstBySecond.get(second) ?? 0, ms));
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      if (status === 202) accepted += BATCH;
    };
    dashboardDeltas = 0;
    const start = performance.now();
    const deadline = start + SECONDS * 1000;
    if (RATE > 0) {
      // Open loop: batch n leaves at start + n × interval, whatever happened to the ones before
      // (a closed loop would hide a slow server by sending less). At most CONCURRENCY × 4 wait.
      const intervalMs = (BATCH / RATE) * 1000;
      const pending: Promise<void>[] = [];
      for (let n = 0; ; n++) {
        const at = start + n * intervalMs;
        if (at >= deadline) break;
        const wait = at - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        if (inFlight >= CONCURRENCY * 4) {
          dropped++;
          continue;
        }
        pending.push(send());
      }
      await Promise.all(pending);
    } else {
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (performance.now() < deadline) await send();
        }),
      );
    }
    const acceptSeconds = (performance.now() - start) / 1000;
    log(`accepted ${accepted} events in ${acceptSeconds.toFixed(1)} s; waiting for the store …`);

    const expected = accepted + 4 * BATCH;
    let stored = 0;
    while (performance.now() - start < (SECONDS + 120) * 1000) {
      const [row] = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM events`;
      stored = row!.n;
      if (stored >= expected) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const commitSeconds = (performance.now() - start) / 1000;
    const cpu = await cpuUsed();
    const cpuPer1000 = [...cpu]
      .map(([name, ms]) => `${name} ${((ms / Math.max(1, stored - 4 * BATCH)) * 1000).toFixed(1)} ms`)
      .join(', ');
    const projected = projector
      ? (await sql<{ position: number }[]>`SELECT coalesce(min(position), 0)::bigint AS position FROM projection_checkpoints`)[0]!.position
      : 0;
    const [head] = await sql<{ position: number }[]>`SELECT coalesce(max(position), 0)::bigint AS position FROM events`;
    agent.destroy();

    latencies.sort((a, b) => a - b);
    const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
    const lines = [
      `## Ingest (\`npm run bench:ingest\`, ${new Date().toISOString().slice(0, 10)})`,
      '',
      `${os.cpus().length} cores (${os.cpus()[0]?.model.trim()}), Node ${process.version}; ${SPLIT ? 'ingest as two processes (edge + commands, recorder)' : 'ingest as one process (edge + recorder + commands)'}${PROJECTOR ? ', the projector beside it' : ''}${web ? `, the web node with ${WEB_CLIENTS} dashboard clients (fleet + alerts)` : ''}, NATS and PostgreSQL on this machine, loopback only. Batches of ${BATCH} heartbeats, ${SECONDS} s. Load average at the end: ${os.loadavg().map((l) => l.toFixed(1)).join(', ')}.`,
      '',
      '| measure | figure |',
      '| --- | --- |',
      `| raw JetStream publish, one Node process, one message per event, 500 in flight (ceiling) | ${fmt(raw)} msg/s |`,
      `| offered | ${RATE > 0 ? `${fmt(RATE)} events/s, open loop (${dropped} batches not sent: ${CONCURRENCY * 4} already waiting)` : `closed loop, ${CONCURRENCY} clients`} |`,
      `| accepted (HTTP 202 after the JetStream ack) | ${fmt(accepted / acceptSeconds)} events/s |`,
      `| committed in the event store (from the first request to the last commit) | ${fmt((stored - 4 * BATCH) / commitSeconds)} events/s |`,
      `| latency per batch of ${BATCH}: p50 / p99 / max | ${latencies.length ? `${percentile(latencies, 50).toFixed(1)} / ${percentile(latencies, 99).toFixed(1)} / ${latencies.at(-1)!.toFixed(1)} ms` : 'n/a'} |`,
      `| slowest batch in each of the 5 worst seconds (second: ms) | ${[...worstBySecond]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 5)
        .map(([sec, ms]) => `${sec}: ${ms.toFixed(0)}`)
        .join(', ')} |`,
      `| responses | ${[...statuses].map(([s, n]) => `${n} × ${s}`).join(', ')} |`,
      `| stored / expected | ${fmt(stored)} / ${fmt(expected)} |`,
      `| CPU per 1,000 events committed | ${cpuPer1000} (/proc; PostgreSQL = the backends of the bench's database, by application; little affected by what else runs) |`,
      ...(projector ? [`| projector: slowest read model's checkpoint when the last event was committed | ${fmt(projected)} of ${fmt(head!.position)} |`] : []),
      ...(web ? [`| dashboard clients: deltas received (fleet + alerts), each client | ${fmt(dashboardDeltas / WEB_CLIENTS)} |`] : []),
      `| last commit after the last 202 | ${fmt((commitSeconds - acceptSeconds) * 1000)} ms |`,
    ];
    console.log(lines.join('\n'));
    if (stored < expected) process.exitCode = 1;
  } finally {
    for (const d of dashboards) d.close();
    await web?.stop();
    await ingest?.stop();
    await recorder?.stop();
    await projector?.stop();
    await sql.end({ timeout: 2 });
    await deleteBus(nc, names).catch(() => {});
    await nc.drain();
    await admin`DROP DATABASE IF EXISTS ${admin(dbName)} WITH (FORCE)`;
    await admin.end();
    await services.stop();
  }
}

let dashboardDeltas = 0;

/** A dashboard as the browser's live client opens one: Socket.IO on /live, subscribed to views. */
function openDashboard(url: string, tenant: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = io(`${url}/live`, { transports: ['websocket'], reconnection: false });
    s.on('delta', () => dashboardDeltas++);
    s.on('resync', (target: { view: string; tenant: string }) => void s.emitWithAck('subscribe', target));
    s.on('connect_error', reject);
    s.on('connect', () => {
      void (async () => {
        for (const view of ['fleet', 'alerts']) {
          const res = (await s.timeout(60_000).emitWithAck('subscribe', { view, tenant })) as { ok: boolean; error?: string };
          if (!res.ok) throw new Error(`subscribe ${view}: ${res.error}`);
        }
      })().then(() => resolve(s), reject);
    });
  });
}

await main();
