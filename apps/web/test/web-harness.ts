/**
 * Building blocks for browser tests of the web app. A full-slice test composes them with the other
 * apps: `stackEnv(db, bus)` is the environment every app takes, so start ingest and projector with
 * `startApp('ingest', { ...env, INGEST_PORT })` and `startApp('projector', env)` next to `startWeb(env)`.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import {
  deltaMessageLimit,
  deltaMessages,
  type AlertView,
  type MachineView,
  type ViewDelta,
  type ViewName,
  type ViewRows,
} from '@pulse/events';
import type { Sql } from '@pulse/platform';
import { freePort, startApp, type AppProcess, type TestBus, type TestDatabase } from '@pulse/testkit';

export const screenshotsDir = path.resolve(import.meta.dirname, '../../../test-output/screenshots');

/** What the web node logs once it accepts connections; tests wait for it. */
export const webReady = /web listening on http:\/\/127\.0\.0\.1:(\d+)/;

export function stackEnv(db: TestDatabase, bus: TestBus): Record<string, string> {
  return { DATABASE_URL: db.url, NATS_URL: bus.url, NATS_PREFIX: bus.prefix };
}

export interface WebApp {
  app: AppProcess;
  port: number;
  baseUrl: string;
}

export async function startWeb(env: Record<string, string>, port?: number): Promise<WebApp> {
  const p = port ?? (await freePort());
  const app = startApp('web', { ...env, PORT: String(p), HOST: '127.0.0.1' });
  await app.waitForOutput(webReady);
  return { app, port: p, baseUrl: `http://127.0.0.1:${p}` };
}

/** Chromium from the machine (never a downloaded one), headless. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

export const viewports = {
  laptop: { width: 1366, height: 768 },
  wall: { width: 1920, height: 1080 },
} as const;

export function machine(machineId: string, patch: Partial<MachineView> = {}): MachineView {
  return {
    machineId,
    hostname: machineId,
    os: 'Debian 12',
    agentVersion: '1.0.0',
    status: 'online',
    lastSeenAt: new Date(Date.now() - 5_000).toISOString(),
    registeredAt: new Date(Date.now() - 86_400_000).toISOString(),
    cpuPct: 20,
    memPct: 40,
    diskPct: 60,
    uptimeS: 86_400,
    ...patch,
  };
}

export function alert(fingerprint: string, patch: Partial<AlertView> = {}): AlertView {
  const at = new Date(Date.now() - 60_000).toISOString();
  return {
    fingerprint,
    source: 'wazuh',
    severity: 'critical',
    title: `Alert ${fingerprint}`,
    details: null,
    labels: {},
    machineId: null,
    externalId: null,
    url: null,
    state: 'open',
    count: 1,
    firstSeenAt: at,
    lastSeenAt: at,
    openedAt: at,
    acknowledgedAt: null,
    acknowledgedBy: null,
    resolvedAt: null,
    resolvedBy: null,
    escalationLevel: 0,
    escalatedAt: null,
    flapping: false,
    notes: 0,
    lastNote: null,
    ...patch,
  };
}

/** Writes alert rows and the alerts checkpoint as the projector would: in one transaction, in bulk. */
export async function seedAlerts(
  sql: Sql,
  tenant: string,
  rows: AlertView[],
  position: number,
): Promise<void> {
  await sql.begin(async (tx) => {
    for (let i = 0; i < rows.length; i += 1000) {
      const chunk = rows.slice(i, i + 1000).map((a) => ({
        tenant,
        fingerprint: a.fingerprint,
        source: a.source,
        severity: a.severity,
        title: a.title,
        details: a.details,
        labels: tx.json(a.labels),
        machine_id: a.machineId,
        external_id: a.externalId,
        url: a.url,
        state: a.state,
        count: a.count,
        first_seen_at: a.firstSeenAt,
        last_seen_at: a.lastSeenAt,
        opened_at: a.openedAt,
        acknowledged_at: a.acknowledgedAt,
        acknowledged_by: a.acknowledgedBy,
        resolved_at: a.resolvedAt,
        resolved_by: a.resolvedBy,
        escalation_level: a.escalationLevel,
        escalated_at: a.escalatedAt,
        flapping: a.flapping,
        notes: a.notes,
        last_note: a.lastNote,
        position,
      }));
      await tx`
        INSERT INTO read_alerts ${tx(chunk)}
        ON CONFLICT (tenant, fingerprint) DO UPDATE SET
          state = excluded.state, severity = excluded.severity, title = excluded.title, count = excluded.count,
          last_seen_at = excluded.last_seen_at, acknowledged_at = excluded.acknowledged_at,
          acknowledged_by = excluded.acknowledged_by, resolved_at = excluded.resolved_at,
          resolved_by = excluded.resolved_by, notes = excluded.notes, last_note = excluded.last_note,
          position = excluded.position`;
    }
    await tx`
      INSERT INTO projection_checkpoints (projection, position) VALUES ('alerts', ${position})
      ON CONFLICT (projection) DO UPDATE SET position = excluded.position, updated_at = now()`;
  });
}

/** Publishes a delta of any view the way the projector does (in parts when it is large). */
export async function publishDelta<V extends ViewName>(
  bus: TestBus,
  view: V,
  tenant: string,
  position: number,
  rows: ViewRows[V][],
): Promise<void> {
  const limit = deltaMessageLimit(bus.nc.info?.max_payload);
  for (const m of deltaMessages({ view, tenant, position, rows }, limit))
    bus.nc.publish(bus.names.view(tenant, view), m);
  await bus.nc.flush();
}

export async function projectAlerts(
  db: TestDatabase,
  bus: TestBus,
  tenant: string,
  rows: AlertView[],
  position: number,
): Promise<void> {
  await seedAlerts(db.sql, tenant, rows, position);
  await publishDelta(bus, 'alerts', tenant, position, rows);
}

/**
 * Writes read-model rows (column names as in the migration) and a projection's checkpoint in one
 * transaction, as the projector does, for views the browser tests seed directly.
 */
export async function seedRows(
  sql: Sql,
  table: string,
  key: string[],
  rows: Record<string, unknown>[],
  projection: string,
  position: number,
): Promise<void> {
  await sql.begin(async (tx) => {
    for (const row of rows) {
      // Objects and arrays go to jsonb columns as JSON, not as a JSON string.
      const r = Object.fromEntries(
        Object.entries({ ...row, position }).map(([k, v]) => [
          k,
          v !== null && typeof v === 'object' && !((v as object) instanceof Date) ? tx.json(v as never) : v,
        ]),
      );
      const columns = Object.keys(r);
      const updates = columns.filter((c) => !key.includes(c));
      await tx`
        INSERT INTO ${tx(table)} ${tx(r as unknown as Record<string, string>, columns)}
        ON CONFLICT (${tx(key)}) DO UPDATE SET ${tx.unsafe(updates.map((c) => `"${c}" = excluded."${c}"`).join(', '))}`;
    }
    await tx`
      INSERT INTO projection_checkpoints (projection, position) VALUES (${projection}, ${position})
      ON CONFLICT (projection) DO UPDATE SET position = excluded.position, updated_at = now()`;
  });
}

/** Writes rows and the fleet checkpoint as the projector would: in one transaction. */
export async function seedFleet(
  sql: Sql,
  tenant: string,
  rows: MachineView[],
  position: number,
): Promise<void> {
  await sql.begin(async (tx) => {
    for (const r of rows) {
      await tx`
        INSERT INTO read_machines (tenant, machine_id, hostname, os, agent_version, status, last_seen_at, registered_at,
                                   cpu_pct, mem_pct, disk_pct, uptime_s, position)
        VALUES (${tenant}, ${r.machineId}, ${r.hostname}, ${r.os}, ${r.agentVersion}, ${r.status}, ${r.lastSeenAt},
                ${r.registeredAt}, ${r.cpuPct}, ${r.memPct}, ${r.diskPct}, ${r.uptimeS}, ${position})
        ON CONFLICT (tenant, machine_id) DO UPDATE SET
          hostname = excluded.hostname, os = excluded.os, agent_version = excluded.agent_version,
          status = excluded.status, last_seen_at = excluded.last_seen_at, cpu_pct = excluded.cpu_pct,
          mem_pct = excluded.mem_pct, disk_pct = excluded.disk_pct, uptime_s = excluded.uptime_s,
          position = excluded.position`;
    }
    await tx`
      INSERT INTO projection_checkpoints (projection, position) VALUES ('fleet', ${position})
      ON CONFLICT (projection) DO UPDATE SET position = excluded.position, updated_at = now()`;
  });
}

/** Publishes a fleet delta the way the projector does: a core NATS message on ops.view.<tenant>.fleet. */
export async function publishFleetDelta(
  bus: TestBus,
  delta: Omit<ViewDelta<'fleet'>, 'view'>,
): Promise<void> {
  await publishDelta(bus, 'fleet', delta.tenant, delta.position, delta.rows);
}

/**
 * What the projector does for one committed batch: rows and checkpoint in one transaction, then the
 * delta on NATS. Deltas published without this are lost on the next snapshot, as they would be.
 */
export async function projectFleet(
  db: TestDatabase,
  bus: TestBus,
  tenant: string,
  rows: MachineView[],
  position: number,
): Promise<void> {
  await seedFleet(db.sql, tenant, rows, position);
  await publishFleetDelta(bus, { tenant, position, rows });
}

/** The /fleet page, read through its test hooks (data-machine-id, data-status, data-count, data-connection). */
export class FleetPage {
  constructor(
    readonly page: Page,
    readonly baseUrl: string,
  ) {}

  async open(query = ''): Promise<this> {
    await this.page.goto(`${this.baseUrl}/fleet${query}`);
    await this.waitForConnection('live');
    return this;
  }

  row(machineId: string) {
    return this.page.locator(`tr[data-machine-id="${machineId}"]`);
  }

  async waitForRow(machineId: string, status?: MachineView['status'], timeout = 2_000): Promise<void> {
    const selector = `tr[data-machine-id="${machineId}"]${status ? `[data-status="${status}"]` : ''}`;
    await this.page.waitForSelector(selector, { timeout });
  }

  async machineIds(): Promise<string[]> {
    return this.page
      .locator('tbody tr[data-machine-id]')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-machine-id')!));
  }

  async count(tile: 'all' | MachineView['status']): Promise<number> {
    return Number(await this.page.locator(`[data-count="${tile}"] .n`).textContent());
  }

  async waitForConnection(state: 'live' | 'reconnecting' | 'connecting', timeout = 10_000): Promise<void> {
    await waitForConnection(this.page, state, timeout);
  }

  async screenshot(name: string): Promise<string> {
    return screenshot(this.page, name);
  }
}

export async function waitForConnection(
  page: Page,
  state: 'live' | 'reconnecting' | 'connecting',
  timeout = 10_000,
): Promise<void> {
  await page.waitForSelector(`[data-connection="${state}"]`, { timeout });
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(screenshotsDir, { recursive: true });
  const file = path.join(screenshotsDir, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

/** Cuts the page's Socket.IO connection (as a network blip would); it reconnects by itself. */
export async function dropConnection(page: Page): Promise<void> {
  await page.evaluate(() =>
    (
      globalThis as unknown as { __pulseLive: { io: { engine: { close(): void } } } }
    ).__pulseLive.io.engine.close(),
  );
}

/** The /alerts page, read through its test hooks (data-fingerprint, data-state, data-outcome). */
export class AlertsPage {
  constructor(
    readonly page: Page,
    readonly baseUrl: string,
  ) {}

  async open(query = ''): Promise<this> {
    await this.page.goto(`${this.baseUrl}/alerts${query}`);
    await waitForConnection(this.page, 'live');
    return this;
  }

  row(fingerprint: string) {
    return this.page.locator(`[data-fingerprint="${fingerprint}"]`);
  }

  async waitForRow(fingerprint: string, state?: AlertView['state'], timeout = 2_000): Promise<void> {
    await this.page.waitForSelector(
      `[data-fingerprint="${fingerprint}"]${state ? `[data-state="${state}"]` : ''}`,
      {
        timeout,
      },
    );
  }

  async fingerprints(): Promise<string[]> {
    return this.page
      .locator('[data-testid="alert-list"] [data-fingerprint]')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-fingerprint')!));
  }
}
