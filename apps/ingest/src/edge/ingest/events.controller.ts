import { Body, Controller, HttpCode, Inject, Post, UseGuards } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { RawBody } from '../../domain/raw-body.ts';
import { IngestKeyGuard } from '../auth/ingest-key.guard.ts';
import { IngestTenant } from '../auth/tenant.decorator.ts';
import { IngestEvents, type IngestAccepted } from './ingest-events.command.ts';

@Controller('v1/events')
export class EventsController {
  constructor(@Inject(CommandBus) private readonly commands: CommandBus) {}

  /** 202: JetStream has stored every event; the recorder appends them to the store shortly. */
  @Post()
  @HttpCode(202)
  @UseGuards(IngestKeyGuard)
  ingest(@IngestTenant() tenant: string, @Body() body: RawBody | undefined): Promise<IngestAccepted> {
    return this.commands.execute(new IngestEvents(tenant, body));
  }
}
