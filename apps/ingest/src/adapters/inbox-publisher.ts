import type { JetStreamClient } from '@nats-io/jetstream';
import type { BusNames, InboxEvent } from '@pulse/events';
import { BusUnavailable } from '../domain/errors.ts';

/**
 * Publishes inbox events to JetStream. Nats-Msg-Id is the event id, so a retried request inside
 * the stream's duplicate window is stored once. Every publish is in flight at the same time and
 * every ack is awaited: a 202 means JetStream has stored all of them.
 */
export class InboxPublisher {
  constructor(
    private readonly js: JetStreamClient,
    private readonly names: BusNames,
    private readonly timeoutMs = 5000,
  ) {}

  async publishAll(events: InboxEvent[]): Promise<void> {
    const results = await Promise.allSettled(
      events.map((e) =>
        this.js.publish(this.names.inbox(e.tenant, e.type), JSON.stringify(e), {
          msgID: e.id,
          timeout: this.timeoutMs,
          // Refuses the publish if the subject were ever captured by another stream.
          expect: { streamName: this.names.inboxStream },
        }),
      ),
    );
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw new BusUnavailable(String((failed.reason as Error)?.message ?? failed.reason));
  }
}
