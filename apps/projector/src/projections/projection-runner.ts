import type { Sql } from 'postgres';
import type { EventStore } from '@pulse/eventstore';
import type { ViewDelta } from '@pulse/events';
import type { Logger } from '@pulse/platform';
import { CheckpointMoved, ensureCheckpoint } from '../adapters/checkpoints.ts';
import { checkBatch, commitBatch, type CheckedBatch, type Projection } from './projection.ts';
import { Wakeup } from './wakeup.ts';

export interface ProjectionRunnerOptions {
  sql: Sql;
  store: EventStore;
  projections: readonly Projection[];
  publish: (deltas: ViewDelta[]) => void;
  log: Logger;
  batchSize: number;
  /** How long to sleep when caught up if no NOTIFY arrives: the fallback for a lost notification. */
  pollMs: number;
}

/**
 * Keeps projections up to date: catch up from their checkpoints in batches, then follow the store
 * live, woken by LISTEN/NOTIFY with a poll as the fallback. The log is read and checked once per
 * batch for all of them (from the lowest checkpoint); each projection then commits the part past
 * its own checkpoint in its own transaction, side by side, and its deltas go out as soon as that
 * commits, so a client never sees a row the read model could still roll back.
 */
export class ProjectionRunner {
  private stopping = false;
  private readonly wakeup = new Wakeup();
  private markLive!: () => void;
  /** Resolves once the projections have caught up with the store and follow it live. */
  readonly live = new Promise<void>((resolve) => (this.markLive = resolve));
  /** The position each read model reflects, as far as this runner knows. */
  readonly positions = new Map<string, number>();

  constructor(private readonly o: ProjectionRunnerOptions) {}

  get names(): string[] {
    return this.o.projections.map((p) => p.name);
  }

  async run(): Promise<void> {
    const { sql, store, projections, log } = this.o;
    for (const p of projections) this.positions.set(p.name, await ensureCheckpoint(sql, p.name));
    const unlisten = await store.onAppended(() => this.wakeup.notify());
    log.info({ positions: Object.fromEntries(this.positions) }, 'projections starting');
    try {
      while (!this.stopping) {
        try {
          await this.step();
        } catch (err) {
          // A lost database connection must not kill the projector: the batch rolled back, so retry it.
          log.error({ err }, 'projection batch failed; retrying');
          await new Promise((r) => setTimeout(r, this.o.pollMs));
        }
      }
    } finally {
      await unlisten().catch(() => {});
    }
    log.info({ positions: Object.fromEntries(this.positions) }, 'projections stopped');
  }

  /** Stops after the batch in hand: it either commits with its checkpoint or not at all. */
  stop(): void {
    this.stopping = true;
    this.wakeup.notify();
  }

  private async step(): Promise<void> {
    const { store, log } = this.o;
    const from = Math.min(...this.positions.values());
    const batch = await store.readAll({ fromPosition: from, limit: this.o.batchSize });
    // A short batch means everything visible has been read: the projections are live from here on,
    // even if a busy store never lets them see an empty read.
    if (batch.length < this.o.batchSize) this.markLive();
    if (batch.length === 0) {
      await this.wakeup.sleep(this.o.pollMs);
      return;
    }
    const checked = checkBatch(batch);
    for (const skipped of checked.invalid) log.warn(skipped, 'skipped an event that fails its schema');
    const failures = await Promise.all(this.o.projections.map((p) => this.commit(p, checked)));
    const failed = failures.find((f) => f !== undefined);
    if (failed) throw failed;
  }

  /** Commits the part of the batch past this projection's checkpoint; returns an error to retry on. */
  private async commit(p: Projection, checked: CheckedBatch): Promise<unknown> {
    const at = this.positions.get(p.name)!;
    if (at >= checked.position) return undefined;
    try {
      const committed = await commitBatch(this.o.sql, p, after(checked, at), at);
      this.positions.set(p.name, committed.position);
      this.o.log.debug({ projection: p.name, position: committed.position }, 'batch committed');
      this.o.publish(committed.deltas);
      p.afterCommit?.();
      return undefined;
    } catch (err) {
      if (err instanceof CheckpointMoved) {
        // Another writer (a rebuild's swap, or our own commit whose answer was lost) got there first.
        this.o.log.warn(
          { projection: p.name, expected: err.expected, actual: err.actual },
          'checkpoint moved; resuming from it',
        );
        this.positions.set(p.name, err.actual);
        return undefined;
      }
      return err;
    }
  }
}

/** The part of a checked batch past a position (the whole batch when the position is before it). */
function after(checked: CheckedBatch, position: number): CheckedBatch {
  if (checked.events.length === 0 || checked.events[0]!.position > position) {
    if (checked.invalid.every((i) => i.position > position)) return checked;
  }
  return {
    position: checked.position,
    events: checked.events.filter((e) => e.position > position),
    invalid: checked.invalid.filter((i) => i.position > position),
  };
}
