import type { Sql as PoolSql, TransactionSql, ReservedSql } from 'postgres';
import type { EventMetadata, RecordedEvent } from '@pulse/events';

/** The pool, a transaction or a reserved connection: the same SQL runs on each. */
export type Sql = PoolSql | TransactionSql | ReservedSql;

/**
 * The columns of `events e` for a RecordedEvent, in the order of RecordedEventRow, formatted by
 * PostgreSQL: times come as ISO 8601 text (what Date#toISOString prints). Parsing two timestamps
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

/** A row of `selectRecordedEvent` fetched with postgres.js `.values()`: its columns in that order. */
export type RecordedEventRow = [
  id: string,
  type: string,
  tenant: string,
  stream: string,
  streamVersion: number,
  position: number,
  occurredAt: string,
  recordedAt: string,
  schemaVersion: number,
  data: Record<string, unknown>,
  metadata: EventMetadata,
];

/**
 * Events from rows fetched with `.values()`. postgres.js builds an object row by adding each column
 * as a keyed property; an object literal here gives every event one shape, built in one go.
 * Measured in readAll: 5.9 → 3.1 µs of Node CPU per event, the largest cost of a read.
 */
export function toRecordedEvents(rows: readonly RecordedEventRow[]): RecordedEvent[] {
  const events = new Array<RecordedEvent>(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    events[i] = {
      id: r[0],
      type: r[1],
      tenant: r[2],
      stream: r[3],
      streamVersion: r[4],
      position: r[5],
      occurredAt: r[6],
      recordedAt: r[7],
      schemaVersion: r[8],
      data: r[9],
      metadata: r[10],
    };
  }
  return events;
}

/**
 * The session-level advisory lock a writer holds while it takes its xid and positions
 * (pulse_append, migration 1764000030000, restated with json in 1764000040000 and with the batch parsed before the locks in 1764000060000, which spell these keys out; the per-stream locks are
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
