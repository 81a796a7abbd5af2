import type { Sql as PoolSql } from 'postgres';
import type { ExpectedVersion, NewEvent } from '../port.ts';
import { WrongExpectedVersion } from '../port.ts';
import { versionMatches } from './version-matches.ts';
import { insertEvents, type InsertedRow } from './insert-events.ts';
import { lockStreams, markWriter, reservePositions, type Reservation } from './reserve-positions.ts';
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
  /** Checked against the stream's version under the lock (single-stream appends). */
  expectedVersion?: ExpectedVersion;
  /**
   * Runs after the positions are assigned and the rows inserted, before COMMIT. Only the
   * gap-safety test uses it, to hold a transaction open while later ones commit.
   */
  beforeCommit?: () => Promise<void>;
}

/**
 * Stores events in one transaction, numbering them on from each stream's version, and returns the
 * inserted rows (ids lower-case, as PostgreSQL prints a uuid).
 *
 * Why a reader never skips an event (invariant 3). A position is taken from a sequence when it is
 * reserved, but becomes visible when its transaction commits, and commits finish in any order:
 * "position > checkpoint" alone would skip position 10 if 11 committed first and a reader moved
 * its checkpoint past 11 before 10 committed. So:
 *
 * 1. Statements run under a session advisory lock (reserve-positions.ts) take the transaction
 *    id (pg_current_xact_id(): nothing before it in the transaction writes, so none was assigned
 *    yet), mark the transaction as an append, and take every position of the batch. Writers
 *    therefore take xids and positions in the same order: if position p < q, then
 *    xid(p) <= xid(q). The rows are inserted later with those positions, and their
 *    transaction_id column defaults to that same xid.
 * 2. The lock is released right after those statements: the inserts of different writers, their
 *    commits and WAL flushes run concurrently (PostgreSQL groups the flushes).
 * 3. Readers return only rows with transaction_id below a horizon taken with their snapshot: at
 *    most the snapshot's xmax, and below every transaction of the snapshot that may be an append
 *    still in flight (retention-filter.ts). If a reader returns q, then for every p < q,
 *    xid(p) <= xid(q) < horizon, so p's transaction has ended and p is visible in the same
 *    snapshot (or was rolled back and never will be). The cut is a prefix of the log, so
 *    "transaction_id < horizon ... ORDER BY position LIMIT n" returns no hole.
 *
 * The flaw to avoid: an xid assigned before the lock (an earlier write in the same transaction)
 * breaks step 1, as would taking more positions after releasing the lock: a transaction with a
 * lower xid would then own a higher position, and a reader whose horizon lies between the two
 * xids would return that higher position while the lower one is still open. Hence one
 * reservation per transaction, on a connection of its own that begins here.
 *
 * A flaw of the plain technique, fixed: with pg_snapshot_xmin as the horizon, any transaction
 * holding an xid anywhere in the cluster (xids are cluster-wide) held every reader back until it
 * ended; a 24 s write transaction in another database stalled live delivery by seconds
 * (BENCHMARKS.md). So each append also holds a marker lock keyed by its xid (markWriter), and
 * readers wait only for transactions that hold it or may have (retention-filter.ts). Appends to
 * the same stream still wait for each other (reserve-positions.ts).
 *
 * A session lock survives ROLLBACK, so it is released in every path, after the rollback. NOTIFY
 * runs after COMMIT in its own tiny transaction: a NOTIFY inside the append transaction takes a
 * cluster-wide lock that is held through the commit's fsync and would serialise commits again.
 */
export async function writeEvents(sql: PoolSql, events: NewEvent[], options: WriteOptions = {}): Promise<InsertedRow[]> {
  const expected = options.expectedVersion ?? 'any';
  const conn = await sql.reserve();
  try {
    // One flight: the server runs lock, reservation and unlock back to back, so the lock is held
    // for that statement only, never for a network round trip; the insert follows at once.
    // execute() fixes the order. Generic plans: a custom plan would parse the batch's JSON while
    // planning as well as while running.
    const flight = [
      conn`BEGIN`.execute(),
      conn`SET LOCAL plan_cache_mode = force_generic_plan`.execute(),
      conn`SELECT pg_advisory_lock(${APPEND_LOCK_KEY})`.execute(),
      lockStreams(conn, events).execute(),
      markWriter(conn).execute(),
      reservePositions(conn, events).execute(),
      conn`SELECT pg_advisory_unlock(${APPEND_LOCK_KEY})`.execute(),
      insertEvents(conn, events).execute(),
    ];
    const commit = () => [
      conn`COMMIT`.execute(),
      // The payload is a committed position. A lost notification only delays readers (they poll).
      conn`SELECT pg_notify(${EVENTS_CHANNEL}, (SELECT max(position) FROM events)::text)`.execute().catch(() => {}),
    ];
    // Nothing to look at before COMMIT: the whole append is one round trip.
    if (expected === 'any' && !options.beforeCommit) {
      const results = await Promise.all([...flight, ...commit()]);
      return results[7] as InsertedRow[];
    }
    const results = await Promise.all(flight);
    if (expected !== 'any') {
      // The version the stream had under the lock, where no other append could move it.
      const stream = events[0]!.stream;
      const { versions } = JSON.parse((results[5] as { reservation: string }[])[0]!.reservation) as Reservation;
      const actual = versions[stream]! - events.length;
      if (!versionMatches(expected, actual)) throw new WrongExpectedVersion(stream, expected, actual);
    }
    await options.beforeCommit?.();
    await Promise.all(commit());
    return results[7] as InsertedRow[];
  } catch (err) {
    // Pipelined after a failure, COMMIT has answered ROLLBACK; this ends any other case.
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
