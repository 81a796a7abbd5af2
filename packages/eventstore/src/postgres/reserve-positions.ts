import type { NewEvent } from '../port.ts';
import { STREAM_LOCK_CLASS, WRITER_MARKER_CLASS, type Sql } from './rows.ts';

/** What `reservePositions` took, as it also leaves it in the transaction for `insertEvents`. */
export interface Reservation {
  /** Each stream's version after this append. */
  versions: Record<string, number>;
  /** One position per event, in batch order. */
  positions: number[];
}

function countByStream(events: NewEvent[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const e of events) counts.set(e.stream, (counts.get(e.stream) ?? 0) + 1);
  return counts;
}

/**
 * First of the two statements that run under the append lock (see write-events.ts): it takes a
 * transaction-scoped lock per stream, held until COMMIT. An append to a stream whose previous
 * append has not committed waits here for that commit, so a stream's versions follow the global
 * order. Appends to other streams are not held up; writers queued on the append lock are, for
 * that wait. Advisory locks write nothing: no xid yet, no WAL. Ordered, so two appends can never
 * wait for each other.
 *
 * Each lock takes a slot in PostgreSQL's shared lock table until COMMIT, which holds
 * max_locks_per_transaction × max_connections (6,400 with the defaults): a dozen 500-stream
 * batches in flight at once. Raise max_locks_per_transaction for more concurrent recorders.
 */
export function lockStreams(sql: Sql, events: NewEvent[]) {
  const streams = [...countByStream(events).keys()];
  return sql`
    SELECT pg_advisory_xact_lock(${STREAM_LOCK_CLASS}, h)
    FROM (SELECT DISTINCT hashtext(s) AS h FROM unnest(${streams}::text[]) s) streams
    ORDER BY h`;
}

/**
 * Second statement under the append lock: takes this transaction's xid (nothing before it wrote,
 * so it is assigned here) and a shared advisory lock keyed by it, held until the transaction ends.
 * Readers treat a running transaction as an append if it holds this marker, and wait only for
 * those (retention-filter.ts). Taken before any position, so an append that owns a position is
 * always marked while it runs.
 */
export function markWriter(sql: Sql) {
  return sql`
    SELECT pg_advisory_xact_lock_shared(${WRITER_MARKER_CLASS},
      (low - CASE WHEN low >= 2147483648 THEN 4294967296 ELSE 0 END)::int)
    FROM (SELECT pg_current_xact_id()::text::bigint % 4294967296 AS low) xid`;
}

/**
 * Third statement under the append lock: it takes this transaction's xid, each stream's next
 * versions and one position per event, and nothing else. The events themselves are inserted after
 * the lock is released, in parallel with other writers, with what was reserved here.
 *
 * Its snapshot is taken after lockStreams got every stream lock, so each stream's last committed
 * version is in it (the retention job keeps every stream's last event for this). The result goes to
 * the client and into a transaction-local setting (pulse.append), which the insert reads, so the
 * whole append is one pipelined flight with no round trip in between.
 */
export function reservePositions(sql: Sql, events: NewEvent[]) {
  const counts = countByStream(events);
  const streams = [...counts.keys()];
  return sql<{ xid: string; reservation: string }[]>`
    WITH wanted AS (
      SELECT * FROM unnest(${streams}::text[], ${streams.map((s) => counts.get(s)!)}::int[]) AS w(stream, n)
    ), versions AS (
      SELECT w.stream,
             coalesce((SELECT max(e.stream_version) FROM events e WHERE e.stream = w.stream), -1) + w.n AS version
      FROM wanted w
    ), positions AS (
      SELECT jsonb_agg(p ORDER BY g) AS p
      FROM (SELECT g, nextval('events_position_seq') AS p FROM generate_series(1, ${events.length}::int) g) reserved
    )
    SELECT pg_current_xact_id()::text AS xid,
           set_config('pulse.append', jsonb_build_object(
             'versions', (SELECT jsonb_object_agg(stream, version) FROM versions),
             'positions', (SELECT p FROM positions))::text, true) AS reservation`;
}
