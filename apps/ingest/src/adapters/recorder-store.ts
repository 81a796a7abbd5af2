import type { AppendManyResult, EventStore, NewEvent } from '@pulse/eventstore';
import type { Logger } from '@pulse/platform';

export class AppendTimeout extends Error {
  override name = 'AppendTimeout';
  constructor(ms: number) {
    super(`the event store did not answer an append within ${ms} ms`);
  }
}

/**
 * The recorder's event store, with a deadline on every append. postgres.js can strand a
 * `reserve()` for good when PostgreSQL closes connections while it is queued (porsager/postgres
 * #1195): the append then never settles and the recorder would stop for ever after a database
 * restart. Past the deadline the append counts as failed (the batch is nak'ed and comes back),
 * and the connection pool is replaced, since the stranded one may have lost its slots.
 */
export class RecorderStore implements Pick<EventStore, 'appendMany'> {
  private current: { store: EventStore; close: () => Promise<void> };

  constructor(
    private readonly open: () => { store: EventStore; close: () => Promise<void> },
    private readonly timeoutMs: number,
    private readonly log: Logger,
  ) {
    this.current = open();
  }

  async appendMany(events: NewEvent[]): Promise<AppendManyResult> {
    const { store } = this.current;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new AppendTimeout(this.timeoutMs)), this.timeoutMs);
    });
    try {
      return await Promise.race([store.appendMany(events), deadline]);
    } catch (err) {
      if (err instanceof AppendTimeout && this.current.store === store) this.renew('an append passed its deadline');
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    await this.current.close();
  }

  /** Opens a fresh pool; appends in flight on the old one fail and their batches come back. */
  renew(reason: string): void {
    const old = this.current;
    this.current = this.open();
    this.log.warn({ reason }, 'recorder replaced its PostgreSQL pool');
    void old.close().catch(() => {});
  }
}
