import type { Sql } from 'postgres';
import type { EventStore } from '@pulse/eventstore';
import type { ViewDelta } from '@pulse/events';
import type { Logger } from '@pulse/platform';
import {
  CheckpointMoved,
  claimCheckpoints,
  ensureCheckpoint,
  storeCheckpoints,
} from '../adapters/checkpoints.ts';
import { after, checkBatch, typesOf, type CheckedBatch, type Projection } from './projection.ts';
import { ProjectionCache } from './row-cache.ts';
import { Wakeup } from './wakeup.ts';

/** The first batch after catching up: small, so the first deltas of a short backlog go out soon. */
export const FIRST_BATCH = 1000;

/**
 * The next read's limit: behind the head (the last read came back full) it doubles up to `max`,
 * since a larger batch folds more of a row's events into one write and keeps up with more; once a
 * read comes back short (caught up) it starts small again. A fixed 5,000 made a brief backlog's
 * deltas wait for one long batch (bench:live pipeline p99 1,008 ms against 58 ms at 1,000).
 */
export function nextBatchLimit(limit: number, got: number, max: number): number {
  return got >= limit ? Math.min(max, limit * 2) : Math.min(FIRST_BATCH, max);
}

export interface ProjectionRunnerOptions {
  sql: Sql;
  store: EventStore;
  projections: readonly Projection[];
  publish: (deltas: ViewDelta[]) => void;
  log: Logger;
  batchSize: number;
  /** How long to sleep when caught up if no NOTIFY arrives: the fallback for a lost notification. */
  pollMs: number;
  /**
   * After a batch that caught up, wait this long before reading again (0: read at once). A runner
   * with no latency target then takes larger batches, so fewer transactions compete with the views.
   */
  restMs?: number;
  /**
   * Commit without waiting for the WAL flush (synchronous_commit = off). For read models only: a
   * server crash may then lose their last commits, checkpoints included, and the runner projects
   * those events again from the log, which keeps them.
   */
  asyncCommit?: boolean;
  /** Diagnosis (PROJECTOR_TRACE_FILE): gets each committed batch's timings, epoch ms. */
  trace?: (t: BatchTrace) => void;
}

/** When one batch was read, applied, committed and published (epoch ms), and its size. */
export interface BatchTrace {
  readStart: number;
  readEnd: number;
  applied: number;
  committed: number;
  published: number;
  events: number;
  position: number;
}

const now = () => performance.timeOrigin + performance.now();

/**
 * Keeps projections up to date: catch up from their checkpoints in batches, then follow the store
 * live, woken by LISTEN/NOTIFY with a poll as the fallback. The log is read and checked once per
 * batch for all of them (from the lowest checkpoint); every projection then commits the part past
 * its own checkpoint in one transaction, and the deltas go out as soon as that commits, so a client
 * never sees a row the read model could still roll back.
 */
export class ProjectionRunner {
  private stopping = false;
  private readonly wakeup = new Wakeup();
  private markLive!: () => void;
  /** Resolves once the projections have caught up with the store and follow it live. */
  readonly live = new Promise<void>((resolve) => (this.markLive = resolve));
  /** The position each read model reflects, as far as this runner knows. */
  readonly positions = new Map<string, number>();
  /** Rows as the last committed batch left them, per projection (see RowCache). */
  private readonly caches = new Map<string, ProjectionCache>();
  /** The transaction id that last wrote the checkpoints: another means someone else wrote them. */
  private lastWriter: string | undefined;

  /** This read's limit (nextBatchLimit). */
  private limit: number;
  /** The event types the projections fold (undefined: all): the others are read but not checked. */
  private readonly types: ReadonlySet<string> | undefined;

  constructor(private readonly o: ProjectionRunnerOptions) {
    this.limit = Math.min(FIRST_BATCH, o.batchSize);
    const types = typesOf(o.projections);
    this.types = types && new Set(types);
  }

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
    const readStart = now();
    const limit = this.limit;
    const batch = await store.readAll({ fromPosition: from, limit });
    const caughtUp = batch.length < limit;
    this.limit = nextBatchLimit(limit, batch.length, this.o.batchSize);
    // A short batch means everything visible has been read: the projections are live from here on,
    // even if a busy store never lets them see an empty read.
    if (caughtUp) this.markLive();
    if (batch.length === 0) {
      await this.wakeup.sleep(this.o.pollMs);
      return;
    }
    const readEnd = now();
    const checked = checkBatch(batch, this.types);
    for (const skipped of checked.invalid) log.warn(skipped, 'skipped an event that fails its schema');
    const t = await this.commit(checked);
    if (t) this.o.trace?.({ ...t, readStart, readEnd, events: batch.length, position: checked.position });
    if (this.o.restMs && caughtUp && !this.stopping) await new Promise((r) => setTimeout(r, this.o.restMs));
  }

  /**
   * Commits the batch to every projection not yet past it in ONE transaction: each read model with
   * its own checkpoint (invariant 4), one commit and a few pipelined round trips per batch instead
   * of a transaction per read model. The projections' statements go out side by side on the
   * transaction's connection (postgres.js pipelines queries that are not awaited one by one).
   */
  private async commit(
    checked: CheckedBatch,
  ): Promise<Pick<BatchTrace, 'applied' | 'committed' | 'published'> | undefined> {
    const due = this.o.projections.filter((p) => this.positions.get(p.name)! < checked.position);
    const from = new Map(due.map((p) => [p.name, this.positions.get(p.name)!]));
    let deltas: ViewDelta[][];
    let applied = 0;
    try {
      deltas = await this.o.sql.begin(async (tx) => {
        // Pipelined with the claim: no round trip of its own.
        const [writer] = await Promise.all([
          claimCheckpoints(tx, from),
          this.o.asyncCommit ? tx`SET LOCAL synchronous_commit = off` : undefined,
        ]);
        // A rebuild's swap may leave a checkpoint where it was yet replace the tables: forget the rows.
        if (writer !== this.lastWriter) this.clearCaches();
        const changes = await Promise.all(
          due.map((p) => p.apply(tx, after(checked, from.get(p.name)!), p.tables, this.cacheOf(p.name))),
        );
        this.lastWriter = await storeCheckpoints(tx, [...from.keys()], checked.position);
        applied = now();
        return changes;
      });
    } catch (err) {
      // Rolled back: the staged rows never made it, and whoever moved a checkpoint wrote the tables.
      this.clearCaches();
      if (!(err instanceof CheckpointMoved)) throw err;
      // Another writer (a rebuild's swap, or our own commit whose answer was lost) got there first:
      // resume every projection from where its checkpoint now is.
      this.o.log.warn(
        { projection: err.projection, expected: err.expected, actual: err.actual },
        'checkpoint moved; resuming from it',
      );
      for (const p of due) this.positions.set(p.name, await ensureCheckpoint(this.o.sql, p.name));
      return undefined;
    }
    const committed = now();
    // Deltas go out only now: a client never sees a row the read model could still roll back.
    due.forEach((p, i) => {
      this.caches.get(p.name)?.commit();
      this.positions.set(p.name, checked.position);
      this.o.publish(deltas[i]!);
      p.afterCommit?.();
    });
    this.o.log.debug({ projections: this.names, position: checked.position }, 'batch committed');
    return { applied, committed, published: now() };
  }

  private cacheOf(name: string): ProjectionCache {
    let cache = this.caches.get(name);
    if (!cache) this.caches.set(name, (cache = new ProjectionCache()));
    return cache;
  }

  private clearCaches(): void {
    for (const c of this.caches.values()) c.clear();
    this.lastWriter = undefined;
  }
}
