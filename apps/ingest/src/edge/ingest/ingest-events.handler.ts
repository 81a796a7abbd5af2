import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { newEventId } from '@pulse/events';
import { CommittedPositions } from '../../adapters/committed-positions.ts';
import { InboxLag } from '../../adapters/inbox-lag.ts';
import { InboxPublisher } from '../../adapters/inbox-publisher.ts';
import { IngestMetrics } from '../../adapters/metrics.ts';
import { idempotentIds, isValidIdempotencyKey } from '../../domain/deterministic-id.ts';
import { Backpressure, InvalidIdempotencyKey } from '../../domain/errors.ts';
import { parseBody } from '../../domain/parse-body.ts';
import { TenantRateLimiter } from '../../domain/rate-limiter.ts';
import { validateBatch } from '../../domain/validate-batch.ts';
import type { IngestSettings } from '../../settings.ts';
import { SETTINGS } from '../../tokens.ts';
import { IngestEvents, type IngestAccepted, type IngestCommitted } from './ingest-events.command.ts';

/**
 * Validates every event of the request, then publishes them all to the inbox as one batch
 * message. All or nothing: nothing is published unless every event is valid; the answer waits
 * for the JetStream ack (202), or with `?wait=commit` for the event store's commit (201).
 */
@CommandHandler(IngestEvents)
export class IngestEventsHandler implements ICommandHandler<IngestEvents> {
  constructor(
    @Inject(InboxPublisher) private readonly inbox: InboxPublisher,
    @Inject(CommittedPositions) private readonly committed: CommittedPositions,
    @Inject(InboxLag) private readonly lag: InboxLag,
    @Inject(TenantRateLimiter) private readonly limiter: TenantRateLimiter,
    @Inject(IngestMetrics) private readonly metrics: IngestMetrics,
    @Inject(SETTINGS) private readonly settings: IngestSettings,
  ) {}

  async execute({ tenant, body, options }: IngestEvents): Promise<IngestAccepted | IngestCommitted> {
    const { idempotencyKey } = options;
    if (idempotencyKey !== undefined && !isValidIdempotencyKey(idempotencyKey)) throw new InvalidIdempotencyKey();
    const maxLag = this.settings.INGEST_BACKPRESSURE_LAG;
    if (maxLag > 0 && this.lag.current() > maxLag) {
      throw new Backpressure(2, `the recorder is ${this.lag.current()} messages behind; retry after 2 s`);
    }
    const events = validateBatch(parseBody(body), {
      tenant,
      receivedAt: new Date().toISOString(),
      newId: idempotencyKey === undefined ? newEventId : idempotentIds(tenant, idempotencyKey),
      maxEvents: this.settings.INGEST_MAX_EVENTS,
    });
    if (this.settings.INGEST_TENANT_RATE > 0) {
      const waitS = this.limiter.take(tenant, events.length);
      if (waitS > 0) throw new Backpressure(waitS, `tenant ${tenant} is over its rate limit; retry after ${waitS} s`);
    }
    await this.inbox.publishAll(tenant, events);
    this.metrics.eventsAccepted.inc(events.length);
    const ids = events.map((e) => e.id);
    if (!options.waitForCommit) {
      return { accepted: ids.length, ids, results: ids.map((id, index) => ({ index, id, status: 'accepted' })) };
    }
    const positions = await this.committed.waitFor(ids);
    return {
      accepted: ids.length,
      committed: ids.length,
      ids,
      results: ids.map((id, index) => ({ index, id, status: 'committed', position: positions.get(id)! })),
    };
  }
}
