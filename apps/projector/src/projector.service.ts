import { writeFileSync } from 'node:fs';
import {
  Inject,
  Injectable,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import type { Sql } from 'postgres';
import { busNames, type ViewDelta } from '@pulse/events';
import type { EventStore } from '@pulse/eventstore';
import type { Logger, NatsConnection } from '@pulse/platform';
import { deltaPublisher } from './adapters/delta-publisher.ts';
import { LagMonitor } from './adapters/lag-monitor.ts';
import { acquireLeadership } from './adapters/leader-lock.ts';
import { startMetricsServer } from './adapters/metrics-server.ts';
import { HeartbeatAbsenceManager } from './process-managers/heartbeat-absence/heartbeat-absence.manager.ts';
import { reactionsProjection } from './process-managers/reactions/reactions.projection.ts';
import { TimersManager } from './process-managers/reactions/timers.manager.ts';
import { readModels } from './projections/read-models.ts';
import { ProjectionRunner } from './projections/projection-runner.ts';
import type { ProjectorSettings } from './settings.ts';
import { EVENT_STORE, LOGGER, NATS, SETTINGS, SQL } from './tokens.ts';

/** How long the reactions runner rests after a batch that caught up (see the constructor). */
const REACTIONS_REST_MS = 200;

/**
 * Runs the projections and process managers of this process once it holds the projector lock,
 * and stops them cleanly on shutdown (the batch in hand commits or rolls back, never half).
 */
@Injectable()
export class ProjectorService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private stopping = false;
  private running: Promise<void> = Promise.resolve();
  private role: 'starting' | 'standby' | 'active' = 'starting';
  private closeMetrics: (() => Promise<void>) | undefined;
  /** Read models and process managers read apart: a process manager catching up never holds the views back. */
  private readonly runners: ProjectionRunner[];
  private readonly absence: HeartbeatAbsenceManager;
  private readonly timers: TimersManager;
  private readonly lag: LagMonitor;
  private readonly tenantsSeen = new Set<string>();
  /** Per-batch timings (PROJECTOR_TRACE_FILE), written out on shutdown. */
  private readonly traced: string[] = [];

  constructor(
    @Inject(SETTINGS) private readonly settings: ProjectorSettings,
    @Inject(LOGGER) private readonly log: Logger,
    @Inject(SQL) private readonly sql: Sql,
    @Inject(NATS) nc: NatsConnection,
    @Inject(EVENT_STORE) store: EventStore,
  ) {
    const send = deltaPublisher(nc, busNames(settings.NATS_PREFIX), log);
    const publish = (deltas: ViewDelta[]) => {
      for (const d of deltas) this.tenantsSeen.add(d.tenant);
      send(deltas);
    };
    this.timers = new TimersManager({
      sql,
      store,
      log,
      intervalMs: settings.PROJECTOR_TIMER_CHECK_MS,
      retention: {
        minuteMs: settings.PULSE_TELEMETRY_1M_RETENTION_H * 3_600_000,
        hourMs: settings.PULSE_TELEMETRY_1H_RETENTION_D * 86_400_000,
      },
    });
    const reactions = reactionsProjection(
      {
        escalationAfterMs: settings.PULSE_ESCALATION_AFTER_S * 1000,
        onboardingIdleMs: settings.PULSE_ONBOARDING_IDLE_S * 1000,
      },
      () => this.timers.poke(),
    );
    // The views follow every append at once; the process manager's decisions are judged in seconds,
    // so it reads at most every REACTIONS_REST_MS: larger batches, far fewer transactions beside the views'.
    // The views commit without waiting for their WAL flush: an fsync that stalls for 100+ ms held
    // every delta back (BENCHMARKS.md, Projector), and a read model lost in a server crash is
    // projected again from the durable log. The process manager's outbox stays durable.
    this.runners = [
      { name: 'views', projections: [...readModels], restMs: 0, asyncCommit: true },
      { name: 'reactions', projections: [reactions], restMs: REACTIONS_REST_MS, asyncCommit: false },
    ].map(
      ({ name, projections, restMs, asyncCommit }) =>
        new ProjectionRunner({
          sql,
          store,
          projections,
          publish,
          log,
          batchSize: settings.PROJECTOR_BATCH,
          pollMs: settings.PROJECTOR_POLL_MS,
          restMs,
          asyncCommit,
          trace: settings.PROJECTOR_TRACE_FILE
            ? (t) => this.traced.push(JSON.stringify({ runner: name, ...t }))
            : undefined,
        }),
    );
    this.absence = new HeartbeatAbsenceManager({
      sql,
      store,
      log,
      intervalMs: settings.PROJECTOR_ABSENCE_CHECK_MS,
      thresholds: {
        offlineAfterMs: settings.PULSE_OFFLINE_AFTER_S * 1000,
        overdueAfterMs: settings.PULSE_OVERDUE_AFTER_S * 1000,
      },
    });
    this.lag = new LagMonitor({
      sql,
      log,
      projections: this.runners.flatMap((r) => r.names),
      intervalMs: settings.PROJECTOR_LAG_INTERVAL_MS,
      knownTenants: () => this.tenantsSeen,
      publish,
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    const metrics = await startMetricsServer(this.settings.PROJECTOR_METRICS_PORT, {
      metrics: () => this.lag.metrics(),
      ready: () => this.role !== 'starting',
      role: () => this.role,
    });
    this.closeMetrics = metrics.close;
    this.log.info({ port: metrics.port }, 'projector metrics listening');
    // Not awaited: Nest finishes bootstrapping while the loops run until shutdown.
    this.running = this.run().catch((err: unknown) => {
      this.log.fatal({ err }, 'projector failed');
      process.exit(1);
    });
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    for (const runner of this.runners) runner.stop();
    this.absence.stop();
    this.timers.stop();
    this.lag.stop();
    await this.running;
    if (this.settings.PROJECTOR_TRACE_FILE)
      writeFileSync(this.settings.PROJECTOR_TRACE_FILE, this.traced.join('\n') + '\n');
    await this.closeMetrics?.();
    this.log.info('projector stopped');
  }

  private async run(): Promise<void> {
    const leadership = await acquireLeadership(this.sql, {
      retryMs: 1000,
      isStopping: () => this.stopping,
      onWaiting: () => {
        this.role = 'standby';
        this.log.info('projector standby: another projector holds the lock');
      },
    });
    if (!leadership) return;
    this.role = 'active';
    try {
      const projecting = Promise.all(this.runners.map((r) => r.run()));
      const measuring = this.lag.run();
      // Resolves when every projection is live, or earlier when they stop (shutdown during catch-up).
      await Promise.race([Promise.all(this.runners.map((r) => r.live)), projecting]);
      if (this.stopping) {
        await Promise.all([projecting, measuring]);
        return;
      }
      this.log.info({ projections: this.runners.flatMap((r) => r.names) }, 'projector running');
      // Silence and due timers are judged from current state, so the process managers start only
      // once the projections are live; during a catch-up every decision would be overtaken by the
      // events still to project.
      await Promise.all([projecting, measuring, this.absence.run(), this.timers.run()]);
    } finally {
      await leadership.release();
    }
  }
}
