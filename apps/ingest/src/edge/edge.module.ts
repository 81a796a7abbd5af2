import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import type { EventStore } from '@pulse/eventstore';
import type { Logger, Sql } from '@pulse/platform';
import { CommittedPositions } from '../adapters/committed-positions.ts';
import { InboxLag } from '../adapters/inbox-lag.ts';
import { InboxPublisher } from '../adapters/inbox-publisher.ts';
import { TenantRateLimiter } from '../domain/rate-limiter.ts';
import { IngestMetrics } from '../adapters/metrics.ts';
import { Readiness } from '../adapters/readiness.ts';
import type { IngestSettings } from '../settings.ts';
import { EVENT_STORE, LOGGER, SETTINGS } from '../tokens.ts';
import { WebhookSecrets } from '../adapters/webhook-secrets.ts';
import { WebhooksController } from './webhooks/webhooks.controller.ts';
import { DocsController } from './docs/docs.controller.ts';
import { WebhooksService } from './webhooks/webhooks.service.ts';
import { RunAlertCommandHandler } from '../commands/run-alert-command.handler.ts';
import { IngestKeyGuard } from './auth/ingest-key.guard.ts';
import { IngestKeys } from './auth/ingest-keys.ts';
import { EventsController } from './ingest/events.controller.ts';
import { IngestEventsHandler } from './ingest/ingest-events.handler.ts';
import { MachinesController } from './machines/machines.controller.ts';
import { MachinesService } from './machines/machines.service.ts';
import { MachineTokens } from '../adapters/machine-tokens.ts';
import { HealthController } from './ops/health.controller.ts';
import { MetricsController } from './ops/metrics.controller.ts';

/** What main.ts has connected and built; Nest only wires it to controllers. */
export interface EdgeDeps {
  settings: IngestSettings;
  log: Logger;
  sql: Sql;
  metrics: IngestMetrics;
  readiness: Readiness;
  inbox: InboxPublisher;
  committed: CommittedPositions;
  lag: InboxLag;
  store: EventStore;
}

/**
 * The HTTP side of the process. Health and metrics are always served (a recorder-only process
 * is scraped and probed too); the ingest API only where the process has the edge role.
 */
@Module({})
export class EdgeModule {
  static register(deps: EdgeDeps): DynamicModule {
    const edge = deps.settings.INGEST_ROLES.has('edge');
    const commands = deps.settings.INGEST_ROLES.has('commands');
    const values: Provider[] = [
      { provide: SETTINGS, useValue: deps.settings },
      { provide: LOGGER, useValue: deps.log },
      { provide: IngestMetrics, useValue: deps.metrics },
      { provide: Readiness, useValue: deps.readiness },
      { provide: InboxPublisher, useValue: deps.inbox },
      { provide: CommittedPositions, useValue: deps.committed },
    ];
    const ingest: Provider[] = [
      { provide: IngestKeys, useFactory: () => new IngestKeys(deps.sql, deps.settings.INGEST_KEY_CACHE_MS) },
      IngestKeyGuard,
      IngestEventsHandler,
      { provide: MachineTokens, useFactory: () => new MachineTokens(deps.sql, deps.settings.MACHINE_TOKEN_TTL_S) },
      MachinesService,
      { provide: WebhookSecrets, useFactory: () => new WebhookSecrets(deps.sql) },
      WebhooksService,
      { provide: InboxLag, useValue: deps.lag },
      {
        provide: TenantRateLimiter,
        useFactory: () =>
          new TenantRateLimiter(deps.settings.INGEST_TENANT_RATE, deps.settings.INGEST_TENANT_BURST),
      },
    ];
    return {
      module: EdgeModule,
      imports: edge || commands ? [CqrsModule.forRoot()] : [],
      controllers: [HealthController, MetricsController, ...(edge ? [EventsController, MachinesController, WebhooksController, DocsController] : [])],
      providers: [
        ...values,
        ...(edge ? ingest : []),
        ...(commands ? [{ provide: EVENT_STORE, useValue: deps.store }, RunAlertCommandHandler] : []),
      ],
    };
  }
}
