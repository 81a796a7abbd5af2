import type { Sql as PoolSql } from 'postgres';
import type { NewEvent } from '../port.ts';
import { insertEvents, type InsertedRow } from './insert-events.ts';
import { APPEND_LOCK_KEY, EVENTS_CHANNEL } from './rows.ts';

/**
 * Another writer stored one of these ids after this writer looked for them. The caller looks
 * again and decides (idempotent success or DuplicateEventConflict).
 */
export class AppendRace extends Error {
  override name = 'AppendRace';
  constructor(cause: unknown) {
    super('concurrent append of the same event id', { cause });
  }
}

export interface WriteOptions {
  /** Checks the inserted rows before COMMIT; a throw rolls the append back (expected versions). */
  verify?: (rows: InsertedRow[]) => void;
  /**
   * Runs after the positions are assigned and before COMMIT. Only the gap-safety test uses it, to
   * hold a transaction open while later ones commit.
   */
  beforeCommit?: () => Promise<void>;
}

/**
 * Stores events in one transaction, numbering them on from each stream's version, and returns the
 * inserted rows (ids lower-case, as PostgreSQL prints a uuid).
 *
 * Why a reader never skips an event (invariant 3). A position is taken from a sequence when a row
 * is inserted, but becomes visible when its transaction commits, and commits finish in any order:
 * "position > checkpoint" alone would skip position 10 if 11 committed first and a reader moved its
 * checkpoint past 11 before 10 committed. So:
 *
 * 1. One statement (insert-events.ts) is the transaction's first write, so the transaction id
 *    (xid8, the transaction_id column's default) and every position of the batch are assigned in
 *    it, and it runs under a session advisory lock. Writers therefore take xids and positions in the same
 *    order: if position p < q, then xid(p) <= xid(q).
 * 2. The lock is released before COMMIT, so commits and their WAL flushes run concurrently and
 *    PostgreSQL groups them (one fsync for many writers); only that statement is serialised.
 * 3. Readers return only rows with transaction_id < pg_snapshot_xmin(current snapshot): every
 *    transaction below xmin has finished, committed or rolled back. If a reader returns q, then
 *    for every p < q, xid(p) <= xid(q) < xmin, so p's transaction has finished and p is visible in
 *    the same snapshot (or was rolled back and never will be). The cut is a prefix of the log, so
 *    "transaction_id < xmin ... ORDER BY position LIMIT n" returns no hole.
 *
 * The flaw to avoid: an xid assigned before the lock (an earlier write in the same transaction)
 * breaks step 1, as would a second position-assigning statement after releasing the lock: a
 * transaction with a lower xid would then own a higher position, and a reader whose xmin lies
 * between the two xids would return that higher position while the lower one is still open.
 * Hence one statement per transaction, on a connection of its own that begins here.
 *
 * The prices: xids are cluster-wide, so any transaction with an xid that stays open anywhere in
 * the cluster (another database included) holds xmin back, which delays readers, never makes
 * them skip, until it ends. And an append to a stream whose previous append has not committed yet
 * waits for that commit inside the lock (insert-events.ts), so the other writers queue for that
 * one fsync; appends to different streams never do.
 *
 * A session lock survives ROLLBACK, so it is released in every path, after the rollback. NOTIFY
 * runs after COMMIT in its own tiny transaction: a NOTIFY inside the append transaction takes a
 * cluster-wide lock that is held through the commit's fsync and would serialise commits again.
 */
export async function writeEvents(sql: PoolSql, events: NewEvent[], options: WriteOptions = {}): Promise<InsertedRow[]> {
  const conn = await sql.reserve();
  try {
    // The server runs lock, insert and unlock back to back, so the lock is held for the
    // statement's execution only, never for a network round trip. execute() fixes the order.
    const assign = [
      conn`BEGIN`.execute(),
      conn`SELECT pg_advisory_lock(${APPEND_LOCK_KEY})`.execute(),
      insertEvents(conn, events).execute(),
      conn`SELECT pg_advisory_unlock(${APPEND_LOCK_KEY})`.execute(),
    ];
    const commit = () => [
      conn`COMMIT`.execute(),
      // The payload is a committed position. A lost notification only delays readers (they poll).
      conn`SELECT pg_notify(${EVENTS_CHANNEL}, (SELECT max(position) FROM events)::text)`.execute().catch(() => {}),
    ];
    if (!options.verify && !options.beforeCommit) {
      // Nothing to look at before COMMIT: one flight, one round trip for the whole append.
      const [, , inserted] = await Promise.all([...assign, ...commit()]);
      return inserted as InsertedRow[];
    }
    const [, , inserted] = await Promise.all(assign);
    options.verify?.(inserted as InsertedRow[]);
    await options.beforeCommit?.();
    await Promise.all(commit());
    return inserted as InsertedRow[];
  } catch (err) {
    // Pipelined after a failure, COMMIT has answered ROLLBACK; after verify, this rolls back.
    await conn`ROLLBACK`.catch(() => {});
    await conn`SELECT pg_advisory_unlock(${APPEND_LOCK_KEY})`.catch(() => {});
    throw classify(err);
  } finally {
    conn.release();
  }
}

function classify(err: unknown): unknown {
  const pg = err as { code?: string; constraint_name?: string };
  return pg.code === '23505' && pg.constraint_name === 'events_id_key' ? new AppendRace(err) : err;
}
