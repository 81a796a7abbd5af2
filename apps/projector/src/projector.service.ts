import {
  Inject,
  Injectable,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import type { Sql } from 'postgres';
import { busNames } from '@pulse/events';
import type { EventStore } from '@pulse/eventstore';
import type { Logger, NatsConnection } from '@pulse/platform';
import { deltaPublisher } from './adapters/delta-publisher.ts';
import { acquireLeadership } from './adapters/leader-lock.ts';
import { HeartbeatAbsenceManager } from './process-managers/heartbeat-absence/heartbeat-absence.manager.ts';
import { fleetProjection } from './projections/fleet/fleet.projection.ts';
import { ProjectionRunner } from './projections/projection-runner.ts';
import type { ProjectorSettings } from './settings.ts';
import { EVENT_STORE, LOGGER, NATS, SETTINGS, SQL } from './tokens.ts';

/**
 * Runs the projections and process managers of this process once it holds the projector lock,
 * and stops them cleanly on shutdown (the batch in hand commits or rolls back, never half).
 */
@Injectable()
export class ProjectorService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private stopping = false;
  private running: Promise<void> = Promise.resolve();
  private readonly runners: ProjectionRunner[];
  private readonly absence: HeartbeatAbsenceManager;

  constructor(
    @Inject(SETTINGS) settings: ProjectorSettings,
    @Inject(LOGGER) private readonly log: Logger,
    @Inject(SQL) private readonly sql: Sql,
    @Inject(NATS) nc: NatsConnection,
    @Inject(EVENT_STORE) store: EventStore,
  ) {
    const publish = deltaPublisher(nc, busNames(settings.NATS_PREFIX), log);
    this.runners = [fleetProjection].map(
      (projection) =>
        new ProjectionRunner({
          sql,
          store,
          projection,
          publish,
          log,
          batchSize: settings.PROJECTOR_BATCH,
          pollMs: settings.PROJECTOR_POLL_MS,
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
  }

  onApplicationBootstrap(): void {
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
    await this.running;
    this.log.info('projector stopped');
  }

  private async run(): Promise<void> {
    const leadership = await acquireLeadership(this.sql, {
      retryMs: 1000,
      isStopping: () => this.stopping,
      onWaiting: () => this.log.info('projector standby: another projector holds the lock'),
    });
    if (!leadership) return;
    try {
      const projecting = Promise.all(this.runners.map((r) => r.run()));
      // Resolves when every projection is live, or earlier when they stop (shutdown during catch-up).
      await Promise.race([Promise.all(this.runners.map((r) => r.live)), projecting]);
      if (this.stopping) {
        await projecting;
        return;
      }
      this.log.info({ projections: this.runners.length }, 'projector running');
      // Silence is judged from the read model, so the process manager starts only once it is current;
      // during a catch-up every decision would be overtaken by the events still to project.
      await Promise.all([projecting, this.absence.run()]);
    } finally {
      await leadership.release();
    }
  }
}
