import type { ViewDelta, ViewName } from '@pulse/events';
import type { Sql } from '@pulse/platform';
import { startApp, type AppProcess, type TestBus, type TestDatabase } from '@pulse/testkit';

/**
 * Thresholds no test machine reaches: projection tests use fixed past timestamps, and the
 * heartbeat-absence process manager would otherwise append status changes among their events.
 */
export const NO_ABSENCE = { PULSE_OFFLINE_AFTER_S: '1000000000', PULSE_OVERDUE_AFTER_S: '2000000000' };

/** Starts the projector as a child process against a test database and bus. */
export function startProjector(db: TestDatabase, bus: TestBus, env: Record<string, string> = {}): AppProcess {
  return startApp('projector', {
    DATABASE_URL: db.url,
    NATS_URL: bus.url,
    NATS_PREFIX: bus.prefix,
    // Test files run projectors side by side: each takes a free port.
    PROJECTOR_METRICS_PORT: '0',
    ...env,
  });
}

export async function checkpoint(sql: Sql, projection = 'fleet'): Promise<number> {
  const [row] = await sql<
    { position: number }[]
  >`SELECT position FROM projection_checkpoints WHERE projection = ${projection}`;
  return row?.position ?? 0;
}

export async function headPosition(sql: Sql): Promise<number> {
  const [row] = await sql<{ head: number | null }[]>`SELECT max(position) AS head FROM events`;
  return row?.head ?? 0;
}

/** Collects every fleet delta published under the bus's prefix, in arrival order. */
export function collectDeltas(bus: TestBus): { deltas: ViewDelta<'fleet'>[]; stop: () => void } {
  return collectViewDeltas(bus, 'fleet');
}

/** Collects every delta of one view published under the bus's prefix, in arrival order. */
export function collectViewDeltas<V extends ViewName>(
  bus: TestBus,
  view: V,
): { deltas: ViewDelta<V>[]; stop: () => void } {
  const deltas: ViewDelta<V>[] = [];
  const sub = bus.nc.subscribe(bus.names.viewAll, {
    callback: (err, msg) => {
      if (err) return;
      const delta = msg.json<ViewDelta>();
      if (delta.view === view) deltas.push(delta as ViewDelta<V>);
    },
  });
  return { deltas, stop: () => sub.unsubscribe() };
}
