-- Up Migration

-- The read models behind every view (packages/events/src/views.ts names the row types; viewSources
-- maps each view to its table and checkpoint). Every table is tenant-scoped and carries the global
-- position of the last event folded into the row. Columns map 1:1 to the view fields (snake_case),
-- except the few marked "internal", which the projector keeps to stay incremental.

-- Per-tenant settings of the projector and its process managers. No row, or a NULL column, means
-- the default (the projector's settings, and defaultOnboardingSteps for the funnel).
CREATE TABLE projector_tenant_settings (
  tenant                text PRIMARY KEY,
  offline_after_s       integer CHECK (offline_after_s > 0),
  overdue_after_s       integer CHECK (overdue_after_s > 0),
  -- Overdue always raises an alert; offline alone only when the tenant asks.
  offline_raises_alert  boolean NOT NULL DEFAULT false,
  escalation_after_s    integer CHECK (escalation_after_s > 0),
  onboarding_idle_s     integer CHECK (onboarding_idle_s > 0),
  -- The ordered funnel; a change takes effect for new events, `npm run projector -- rebuild funnel` re-applies it to history.
  funnel_steps          text[],
  -- SLA per ticket priority, in minutes, e.g. {"urgent": 60, "high": 240}.
  sla_minutes           jsonb,
  updated_at            timestamptz NOT NULL DEFAULT now()
);

-- Per-machine override of the absence thresholds (Tactical RMM: per-agent offline/overdue times).
CREATE TABLE projector_machine_thresholds (
  tenant           text NOT NULL,
  machine_id       text NOT NULL,
  offline_after_s  integer CHECK (offline_after_s > 0),
  overdue_after_s  integer CHECK (overdue_after_s > 0),
  PRIMARY KEY (tenant, machine_id)
);

-- Fleet additions (MachineView's optional fields).
ALTER TABLE read_machines
  ADD COLUMN customer           text,
  ADD COLUMN site               text,
  ADD COLUMN ip                 text,
  ADD COLUMN tags               text[] NOT NULL DEFAULT '{}',
  ADD COLUMN load1              real,
  ADD COLUMN logged_in_user     text,
  ADD COLUMN metrics_at         timestamptz,
  ADD COLUMN signals            jsonb NOT NULL DEFAULT '{}',
  ADD COLUMN stale_signals      text[] NOT NULL DEFAULT '{}',
  ADD COLUMN inventory          jsonb,
  ADD COLUMN decommissioned_at  timestamptz;
CREATE INDEX read_machines_tenant_customer ON read_machines (tenant, customer, site);

-- The last inventory of each machine in full (the fleet row carries only its summary).
CREATE TABLE read_machine_inventory (
  tenant       text NOT NULL,
  machine_id   text NOT NULL,
  reported_at  timestamptz NOT NULL,
  hardware     jsonb,
  os           jsonb,
  software     jsonb NOT NULL DEFAULT '[]',
  position     bigint NOT NULL,
  PRIMARY KEY (tenant, machine_id)
);

-- FleetRollupView: counts per customer and site ('' when none); decommissioned machines leave them.
CREATE TABLE read_fleet_rollups (
  tenant    text NOT NULL,
  customer  text NOT NULL,
  site      text NOT NULL,
  online    integer NOT NULL DEFAULT 0,
  overdue   integer NOT NULL DEFAULT 0,
  offline   integer NOT NULL DEFAULT 0,
  total     integer NOT NULL DEFAULT 0,
  position  bigint NOT NULL,
  PRIMARY KEY (tenant, customer, site)
);

-- AlertView: one row per fingerprint.
CREATE TABLE read_alerts (
  tenant            text NOT NULL,
  fingerprint       text NOT NULL,
  source            text NOT NULL,
  severity          text NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
  title             text NOT NULL,
  details           text,
  labels            jsonb NOT NULL DEFAULT '{}',
  machine_id        text,
  external_id       text,
  url               text,
  state             text NOT NULL CHECK (state IN ('open', 'acknowledged', 'resolved')),
  count             integer NOT NULL,
  first_seen_at     timestamptz NOT NULL,
  last_seen_at      timestamptz NOT NULL,
  opened_at         timestamptz NOT NULL,
  acknowledged_at   timestamptz,
  acknowledged_by   text,
  resolved_at       timestamptz,
  resolved_by       text,
  escalation_level  integer NOT NULL DEFAULT 0,
  escalated_at      timestamptz,
  flapping          boolean NOT NULL DEFAULT false,
  notes             integer NOT NULL DEFAULT 0,
  last_note         text,
  -- internal: when the alert was reopened lately (flapping is judged from these).
  reopened_at       timestamptz[] NOT NULL DEFAULT '{}',
  position          bigint NOT NULL,
  PRIMARY KEY (tenant, fingerprint)
);
CREATE INDEX read_alerts_tenant_state ON read_alerts (tenant, state, severity, last_seen_at DESC);
CREATE INDEX read_alerts_tenant_seen ON read_alerts (tenant, last_seen_at DESC);

-- AlertCountView: per severity and per source, alerts in each state.
CREATE TABLE read_alert_counts (
  tenant        text NOT NULL,
  dimension     text NOT NULL CHECK (dimension IN ('severity', 'source')),
  key           text NOT NULL,
  open          integer NOT NULL DEFAULT 0,
  acknowledged  integer NOT NULL DEFAULT 0,
  resolved      integer NOT NULL DEFAULT 0,
  position      bigint NOT NULL,
  PRIMARY KEY (tenant, dimension, key)
);

-- Onboarding journeys (the funnel's source rows; the abandoned list reads them too).
CREATE TABLE read_journeys (
  tenant        text NOT NULL,
  journey_id    text NOT NULL,
  account_id    text NOT NULL,
  account_name  text NOT NULL,
  -- step → when it was first completed
  steps         jsonb NOT NULL DEFAULT '{}',
  last_step     text NOT NULL,
  last_step_at  timestamptz NOT NULL,
  started_at    timestamptz NOT NULL,
  status        text NOT NULL CHECK (status IN ('active', 'completed', 'abandoned')),
  abandoned_at  timestamptz,
  idle_s        integer,
  position      bigint NOT NULL,
  PRIMARY KEY (tenant, journey_id)
);
CREATE INDEX read_journeys_tenant_status ON read_journeys (tenant, status, last_step_at DESC);

-- FunnelView: one row per cohort ('all', 'day:YYYY-MM-DD', 'week:YYYY-MM-DD').
CREATE TABLE read_funnel (
  tenant              text NOT NULL,
  cohort              text NOT NULL,
  steps               jsonb NOT NULL,
  started             integer NOT NULL DEFAULT 0,
  completed           integer NOT NULL DEFAULT 0,
  abandoned           integer NOT NULL DEFAULT 0,
  abandoned_journeys  jsonb NOT NULL DEFAULT '[]',
  -- internal: per step, a log-bucketed histogram of phase times (bucket → journeys).
  histograms          jsonb NOT NULL DEFAULT '{}',
  position            bigint NOT NULL,
  PRIMARY KEY (tenant, cohort)
);

-- TelemetryPointView: 1-minute and 1-hour rollups per subject (machine or source) and metric.
CREATE TABLE read_telemetry (
  tenant        text NOT NULL,
  subject       text NOT NULL,
  metric        text NOT NULL,
  resolution    text NOT NULL CHECK (resolution IN ('1m', '1h')),
  bucket_start  timestamptz NOT NULL,
  min           double precision NOT NULL,
  max           double precision NOT NULL,
  sum           double precision NOT NULL,
  count         integer NOT NULL,
  last          double precision NOT NULL,
  last_at       timestamptz NOT NULL,
  unit          text,
  position      bigint NOT NULL,
  PRIMARY KEY (tenant, subject, metric, resolution, bucket_start)
);
CREATE INDEX read_telemetry_metric ON read_telemetry (tenant, metric, resolution, bucket_start);
CREATE INDEX read_telemetry_bucket_brin ON read_telemetry USING brin (bucket_start);

-- TicketView.
CREATE TABLE read_tickets (
  tenant            text NOT NULL,
  ticket_id         text NOT NULL,
  title             text NOT NULL,
  priority          text NOT NULL CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
  origin            jsonb NOT NULL,
  machine_id        text,
  status            text NOT NULL CHECK (status IN ('open', 'resolved')),
  owner             text,
  opened_at         timestamptz NOT NULL,
  opened_by         text NOT NULL,
  sla_due_at        timestamptz,
  sla_breached_at   timestamptz,
  escalated         boolean NOT NULL DEFAULT false,
  resolved_at       timestamptz,
  resolution        text,
  last_activity_at  timestamptz NOT NULL,
  timeline_length   integer NOT NULL DEFAULT 0,
  position          bigint NOT NULL,
  PRIMARY KEY (tenant, ticket_id)
);
CREATE INDEX read_tickets_tenant_status ON read_tickets (tenant, status, sla_due_at);

-- TicketTimelineEntry.
CREATE TABLE read_ticket_timeline (
  tenant     text NOT NULL,
  ticket_id  text NOT NULL,
  seq        integer NOT NULL,
  at         timestamptz NOT NULL,
  type       text NOT NULL,
  by         text,
  text       text NOT NULL,
  position   bigint NOT NULL,
  PRIMARY KEY (tenant, ticket_id, seq)
);

-- Process managers. Timers are rows (durable across restarts), found by due time. A timer
-- remembers the stream and version it was set at: the derived event is appended expecting that
-- version, so anything that happened since (an acknowledgement, a step) wins.
CREATE TABLE pm_timers (
  kind              text NOT NULL,
  tenant            text NOT NULL,
  key               text NOT NULL,
  due_at            timestamptz NOT NULL,
  stream            text NOT NULL,
  expected_version  integer NOT NULL,
  payload           jsonb NOT NULL DEFAULT '{}',
  PRIMARY KEY (kind, tenant, key)
);
CREATE INDEX pm_timers_due ON pm_timers (due_at);

-- The reactions process manager's memory: the open automatic ticket of each alert fingerprint.
CREATE TABLE pm_alert_tickets (
  tenant       text NOT NULL,
  fingerprint  text NOT NULL,
  ticket_id    text NOT NULL,
  PRIMARY KEY (tenant, fingerprint)
);

-- Derived events decided in a process manager's transaction, appended after it commits (a
-- transactional outbox: the decision and its checkpoint commit together, the append is retried
-- until it is stored; deterministic ids make the retry a no-op).
CREATE TABLE pm_outbox (
  id                uuid PRIMARY KEY,
  seq               bigint GENERATED ALWAYS AS IDENTITY,
  stream            text NOT NULL,
  expected_version  text NOT NULL,
  event             jsonb NOT NULL,
  created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX pm_outbox_seq ON pm_outbox (seq);

-- Down Migration
DROP TABLE pm_outbox;
DROP TABLE pm_alert_tickets;
DROP TABLE pm_timers;
DROP TABLE read_ticket_timeline;
DROP TABLE read_tickets;
DROP TABLE read_telemetry;
DROP TABLE read_funnel;
DROP TABLE read_journeys;
DROP TABLE read_alert_counts;
DROP TABLE read_alerts;
DROP TABLE read_fleet_rollups;
DROP TABLE read_machine_inventory;
DROP INDEX read_machines_tenant_customer;
ALTER TABLE read_machines
  DROP COLUMN customer, DROP COLUMN site, DROP COLUMN ip, DROP COLUMN tags, DROP COLUMN load1,
  DROP COLUMN logged_in_user, DROP COLUMN metrics_at, DROP COLUMN signals, DROP COLUMN stale_signals,
  DROP COLUMN inventory, DROP COLUMN decommissioned_at;
DROP TABLE projector_machine_thresholds;
DROP TABLE projector_tenant_settings;
