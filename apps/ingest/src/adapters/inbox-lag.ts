import type { JetStreamManager } from '@nats-io/jetstream';
import type { BusNames } from '@pulse/events';

/**
 * How far the recorder's consumer lags behind the inbox, in messages not yet delivered plus
 * messages delivered but not acked. Asked of JetStream at most every `refreshMs`, in the
 * background: a request never waits for it, and reads the last known value.
 */
export class InboxLag {
  private last = 0;
  private askedAt = 0;
  private asking = false;

  constructor(
    private readonly jsm: Pick<JetStreamManager, 'consumers'>,
    private readonly names: BusNames,
    private readonly refreshMs = 500,
    private readonly now: () => number = Date.now,
  ) {}

  current(): number {
    if (!this.asking && this.now() - this.askedAt >= this.refreshMs) void this.refresh();
    return this.last;
  }

  async refresh(): Promise<number> {
    this.asking = true;
    this.askedAt = this.now();
    try {
      const info = await this.jsm.consumers.info(this.names.inboxStream, this.names.recorderConsumer);
      this.last = info.num_pending + info.num_ack_pending;
    } catch {
      // NATS is down or the consumer missing: publishing answers 503 then; keep the last value.
    } finally {
      this.asking = false;
    }
    return this.last;
  }
}
