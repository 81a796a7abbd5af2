import type { Sql } from 'postgres';
import type { EventStore } from '@pulse/eventstore';
import type { ViewDelta } from '@pulse/events';
import type { Logger } from '@pulse/platform';
import { CheckpointMoved, ensureCheckpoint } from '../adapters/checkpoints.ts';
import { checkBatch, commitBatch, type Projection } from './projection.ts';
import { Wakeup } from './wakeup.ts';

export interface ProjectionRunnerOptions {
  sql: Sql;
  store: EventStore;
  projection: Projection;
  publish: (deltas: ViewDelta[]) => void;
  log: Logger;
  batchSize: number;
  /** How long to sleep when caught up if no NOTIFY arrives: the fallback for a lost notification. */
  pollMs: number;
}

/**
 * Keeps one projection up to date: catch up from its checkpoint in batches, then follow the store
 * live, woken by LISTEN/NOTIFY with a poll as the fallback. Deltas go out only after their batch
 * committed, so a client never sees a row the read model could still roll back.
 */
export class ProjectionRunner {
  private stopping = false;
  private readonly wakeup = new Wakeup();
  private markLive!: () => void;
  /** Resolves once the projection has caught up with the store and follows it live. */
  readonly live = new Promise<void>((resolve) => (this.markLive = resolve));
  /** The position the read model reflects, as far as this runner knows (for lag). */
  position = 0;

  constructor(private readonly o: ProjectionRunnerOptions) {}

  get name(): string {
    return this.o.projection.name;
  }

  async run(): Promise<void> {
    const { sql, store, projection, log } = this.o;
    let position = await ensureCheckpoint(sql, projection.name);
    this.position = position;
    const unlisten = await store.onAppended(() => this.wakeup.notify());
    log.info({ projection: projection.name, position }, 'projection starting');
    try {
      while (!this.stopping) {
        try {
          position = await this.step(position);
        } catch (err) {
          if (err instanceof CheckpointMoved) {
            // Another writer (or our own commit whose answer was lost) got there first: carry on from there.
            log.warn(
              { projection: projection.name, expected: err.expected, actual: err.actual },
              'checkpoint moved; resuming from it',
            );
            position = err.actual;
            this.position = position;
            continue;
          }
          // A lost database connection must not kill the projector: the batch rolled back, so retry it.
          log.error({ err, projection: projection.name, position }, 'projection batch failed; retrying');
          await new Promise((r) => setTimeout(r, this.o.pollMs));
        }
      }
    } finally {
      await unlisten().catch(() => {});
    }
    log.info({ projection: projection.name, position }, 'projection stopped');
  }

  /** Stops after the batch in hand: it either commits with its checkpoint or not at all. */
  stop(): void {
    this.stopping = true;
    this.wakeup.notify();
  }

  private async step(position: number): Promise<number> {
    const { sql, store, projection, log } = this.o;
    const batch = await store.readAll({ fromPosition: position, limit: this.o.batchSize });
    // A short batch means everything visible has been read: the projection is live from here on,
    // even if a busy store never lets it see an empty read.
    if (batch.length < this.o.batchSize) this.markLive();
    if (batch.length === 0) {
      await this.wakeup.sleep(this.o.pollMs);
      return position;
    }
    const committed = await commitBatch(sql, projection, checkBatch(batch), position);
    this.position = committed.position;
    for (const skipped of committed.invalid) {
      log.warn({ projection: projection.name, ...skipped }, 'skipped an event that fails its schema');
    }
    log.debug(
      { projection: projection.name, position: committed.position, events: batch.length },
      'batch committed',
    );
    this.o.publish(committed.deltas);
    projection.afterCommit?.();
    return committed.position;
  }
}
