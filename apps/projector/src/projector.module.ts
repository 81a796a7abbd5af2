import { Inject, Injectable, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import type { Sql } from 'postgres';
import { PostgresEventStore } from '@pulse/eventstore';
import { connectNats, createLogger, createSql, type NatsConnection } from '@pulse/platform';
import { ProjectorService } from './projector.service.ts';
import type { ProjectorSettings } from './settings.ts';
import { EVENT_STORE, LOGGER, NATS, SETTINGS, SQL } from './tokens.ts';

/** Closes the connections last, after every service stopped using them (Nest runs this after beforeApplicationShutdown). */
@Injectable()
class Connections implements OnApplicationShutdown {
  constructor(
    @Inject(SQL) private readonly sql: Sql,
    @Inject(NATS) private readonly nc: NatsConnection,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.nc.drain().catch(() => {});
    await this.sql.end({ timeout: 5 });
  }
}

@Module({})
export class ProjectorModule {
  static register(settings: ProjectorSettings): DynamicModule {
    return {
      module: ProjectorModule,
      providers: [
        { provide: SETTINGS, useValue: settings },
        { provide: LOGGER, useValue: createLogger('projector', settings.LOG_LEVEL) },
        // Five read models commit side by side, beside the process managers, the lag monitor and the leader lock.
        {
          provide: SQL,
          useFactory: () => createSql(settings.DATABASE_URL, { name: 'pulse-projector', max: 16 }),
        },
        { provide: NATS, useFactory: () => connectNats(settings.NATS_URL, 'pulse-projector') },
        { provide: EVENT_STORE, inject: [SQL], useFactory: (sql: Sql) => new PostgresEventStore(sql) },
        Connections,
        ProjectorService,
      ],
    };
  }
}
