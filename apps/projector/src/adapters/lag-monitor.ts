import type { Sql } from 'postgres';
import type { SystemView, ViewDelta } from '@pulse/events';
import type { Logger } from '@pulse/platform';

export interface LagMonitorOptions {
  sql: Sql;
  log: Logger;
  projections: readonly string[];
  intervalMs: number;
  /** Tenants to send the system view to, besides those in the tenants table (those seen in deltas). */
  knownTenants: () => Iterable<string>;
  publish: (deltas: ViewDelta[]) => void;
}

/**
 * Measures each projection's lag (events and seconds behind the head) once per interval, keeps it
 * for /metrics, and sends it to the board as the `system` view on ops.view.<tenant>.system (every
 * tenant gets the same rows: lag is the platform's, not a tenant's, and it names no tenant data).
 * The head is the raw max(position), not the gap-safe reader's view: lag is about what is stored.
 */
export class LagMonitor {
  private stopping = false;
  private timer: NodeJS.Timeout | undefined;
  private wake: (() => void) | undefined;
  latest: SystemView[] = [];

  constructor(private readonly o: LagMonitorOptions) {}

  async measure(): Promise<SystemView[]> {
    const { sql, projections } = this.o;
    const rows = await sql<
      { projection: string; position: number; head: number; lag_seconds: number | null }[]
    >`
      WITH head AS (SELECT coalesce(max(position), 0) AS head FROM events)
      SELECT p.projection, coalesce(c.position, 0) AS position, head.head,
             (SELECT extract(epoch FROM now() - e.recorded_at)::float8 FROM events e
               WHERE e.position > coalesce(c.position, 0) ORDER BY e.position LIMIT 1) AS lag_seconds
      FROM unnest(${projections as string[]}::text[]) AS p (projection)
      CROSS JOIN head
      LEFT JOIN projection_checkpoints c ON c.projection = p.projection`;
    const updatedAt = new Date().toISOString();
    this.latest = rows.map((r) => ({
      projection: r.projection,
      position: r.position,
      head: r.head,
      lagEvents: Math.max(0, r.head - r.position),
      lagSeconds: r.head > r.position ? Math.max(0, r.lag_seconds ?? 0) : 0,
      updatedAt,
    }));
    return this.latest;
  }

  private async tenants(): Promise<string[]> {
    const rows = await this.o.sql<{ id: string }[]>`SELECT id FROM tenants`;
    return [...new Set([...rows.map((r) => r.id), ...this.o.knownTenants()])];
  }

  async run(): Promise<void> {
    while (!this.stopping) {
      try {
        const rows = await this.measure();
        const position = Math.min(...rows.map((r) => r.position));
        this.o.publish((await this.tenants()).map((tenant) => ({ view: 'system', tenant, position, rows })));
      } catch (err) {
        this.o.log.warn({ err }, 'lag measurement failed');
      }
      if (this.stopping) break;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        this.timer = setTimeout(resolve, this.o.intervalMs);
      });
    }
  }

  stop(): void {
    this.stopping = true;
    clearTimeout(this.timer);
    this.wake?.();
  }

  /** Prometheus text exposition of the latest measurement. */
  metrics(): string {
    const lines = [
      '# HELP pulse_projector_lag_events Events stored but not yet projected.',
      '# TYPE pulse_projector_lag_events gauge',
      ...this.latest.map((r) => `pulse_projector_lag_events{projection="${r.projection}"} ${r.lagEvents}`),
      '# HELP pulse_projector_lag_seconds Age of the oldest event not yet projected (0 when caught up).',
      '# TYPE pulse_projector_lag_seconds gauge',
      ...this.latest.map((r) => `pulse_projector_lag_seconds{projection="${r.projection}"} ${r.lagSeconds}`),
      '# HELP pulse_projector_position Global position each projection reflects.',
      '# TYPE pulse_projector_position gauge',
      ...this.latest.map((r) => `pulse_projector_position{projection="${r.projection}"} ${r.position}`),
      '# HELP pulse_events_head The last stored global position.',
      '# TYPE pulse_events_head gauge',
      `pulse_events_head ${this.latest[0]?.head ?? 0}`,
    ];
    return `${lines.join('\n')}\n`;
  }
}
