/**
 * `npm run bench:live`: Socket.IO clients on the live board while events flow, loopback only.
 *
 *   HTTP batches → ingest (202) → JetStream → recorder → store → projector → ops.view.* → web
 *   → coalesced per room (≤ 1 emit / 100 ms) → N clients subscribed to fleet and alerts
 *
 * Starts ingest, projector and web as child processes (as `npm start` does) on a fresh database
 * and NATS prefix, registers MACHINES machines, then for each client count: connects the clients
 * (live-clients.ts, a process of its own), offers RATE events/s for SECONDS (open loop: heartbeats,
 * and 5 % new alerts), and reports updates delivered per second, p50/p99 latency from each batch's
 * 202 to a probe client's receipt of its rows, and the web process's peak RSS. In the same run it
 * measures the raw Socket.IO broadcast rate to the same number of bare clients (no NATS, no
 * coalescing, no snapshot) as the ceiling. Everything it created is removed at the end.
 *
 *   BENCH_CLIENTS (100,1000), BENCH_RATE (2000 events/s), BENCH_SECONDS (15), BENCH_MACHINES (2000);
 *   BENCH_LIVE=0 skips this part, BENCH_PAGES=0 the page speed part (page-speed.bench.ts).
 */
import { fork } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import postgres from 'postgres';
import { Server } from 'socket.io';
import { busNames } from '@pulse/events';
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
import { freePort, processCpuMs, startApp, type AppProcess } from '@pulse/testkit';
import { buildWebIfStale } from '../../../scripts/build.ts';
import { pageSpeed, printPageSpeed } from './page-speed.bench.ts';
import { ensureServices, withDatabase } from '../../../scripts/services.ts';

const CLIENTS = (process.env.BENCH_CLIENTS ?? '100,1000').split(',').map(Number);
const RATE = Number(process.env.BENCH_RATE ?? 2000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const MACHINES = Number(process.env.BENCH_MACHINES ?? 2000);
const BATCH = 100;
const PROBES = 10;
const TENANT = 'bench';

const log = (msg: string) => process.stderr.write(`${msg}\n`);
const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function rssMb(pid: number | undefined): number {
  try {
    const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
    return kb / 1024;
  } catch {
    return NaN;
  }
}

/** One HTTP batch: heartbeats carrying the batch number in uptimeS, and every 20th event a new alert. */
function batchBody(seq: number): string {
  const events = Array.from({ length: BATCH }, (_, i) => {
    if (i % 20 === 19)
      return {
        id: randomUUID(),
        type: 'alert.raised',
        source: 'webhook:wazuh',
        data: {
          fingerprint: `bench-${seq}-${i}`,
          source: 'wazuh',
          severity: 'warning',
          title: `bench alert #${seq}`,
        },
      };
    const m = `m-${(seq * BATCH + i) % MACHINES}`;
    return {
      id: randomUUID(),
      type: 'machine.heartbeat',
      source: `agent:${m}`,
      data: {
        machineId: m,
        hostname: m,
        os: 'Debian 12',
        cpuPct: (seq + i) % 100,
        memPct: 43,
        diskPct: 61,
        uptimeS: seq,
        agentVersion: '1.0.0',
      },
    };
  });
  return JSON.stringify(events);
}

/** The clients' process, driven over IPC. */
function clientsProcess() {
  const child = fork(path.join(import.meta.dirname, 'live-clients.ts'), [], {
    execArgv: ['--import', 'tsx', '--max-old-space-size=4096'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ask = <T = Record<string, unknown>>(msg: Record<string, unknown>): Promise<T> =>
    new Promise((resolve, reject) => {
      child.once('message', (res: { ok: boolean; error?: string }) =>
        res.ok ? resolve(res as T) : reject(new Error(res.error)),
      );
      child.send(msg);
    });
  return { child, ask };
}

interface Row {
  clients: number;
  offered: number;
  accepted: number;
  deliveries: number;
  mbPerS: number;
  p50: number;
  p99: number;
  webP50: number;
  webP99: number;
  busP50: number;
  busP99: number;
  samples: number;
  rss: number;
  /** Web process CPU time per second of the run (1 = one core busy). */
  cpu: number;
  resyncs: number;
}

async function main() {
  await buildWebIfStale(log);
  const services = await ensureServices(log);
  const dbName = `pulse_bench_${randomBytes(4).toString('hex')}`;
  const admin = postgres(withDatabase(services.postgresServerUrl, 'postgres'), {
    max: 1,
    onnotice: () => {},
  });
  await admin`CREATE DATABASE ${admin(dbName)}`;
  const url = withDatabase(services.postgresServerUrl, dbName);
  const prefix = `bench${randomBytes(3).toString('hex')}`;
  const names = busNames(prefix);
  const nc = await connectNats(services.natsUrl, 'pulse-bench');
  const sql = createSql(url, { max: 2, name: 'pulse-bench' });
  const apps: AppProcess[] = [];
  const clients = clientsProcess();
  const results: Row[] = [];
  let ceiling: { clients: number; deliveries: number; bytes: number } | undefined;
  try {
    await migrate(url);
    await provisionBus(nc, names);
    const key = generateIngestKey(TENANT);
    await upsertTenant(sql, { id: TENANT, name: 'Bench' });
    await addIngestKey(sql, TENANT, key, 'bench');

    const [ingestPort, webPort, metricsPort] = [await freePort(), await freePort(), await freePort()];
    const env = {
      DATABASE_URL: url,
      NATS_URL: services.natsUrl,
      NATS_PREFIX: prefix,
      LOG_LEVEL: 'warn',
      INGEST_TENANT_RATE: '0',
    };
    const ingest = startApp('ingest', { ...env, INGEST_PORT: String(ingestPort) });
    const projector = startApp('projector', { ...env, PROJECTOR_METRICS_PORT: String(metricsPort) });
    const web = startApp('web', { ...env, PORT: String(webPort), HOST: '127.0.0.1', LOG_LEVEL: 'info' });
    apps.push(ingest, projector, web);
    await Promise.all([web.waitForOutput(/web listening/, 60_000)]);
    for (let i = 0; i < 150; i++) {
      if (
        await fetch(`http://127.0.0.1:${ingestPort}/readyz`).then(
          (r) => r.ok,
          () => false,
        )
      )
        break;
      await sleep(200);
    }
    const webUrl = `http://127.0.0.1:${webPort}`;
    const post = (body: string) =>
      fetch(`http://127.0.0.1:${ingestPort}/v1/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body,
      }).then(
        (r) => r.status,
        () => 0,
      );

    log(`registering ${MACHINES} machines …`);
    for (let s = 0; s < MACHINES / BATCH; s++) await post(batchBody(s));
    for (let i = 0; i < 300; i++) {
      const [row] = await sql<
        { n: number }[]
      >`SELECT count(*)::int AS n FROM read_machines WHERE tenant = ${TENANT}`;
      if ((row?.n ?? 0) >= MACHINES) break;
      await sleep(200);
    }

    let seq = 1_000_000;
    for (const n of CLIENTS) {
      log(`connecting ${n} clients (fleet + alerts) … (web RSS ${rssMb(web.child.pid).toFixed(0)} MB)`);
      await clients.ask({
        cmd: 'connect',
        url: webUrl,
        tenant: TENANT,
        clients: n,
        probes: Math.min(PROBES, n),
        views: ['fleet', 'alerts'],
      });
      await sleep(1000);
      await clients.ask({ cmd: 'reset' });
      log(`${n} clients connected (web RSS ${rssMb(web.child.pid).toFixed(0)} MB)`);
      const accepted = new Map<number, number>();
      let offered = 0;
      let rss = 0;
      const cpu0 = (processCpuMs(web.child.pid) ?? NaN) / 1000;
      const rssTimer = setInterval(() => (rss = Math.max(rss, rssMb(web.child.pid))), 250);
      // The same rows as the web node hears them: splits the pipeline's share of the latency from the board's.
      const busReceipts: [number, number][] = [];
      const busSub = nc.subscribe(names.view(TENANT, 'fleet'), {
        callback: (_err, msg) => {
          const at = now();
          for (const r of (msg.json() as { rows: { uptimeS: number }[] }).rows)
            busReceipts.push([at, r.uptimeS]);
        },
      });
      const bodies = Array.from(
        { length: Math.ceil((SECONDS * RATE) / BATCH) },
        (_, i) => [seq + i, batchBody(seq + i)] as const,
      );
      seq += bodies.length + 10;
      log(`offering ${RATE} events/s for ${SECONDS} s …`);
      const start = performance.now();
      const interval = (BATCH / RATE) * 1000;
      const pending: Promise<void>[] = [];
      for (const [i, [batch, body]] of bodies.entries()) {
        const wait = start + i * interval - performance.now();
        if (wait > 0) await sleep(wait);
        offered += BATCH;
        pending.push(post(body).then((status) => void (status === 202 && accepted.set(batch, now()))));
      }
      await Promise.all(pending);
      const elapsed = (performance.now() - start) / 1000;
      await sleep(2000); // let the last batches reach the board
      clearInterval(rssTimer);
      busSub.unsubscribe();
      // The web node's own share: from the delta on NATS to the client (coalescing, fan-out, transport).
      const heard = new Map<number, number>();
      for (const [at, b] of busReceipts) if (!heard.has(b)) heard.set(b, at);
      const busLatencies = busReceipts
        .filter(([, b]) => accepted.has(b))
        .map(([at, b]) => at - accepted.get(b)!)
        .sort((a, b) => a - b);
      const report = await clients.ask<{
        frames: number;
        bytes: number;
        rows: number;
        receipts: [number, number][];
        resyncs: number;
      }>({ cmd: 'report' });
      const webShare = report.receipts
        .filter(([, b]) => heard.has(b))
        .map(([at, b]) => at - heard.get(b)!)
        .sort((a, b) => a - b);
      const latencies = report.receipts
        .filter(([, b]) => accepted.has(b))
        .map(([at, b]) => at - accepted.get(b)!)
        .sort((a, b) => a - b);
      results.push({
        clients: n,
        offered: Math.round(offered / elapsed),
        accepted: Math.round((accepted.size * BATCH) / elapsed),
        deliveries: Math.round(report.frames / (elapsed + 2)),
        mbPerS: report.bytes / (elapsed + 2) / 1e6,
        p50: percentile(latencies, 50),
        p99: percentile(latencies, 99),
        webP50: percentile(webShare, 50),
        webP99: percentile(webShare, 99),
        busP50: percentile(busLatencies, 50),
        busP99: percentile(busLatencies, 99),
        samples: latencies.length,
        rss,
        cpu: ((processCpuMs(web.child.pid) ?? NaN) / 1000 - cpu0) / (elapsed + 2),
        resyncs: report.resyncs,
      });
      log(JSON.stringify(results.at(-1)));
      await clients.ask({ cmd: 'close' });
      await sleep(1000);
    }

    // The ceiling: a bare Socket.IO server broadcasting a delta-sized message to the same number of bare clients.
    const n = Math.max(...CLIENTS);
    const last = results.at(-1)!;
    const size = Math.max(200, Math.round((last.mbPerS * 1e6) / Math.max(1, last.deliveries)));
    log(`raw Socket.IO broadcast to ${n} clients, ${size} bytes per message …`);
    const http = createServer();
    const io = new Server(http, { serveClient: false, transports: ['websocket'] });
    const rawPort = await freePort();
    await new Promise<void>((r) => http.listen(rawPort, '127.0.0.1', r));
    await clients.ask({ cmd: 'raw', url: `http://127.0.0.1:${rawPort}`, clients: n });
    await clients.ask({ cmd: 'reset' });
    const payload = { view: 'fleet', tenant: TENANT, position: 1, rows: 'x'.repeat(size) };
    const t0 = performance.now();
    // As fast as the server goes, yielding each time so sockets drain (a tight loop would only queue).
    while (performance.now() - t0 < 5000) {
      io.emit('delta', payload);
      await new Promise((r) => setImmediate(r));
    }
    await sleep(1000);
    const raw = await clients.ask<{ frames: number; bytes: number }>({ cmd: 'report' });
    ceiling = { clients: n, deliveries: Math.round(raw.frames / 6), bytes: size };
    await clients.ask({ cmd: 'close' });
    io.close();
  } finally {
    clients.child.kill();
    await Promise.all(apps.map((a) => a.stop()));
    await deleteBus(nc, names).catch(() => {});
    await nc.drain().catch(() => {});
    await sql.end();
    await admin`DROP DATABASE IF EXISTS ${admin(dbName)} WITH (FORCE)`.catch(() => {});
    await admin.end();
    await services.stop();
  }

  const cpu = os.cpus();
  console.log(
    `\n### bench:live — ${cpu.length} × ${cpu[0]?.model ?? 'cpu'}, ${MACHINES} machines, ${RATE} events/s offered, ${SECONDS} s\n`,
  );
  console.log(
    '| clients | events/s accepted | updates delivered/s | MB/s to clients | p50 / p99 202→client | of which 202→delta on NATS (pipeline) | p50 / p99 NATS→client (web) | samples | web RSS peak | web CPU | resyncs |',
  );
  console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of results)
    console.log(
      `| ${r.clients} | ${r.accepted} | ${r.deliveries} | ${r.mbPerS.toFixed(1)} | ${r.p50.toFixed(0)} / ${r.p99.toFixed(0)} ms | ${r.busP50.toFixed(0)} / ${r.busP99.toFixed(0)} ms | ${r.webP50.toFixed(0)} / ${r.webP99.toFixed(0)} ms | ${r.samples} | ${r.rss.toFixed(0)} MB | ${(r.cpu * 100).toFixed(0)} % | ${r.resyncs} |`,
    );
  if (ceiling)
    console.log(
      `\nRaw Socket.IO broadcast (same run, bare server, ${ceiling.clients} bare clients, ${ceiling.bytes}-byte messages): ${ceiling.deliveries} deliveries/s.`,
    );
}

if (process.env.BENCH_LIVE !== '0') await main();
if (process.env.BENCH_PAGES !== '0') printPageSpeed(await pageSpeed());
process.exit(0);
