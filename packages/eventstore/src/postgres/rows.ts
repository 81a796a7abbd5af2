import type { Sql as PoolSql, TransactionSql, ReservedSql } from 'postgres';

/** The pool, a transaction or a reserved connection: the same SQL runs on each. */
export type Sql = PoolSql | TransactionSql | ReservedSql;

/**
 * The columns of `events e` as a RecordedEvent, named and formatted by PostgreSQL, so a row needs
 * no mapping: times come as ISO 8601 text (what Date#toISOString prints). Parsing two timestamps
 * into Dates and printing them again was a third of the client's cost per event in readAll
 * (measured: 8.1 → 5.5 µs of Node CPU per event).
 */
export function selectRecordedEvent(sql: Sql) {
  return sql`
    e.id, e.type, e.tenant, e.stream, e.stream_version AS "streamVersion", e.position,
    to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "occurredAt",
    to_char(e.recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "recordedAt",
    e.schema_version AS "schemaVersion", e.data, e.metadata`;
}

/**
 * The session-level advisory lock a writer holds while it takes its xid and positions
 * (pulse_append, migration 1764000030000, restated with json in 1764000040000, which spells these keys out; the per-stream locks are
 * class 4712).
 */
export const APPEND_LOCK_KEY = 4_711_000_001;

/**
 * The first key of the lock an append holds from before it takes positions until it ends; the
 * second is its xid's low 32 bits. Readers look for these to tell appends from other
 * transactions (retention-filter.ts).
 */
export const WRITER_MARKER_CLASS = 4_713;

/** The LISTEN/NOTIFY channel; the payload is a committed position. */
export const EVENTS_CHANNEL = 'pulse_events';

/**
 * Runs read statements in one read-only transaction, pipelined: one round trip. JIT is off in it:
 * a page's estimated cost grows with its LIMIT and its filter (the retention check's subplans are
 * costed per row), and past jit_above_cost PostgreSQL spent ~30 ms compiling each 5,000-row page
 * that then ran in ~6 ms (EXPLAIN ANALYZE; BENCHMARKS.md).
 */
export async function inReadTransaction(
  sql: PoolSql,
  isolation: 'READ COMMITTED' | 'REPEATABLE READ',
  statements: (conn: ReservedSql) => { execute(): Promise<unknown> }[],
): Promise<unknown[]> {
  const conn = await sql.reserve();
  try {
    const results = await Promise.all([
      conn`BEGIN ISOLATION LEVEL ${conn.unsafe(isolation)} READ ONLY`.execute(),
      conn`SET LOCAL jit = off`.execute(),
      ...statements(conn).map((q) => q.execute()),
      conn`COMMIT`.execute(),
    ]);
    return results.slice(2, -1);
  } catch (err) {
    await conn`ROLLBACK`.catch(() => {});
    throw err;
  } finally {
    conn.release();
  }
}
