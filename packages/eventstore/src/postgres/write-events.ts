import type { Sql as PoolSql } from 'postgres';
import type { ExpectedVersion, NewEvent } from '../port.ts';
import { WrongExpectedVersion } from '../port.ts';
import { APPEND_LOCK_KEY, EVENTS_CHANNEL } from './rows.ts';

export interface InsertedRow {
  id: string;
  position: number;
  stream: string;
  stream_version: number;
}

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
  /** Checked against the stream's version under its stream lock (single-stream appends). */
  expectedVersion?: ExpectedVersion;
  /**
   * Runs after the positions are assigned and the rows inserted, before COMMIT. Only the
   * gap-safety test uses it, to hold a transaction open while later ones commit.
   */
  beforeCommit?: () => Promise<void>;
  /** Versions this process saw streams reach: hints that make the version probe cheap (StreamHeads). */
  heads?: StreamHeads;
}

/**
 * The last version this process saw each stream reach, sent with an append as a hint (see
 * migration 1764000030000: a hint never changes the answer, it only narrows the index scan that
 * finds a stream's last version). Kept small: it starts over past `max` streams.
 */
export class StreamHeads {
  private readonly versions = new Map<string, number>();
  constructor(private readonly max = 100_000) {}

  hint(stream: string): number {
    return this.versions.get(stream) ?? -1;
  }

  saw(stream: string, version: number) {
    if (version <= this.hint(stream)) return;
    if (this.versions.size >= this.max) this.versions.clear();
    this.versions.set(stream, version);
  }
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
 * 1. Statements run under a session advisory lock (pulse_append, migration 1764000030000, last restated in 1764000060000) take the transaction
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
 * (BENCHMARKS.md). So each append also holds a marker lock keyed by its xid, and readers wait only
 * for transactions that hold it or may have (retention-filter.ts). Appends to the same stream
 * still wait for each other: a stream's versions follow the global order (pulse_append).
 *
 * Each stream lock takes a slot in PostgreSQL's shared lock table until COMMIT, which holds
 * max_locks_per_transaction × max_connections (6,400 with the defaults): a dozen 500-stream
 * batches in flight at once. Raise max_locks_per_transaction for more concurrent recorders.
 *
 * A session lock survives ROLLBACK, so it is released in every path, after the rollback. NOTIFY
 * runs after COMMIT in its own tiny transaction: a NOTIFY inside the append transaction takes a
 * cluster-wide lock that is held through the commit's fsync and would serialise commits again.
 */
export async function writeEvents(
  sql: PoolSql,
  events: NewEvent[],
  options: WriteOptions = {},
): Promise<InsertedRow[]> {
  const expected = options.expectedVersion ?? 'any';
  const call = appendCall(events, expected);
  const conn = await sql.reserve();
  try {
    const append = () => conn<{ positions: (string | number)[]; bases: number[] }[]>`
      SELECT positions, bases FROM pulse_append(
        ${call.streams}::text[], ${call.streams.map((s) => options.heads?.hint(s) ?? -1)}::int[],
        ${call.batch}::text::json, ${events.length}::int, ${call.expect}, ${call.expected}::int)`;
    // The payload is a committed position. A lost notification only delays readers (they poll),
    // so its own transaction commits without waiting for its WAL flush (NOTIFY takes an xid).
    const notify = () =>
      conn`
        SELECT set_config('synchronous_commit', 'off', true),
               pg_notify(${EVENTS_CHANNEL}, (SELECT max(position) FROM events)::text)`
        .execute()
        .catch(() => {});
    let result: { positions: (string | number)[]; bases: number[] };
    if (!options.beforeCommit) {
      // One statement is its own transaction: the append and the NOTIFY after its COMMIT are one
      // pipelined round trip.
      const [rows] = await Promise.all([append().execute(), notify()]);
      result = rows[0]!;
    } else {
      const [, rows] = await Promise.all([conn`BEGIN`.execute(), append().execute()]);
      result = rows[0]!;
      await options.beforeCommit();
      await Promise.all([conn`COMMIT`.execute(), notify()]);
    }
    const rows = events.map((e, i) => ({
      id: e.id.toLowerCase(),
      position: Number(result.positions[i]),
      stream: e.stream,
      stream_version: result.bases[call.streamIndex[i]!]! + call.rank[i]!,
    }));
    for (const row of rows) options.heads?.saw(row.stream, row.stream_version);
    return rows;
  } catch (err) {
    // Either ends what a failure left: an open transaction, the append lock.
    await conn`ROLLBACK`.catch(() => {});
    await conn`SELECT pg_advisory_unlock(${APPEND_LOCK_KEY})`.catch(() => {});
    throw classify(err, events, expected);
  } finally {
    conn.release();
  }
}

/**
 * The arguments of pulse_append (migration 1764000030000; json since 1764000040000): the batch's streams, and per event the
 * index of its stream (`s`, 1-based in SQL) and its rank in that stream within the batch (`k`,
 * from 1), so the server numbers versions with no window function.
 *
 * The batch goes as one JSON text expanded by json_to_recordset: one parameter however large the
 * batch, and one native JSON.stringify on the client instead of escaping array literals column by
 * column (measured ~15% faster end to end). It is sent as text and cast: typed json, the driver
 * would encode the string again and the server would store one JSON string.
 */
function appendCall(events: NewEvent[], expected: ExpectedVersion) {
  const indexOf = new Map<string, number>();
  const counts: number[] = [];
  const streamIndex: number[] = [];
  const rank: number[] = [];
  for (const e of events) {
    let s = indexOf.get(e.stream);
    if (s === undefined) indexOf.set(e.stream, (s = counts.push(0) - 1));
    streamIndex.push(s);
    rank.push(++counts[s]!);
  }
  const batch = JSON.stringify(
    events.map((e, i) => ({
      id: e.id,
      s: streamIndex[i]! + 1,
      k: rank[i],
      stream: e.stream,
      tenant: e.tenant,
      type: e.type,
      schema_version: e.schemaVersion,
      data: e.data,
      metadata: e.metadata ?? {},
      occurred_ms: occurredMs(e),
    })),
  );
  const expect = typeof expected === 'number' ? 'version' : expected;
  return {
    streams: [...indexOf.keys()],
    batch,
    streamIndex,
    rank,
    expect,
    expected: typeof expected === 'number' ? expected : null,
  };
}

/** Unix milliseconds; reads print occurredAt to the millisecond too. */
function occurredMs(e: NewEvent): number {
  const ms = Date.parse(e.occurredAt);
  if (Number.isNaN(ms)) throw new TypeError(`event ${e.id}: occurredAt is not a date-time: ${e.occurredAt}`);
  return ms;
}

function classify(err: unknown, events: NewEvent[], expected: ExpectedVersion): unknown {
  const pg = err as { code?: string; constraint_name?: string; detail?: string };
  if (pg.code === 'PWEV1') return new WrongExpectedVersion(events[0]!.stream, expected, Number(pg.detail));
  return pg.code === '23505' && pg.constraint_name === 'events_id_key' ? new AppendRace(err) : err;
}
