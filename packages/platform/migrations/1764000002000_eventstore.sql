-- Up Migration

-- Gap safety (invariant 3) no longer serialises whole append transactions. A writer holds a
-- session advisory lock only while its INSERT assigns positions and its transaction id
-- (events.transaction_id, from the core migration), then commits outside the lock. Readers return
-- only rows whose transaction id is below the current snapshot's xmin; see
-- packages/eventstore/src/postgres/write-events.ts for the argument.

-- Stream names compare byte-wise: the (stream, stream_version) index then also serves prefix
-- reads (`stream LIKE 'machine-acme.%'`), which a non-C collation's index cannot, and byte
-- comparison is cheaper on every insert. Equality is the same under any deterministic collation.
ALTER TABLE events ALTER COLUMN stream TYPE text COLLATE "C";
ALTER TABLE streams ALTER COLUMN stream TYPE text COLLATE "C";

-- Positions grow with time, so a BRIN index over recorded_at finds the expired end of the log for
-- retention at almost no cost to inserts (a B-tree here would be one more index on every append).
CREATE INDEX events_recorded_at_brin ON events USING brin (recorded_at);

-- Per-stream retention, as in KurrentDB's $maxAge / $tb. A row exists only for streams that have
-- metadata, so reads join a small table. max_age is in seconds.
CREATE TABLE stream_metadata (
  stream           text COLLATE "C" PRIMARY KEY,
  max_age          integer CHECK (max_age > 0),
  truncate_before  integer CHECK (truncate_before >= 0),
  updated_at       timestamptz NOT NULL DEFAULT now()
);

-- Stream versions now come from events itself (the last event of a stream is never deleted), under
-- a per-stream advisory lock: an append writes its events and nothing else.
COMMENT ON TABLE streams IS 'Not maintained since migration 1764000002000: a stream''s version is max(events.stream_version).';

-- Down Migration
COMMENT ON TABLE streams IS NULL;
DROP TABLE stream_metadata;
DROP INDEX events_recorded_at_brin;
ALTER TABLE streams ALTER COLUMN stream TYPE text COLLATE "default";
ALTER TABLE events ALTER COLUMN stream TYPE text COLLATE "default";
