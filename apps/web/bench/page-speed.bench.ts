/**
 * Page speed, part of `npm run bench:live`: with 10,000 machines and 5,000 open alerts in the read
 * models, how long /fleet and /alerts take to show their first screen in Chromium, and the frame
 * rate while deltas arrive at the rate a busy projector sends them (the fleet: 200 changed
 * machines per 100 ms, i.e. 2,000 heartbeats/s; alerts: 20 new or changed per 100 ms).
 * Only the web node runs; the read models are written directly, deltas published on NATS.
 */
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import type { AlertView, MachineView } from '@pulse/events';
import { busNames } from '@pulse/events';
import { connectNats, createSql, deleteBus, migrate, provisionBus } from '@pulse/platform';
import { freePort, startApp } from '@pulse/testkit';
import { alert, launchChromium, machine } from '../test/web-harness.ts';
import { ensureServices, withDatabase } from '../../../scripts/services.ts';

const MACHINES = 10_000;
const ALERTS = 5_000;
const log = (msg: string) => process.stderr.write(`${msg}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface PageSpeed {
  page: string;
  firstScreenMs: number;
  fps: number;
  p99FrameMs: number;
  longFrames: number;
  deltasPerS: number;
}

const oses = [
  'Debian 12',
  'Ubuntu 24.04 LTS',
  'Windows Server 2022',
  'Windows 11 Pro',
  'Rocky Linux 9',
  'macOS 15',
];
const fleetRow = (i: number, tick = 0): MachineView =>
  machine(`m-${String(i).padStart(5, '0')}`, {
    hostname: `host-${i}.customer-${i % 40}.example`,
    os: oses[i % oses.length]!,
    status: i % 50 === 0 ? 'offline' : i % 23 === 0 ? 'overdue' : 'online',
    cpuPct: (i * 7 + tick * 13) % 100,
    memPct: (i * 3 + tick) % 100,
    diskPct: (i * 11) % 100,
    customer: `Customer ${i % 40}`,
    site: `Site ${i % 3}`,
    lastSeenAt: new Date(Date.now() - (i % 60) * 1000).toISOString(),
  });
const alertRow = (i: number, tick = 0): AlertView =>
  alert(`a-${i}`, {
    severity: i % 7 === 0 ? 'critical' : i % 3 === 0 ? 'info' : 'warning',
    source: ['wazuh', 'tacticalrmm', 'fleet', 'generic'][i % 4]!,
    title: `Alert ${i}: ${['disk almost full', 'service down', 'rootcheck anomaly', 'certificate expiring'][i % 4]}`,
    machineId: `m-${String(i % MACHINES).padStart(5, '0')}`,
    count: 1 + tick,
    lastSeenAt: new Date(Date.now() - i * 1000 + tick * 100).toISOString(),
  });

export async function pageSpeed(): Promise<PageSpeed[]> {
  const services = await ensureServices(log);
  const dbName = `pulse_pages_${randomBytes(4).toString('hex')}`;
  const admin = postgres(withDatabase(services.postgresServerUrl, 'postgres'), {
    max: 1,
    onnotice: () => {},
  });
  await admin`CREATE DATABASE ${admin(dbName)}`;
  const url = withDatabase(services.postgresServerUrl, dbName);
  const prefix = `pages${randomBytes(3).toString('hex')}`;
  const names = busNames(prefix);
  const nc = await connectNats(services.natsUrl, 'pulse-bench-pages');
  const sql = createSql(url, { max: 2, name: 'pulse-bench-pages' });
  const browser = await launchChromium();
  const web = { app: undefined as ReturnType<typeof startApp> | undefined };
  const results: PageSpeed[] = [];
  try {
    await migrate(url);
    await provisionBus(nc, names);
    log(`seeding ${MACHINES} machines and ${ALERTS} open alerts …`);
    const machines = Array.from({ length: MACHINES }, (_, i) => fleetRow(i));
    for (let i = 0; i < machines.length; i += 1000)
      await sql`INSERT INTO read_machines ${sql(
        machines.slice(i, i + 1000).map((m) => ({
          tenant: 'demo',
          machine_id: m.machineId,
          hostname: m.hostname,
          os: m.os,
          agent_version: m.agentVersion,
          status: m.status,
          last_seen_at: m.lastSeenAt,
          registered_at: m.registeredAt,
          cpu_pct: m.cpuPct,
          mem_pct: m.memPct,
          disk_pct: m.diskPct,
          uptime_s: m.uptimeS,
          customer: m.customer,
          site: m.site,
          position: 1,
        })),
      )}`;
    const alerts = Array.from({ length: ALERTS }, (_, i) => alertRow(i));
    for (let i = 0; i < alerts.length; i += 1000)
      await sql`INSERT INTO read_alerts ${sql(
        alerts.slice(i, i + 1000).map((a) => ({
          tenant: 'demo',
          fingerprint: a.fingerprint,
          source: a.source,
          severity: a.severity,
          title: a.title,
          labels: sql.json({}),
          machine_id: a.machineId,
          state: a.state,
          count: a.count,
          first_seen_at: a.firstSeenAt,
          last_seen_at: a.lastSeenAt,
          opened_at: a.openedAt,
          position: 1,
        })),
      )}`;
    await sql`INSERT INTO projection_checkpoints (projection, position) VALUES ('fleet', 1), ('alerts', 1)`;

    const port = await freePort();
    web.app = startApp('web', {
      DATABASE_URL: url,
      NATS_URL: services.natsUrl,
      NATS_PREFIX: prefix,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
    });
    await web.app.waitForOutput(/web listening/, 60_000).catch(async () => {
      // LOG_LEVEL=warn hides the line: wait for the port instead.
      for (let i = 0; i < 100; i++) {
        if (
          await fetch(`http://127.0.0.1:${port}/healthz`).then(
            (r) => r.ok,
            () => false,
          )
        )
          return;
        await sleep(200);
      }
    });

    let position = 1;
    for (const target of ['fleet', 'alerts'] as const) {
      const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
      // Warm the server's code paths and Chromium's cache once, as a NOC screen that reloads would be.
      await page.goto(`http://127.0.0.1:${port}/${target}`);
      await page.waitForSelector('[data-connection="live"]', { timeout: 60_000 });
      const t0 = Date.now();
      await page.goto(`http://127.0.0.1:${port}/${target}`);
      const firstRow =
        target === 'fleet' ? 'tr[data-machine-id]' : '[data-testid="alert-list"] [data-fingerprint]';
      await page.waitForSelector(`[data-connection="live"]`, { timeout: 60_000 });
      await page.waitForSelector(firstRow, { timeout: 60_000 });
      const firstScreenMs = Date.now() - t0;

      // Count frames in the page while deltas arrive every 100 ms for 5 s.
      // A string, not a function: tsx's name helpers do not exist in the page.
      await page.evaluate(
        `window.__frames = []; (function f(t) { window.__frames.push(t); requestAnimationFrame(f); })(performance.now())`,
      );
      let deltas = 0;
      const started = Date.now();
      for (let tick = 1; Date.now() - started < 5000; tick++) {
        position++;
        const rows =
          target === 'fleet'
            ? Array.from({ length: 200 }, (_, j) => fleetRow((tick * 200 + j) % MACHINES, tick))
            : Array.from({ length: 20 }, (_, j) => alertRow((tick * 20 + j) % ALERTS, tick));
        nc.publish(
          names.view('demo', target),
          JSON.stringify({ view: target, tenant: 'demo', position, rows }),
        );
        deltas++;
        await sleep(100);
      }
      const frames = (await page.evaluate('window.__frames')) as number[];
      const gaps = frames
        .slice(1)
        .map((t, i) => t - frames[i]!)
        .sort((a, b) => a - b);
      const span = (frames.at(-1)! - frames[0]!) / 1000;
      results.push({
        page: `/${target}`,
        firstScreenMs,
        fps: (frames.length - 1) / span,
        p99FrameMs: gaps[Math.floor(gaps.length * 0.99)] ?? NaN,
        longFrames: gaps.filter((g) => g > 34).length,
        deltasPerS: deltas / ((Date.now() - started) / 1000),
      });
      log(JSON.stringify(results.at(-1)));
      await page.close();
    }
  } finally {
    await browser.close();
    await web.app?.stop();
    await deleteBus(nc, names).catch(() => {});
    await nc.drain().catch(() => {});
    await sql.end();
    await admin`DROP DATABASE IF EXISTS ${admin(dbName)} WITH (FORCE)`.catch(() => {});
    await admin.end();
    await services.stop();
  }
  return results;
}

export function printPageSpeed(results: PageSpeed[]): void {
  console.log(`\n### Page speed in Chromium — ${MACHINES} machines, ${ALERTS} open alerts, 1920×1080\n`);
  console.log(
    '| page | first screen | frames/s while deltas arrive | p99 frame | frames > 34 ms | deltas/s |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const r of results)
    console.log(
      `| ${r.page} | ${r.firstScreenMs} ms | ${r.fps.toFixed(1)} | ${r.p99FrameMs.toFixed(1)} ms | ${r.longFrames} | ${r.deltasPerS.toFixed(1)} |`,
    );
}
