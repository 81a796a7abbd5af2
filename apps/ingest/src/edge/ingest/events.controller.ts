import { Body, Controller, Headers, HttpCode, Inject, Post, Query, Res, UseGuards } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { FastifyReply } from 'fastify';
import type { RawBody } from '../../domain/raw-body.ts';
import { IngestKeyGuard } from '../auth/ingest-key.guard.ts';
import { IngestTenant } from '../auth/tenant.decorator.ts';
import { IngestEvents, type IngestAccepted, type IngestCommitted } from './ingest-events.command.ts';

@Controller('v1/events')
export class EventsController {
  constructor(@Inject(CommandBus) private readonly commands: CommandBus) {}

  /**
   * 202: JetStream has stored every event; the recorder appends them to the store shortly.
   * 201 with `?wait=commit`: the event store has committed them, at the positions returned.
   */
  @Post()
  @HttpCode(202)
  @UseGuards(IngestKeyGuard)
  async ingest(
    @IngestTenant() tenant: string,
    @Body() body: RawBody | undefined,
    @Query('wait') wait: string | undefined,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<IngestAccepted | IngestCommitted> {
    const waitForCommit = wait === 'commit';
    const result = await this.commands.execute(
      new IngestEvents(tenant, body, { waitForCommit, ...(idempotencyKey !== undefined && { idempotencyKey }) }),
    );
    if (waitForCommit) void reply.status(201);
    return result;
  }
}
