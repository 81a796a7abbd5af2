import type { NatsConnection } from '@nats-io/transport-node';
import type { BusNames } from '@pulse/events';
import type { NewEvent } from '@pulse/eventstore';

/** What `ops.events.<tenant>.<type>` carries: enough for a listener to read from the store. */
export interface CommittedNotice {
  id: string;
  stream: string;
  position: number;
}

/**
 * Core-NATS notifications after a commit. Fire and forget: they only wake listeners early,
 * who catch up from the store anyway, so a lost one costs latency, never an event.
 */
export class CommittedNotifier {
  constructor(
    private readonly nc: NatsConnection,
    private readonly names: BusNames,
  ) {}

  notify(events: NewEvent[], positions: Map<string, number>): void {
    for (const e of events) {
      const position = positions.get(e.id);
      if (position === undefined) continue;
      const notice: CommittedNotice = { id: e.id, stream: e.stream, position };
      this.nc.publish(this.names.events(e.tenant, e.type), JSON.stringify(notice));
    }
  }
}
