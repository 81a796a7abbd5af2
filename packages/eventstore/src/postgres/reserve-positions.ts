import type { NewEvent } from '../port.ts';
import type { Sql } from './rows.ts';

/** What `reservePositions` took, as it also leaves it in the transaction for `insertEvents`. */
export interface Reservation {
  /** Each stream's version after this append. */
  versions: Record<string, number>;
  /** One position per event, in batch order. */
  positions: number[];
}

/**
 * The statement that runs under the append lock (see write-events.ts): it moves each touched
 * stream's version on by its number of events and takes one position per event from the events'
 * sequence. Nothing else: the events themselves are inserted after the lock is released, in
 * parallel with other writers, with the versions and positions reserved here.
 *
 * Updating the streams' rows is this transaction's first write, so its xid is assigned here,
 * inside the lock, together with the positions. If another append holds one of these rows (it has
 * not committed yet), the UPDATE waits for that commit and counts on from the committed version,
 * so a stream's versions follow the global order; appends to other streams are not held up, but
 * writers queued on the lock are, for that wait. A stream created by a writer that committed
 * after this statement began is not in its snapshot: the INSERT meets it and ON CONFLICT counts on.
 *
 * The result goes to the client and into a transaction-local setting (pulse.append), which the
 * insert reads, so the whole append is one pipelined flight with no round trip in between.
 */
export function reservePositions(sql: Sql, events: NewEvent[]) {
  const counts = new Map<string, { tenant: string; n: number }>();
  for (const e of events) {
    const c = counts.get(e.stream);
    if (c) c.n++;
    else counts.set(e.stream, { tenant: e.tenant, n: 1 });
  }
  const streams = [...counts.keys()];
  return sql<{ reservation: string }[]>`
    WITH wanted AS (
      SELECT * FROM unnest(
        ${streams}::text[],
        ${streams.map((s) => counts.get(s)!.tenant)}::text[],
        ${streams.map((s) => counts.get(s)!.n)}::int[]
      ) AS w(stream, tenant, n)
    ), bumped AS (
      UPDATE streams s SET version = s.version + w.n, updated_at = now()
      FROM wanted w WHERE s.stream = w.stream
      RETURNING s.stream, s.version
    ), created AS (
      INSERT INTO streams AS s (stream, tenant, version)
      SELECT w.stream, w.tenant, w.n - 1 FROM wanted w
      WHERE w.stream NOT IN (SELECT stream FROM bumped)
      ON CONFLICT (stream) DO UPDATE SET version = s.version + excluded.version + 1, updated_at = now()
      RETURNING s.stream, s.version
    ), positions AS (
      SELECT jsonb_agg(p ORDER BY g) AS p
      FROM (SELECT g, nextval('events_position_seq') AS p FROM generate_series(1, ${events.length}::int) g) reserved
    )
    SELECT set_config('pulse.append', jsonb_build_object(
      'versions', (SELECT jsonb_object_agg(stream, version) FROM (SELECT * FROM bumped UNION ALL SELECT * FROM created) v),
      'positions', (SELECT p FROM positions))::text, true) AS reservation`;
}
