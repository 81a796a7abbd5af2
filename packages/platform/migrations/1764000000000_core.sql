-- Up Migration

-- Tenants and their ingest keys. Keys are stored only as SHA-256 hashes.
CREATE TABLE tenants (
  id          text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9-]{0,39}$'),
  name        text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE ingest_keys (
  key_hash    text PRIMARY KEY,
  tenant_id   text NOT NULL REFERENCES tenants (id),
  label       text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  revoked_at  timestamptz
);
CREATE INDEX ingest_keys_tenant ON ingest_keys (tenant_id);

-- The event store. `position` is the global order; writers take a transaction-scoped advisory
-- lock before they insert, so positions become visible in commit order and a reader that reads
-- "position > checkpoint" never skips an event (invariant 3).
CREATE TABLE events (
  position        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id              uuid NOT NULL UNIQUE,
  stream          text NOT NULL,
  stream_version  integer NOT NULL,
  tenant          text NOT NULL,
  type            text NOT NULL,
  schema_version  integer NOT NULL DEFAULT 1,
  data            jsonb NOT NULL,
  metadata        jsonb NOT NULL DEFAULT '{}',
  occurred_at     timestamptz NOT NULL,
  recorded_at     timestamptz NOT NULL DEFAULT now(),
  transaction_id  xid8 NOT NULL DEFAULT pg_current_xact_id(),
  UNIQUE (stream, stream_version)
);
CREATE INDEX events_tenant_position ON events (tenant, position);
CREATE INDEX events_type_occurred ON events (type, occurred_at);

-- One row per stream: its current version, so an append checks expectations without scanning events.
CREATE TABLE streams (
  stream      text PRIMARY KEY,
  tenant      text NOT NULL,
  version     integer NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX streams_prefix ON streams (stream text_pattern_ops);

-- Each projection's checkpoint commits in the same transaction as its rows (invariant 4).
CREATE TABLE projection_checkpoints (
  projection  text PRIMARY KEY,
  position    bigint NOT NULL DEFAULT 0,
  updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Fleet read model: one row per machine.
CREATE TABLE read_machines (
  tenant          text NOT NULL,
  machine_id      text NOT NULL,
  hostname        text NOT NULL,
  os              text NOT NULL,
  agent_version   text,
  status          text NOT NULL CHECK (status IN ('online', 'overdue', 'offline')),
  last_seen_at    timestamptz NOT NULL,
  registered_at   timestamptz,
  cpu_pct         real,
  mem_pct         real,
  disk_pct        real,
  uptime_s        bigint,
  position        bigint NOT NULL,
  PRIMARY KEY (tenant, machine_id)
);
CREATE INDEX read_machines_status_seen ON read_machines (status, last_seen_at);

-- Down Migration
DROP TABLE read_machines;
DROP TABLE projection_checkpoints;
DROP TABLE streams;
DROP TABLE events;
DROP TABLE ingest_keys;
DROP TABLE tenants;
