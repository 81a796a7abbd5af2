import { randomUUID } from 'node:crypto';
import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { InboxPublisher } from '../../adapters/inbox-publisher.ts';
import { IngestMetrics } from '../../adapters/metrics.ts';
import { parseBody } from '../../domain/parse-body.ts';
import { validateBatch } from '../../domain/validate-batch.ts';
import type { IngestSettings } from '../../settings.ts';
import { SETTINGS } from '../../tokens.ts';
import { IngestEvents, type IngestAccepted } from './ingest-events.command.ts';

/**
 * Validates every event of the request, then publishes them all to the inbox. Nothing is
 * published unless every event is valid; the answer waits for every JetStream ack.
 */
@CommandHandler(IngestEvents)
export class IngestEventsHandler implements ICommandHandler<IngestEvents> {
  constructor(
    @Inject(InboxPublisher) private readonly inbox: InboxPublisher,
    @Inject(IngestMetrics) private readonly metrics: IngestMetrics,
    @Inject(SETTINGS) private readonly settings: IngestSettings,
  ) {}

  async execute({ tenant, body }: IngestEvents): Promise<IngestAccepted> {
    const events = validateBatch(parseBody(body), {
      tenant,
      receivedAt: new Date().toISOString(),
      newId: randomUUID,
      maxEvents: this.settings.INGEST_MAX_EVENTS,
    });
    await this.inbox.publishAll(events);
    this.metrics.eventsAccepted.inc(events.length);
    return { accepted: events.length, ids: events.map((e) => e.id) };
  }
}
