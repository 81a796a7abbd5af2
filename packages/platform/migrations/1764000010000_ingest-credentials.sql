-- Up Migration

-- Credentials the ingest edge checks besides ingest keys (1764000000000_core.sql).

-- A tenant's provisioning secrets: an agent installer presents one to register a machine and get
-- its own token. Stored only as SHA-256 hashes, like ingest keys.
CREATE TABLE provisioning_secrets (
  secret_hash  text PRIMARY KEY,
  tenant_id    text NOT NULL REFERENCES tenants (id),
  label        text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  revoked_at   timestamptz
);
CREATE INDEX provisioning_secrets_tenant ON provisioning_secrets (tenant_id);

-- One row per machine token ever issued. The token itself is never stored, only its hash; the
-- token id names it in events and logs. A heartbeat moves expires_at on (the TTL); rotation and
-- revocation set revoked_at with a reason, so a refused token is told why.
CREATE TABLE machine_tokens (
  token_id        text PRIMARY KEY,
  token_hash      text NOT NULL UNIQUE,
  tenant_id       text NOT NULL REFERENCES tenants (id),
  machine_id      text NOT NULL,
  fingerprint     text NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  expires_at      timestamptz NOT NULL,
  last_seen_at    timestamptz,
  revoked_at      timestamptz,
  revoked_reason  text
);
CREATE INDEX machine_tokens_machine ON machine_tokens (tenant_id, machine_id);
CREATE INDEX machine_tokens_fingerprint ON machine_tokens (tenant_id, fingerprint);

-- Webhook secrets per tenant and kind: `header` is the shared secret Tactical RMM, Wazuh and
-- FleetDM send in a header; `signing` is a Standard Webhooks `whsec_…` secret (onboarding,
-- generic). Several may be valid at once during a rotation. Kept in plain text because an HMAC
-- needs the key itself; the header secrets are compared in constant time.
CREATE TABLE webhook_secrets (
  tenant_id   text NOT NULL REFERENCES tenants (id),
  kind        text NOT NULL CHECK (kind IN ('header', 'signing')),
  secret      text NOT NULL,
  label       text NOT NULL DEFAULT '',
  created_at  timestamptz NOT NULL DEFAULT now(),
  revoked_at  timestamptz,
  PRIMARY KEY (tenant_id, kind, secret)
);

-- Standard Webhooks replay refusal: a webhook-id seen once is refused again within the tolerance.
CREATE TABLE webhook_deliveries (
  tenant_id    text NOT NULL,
  source       text NOT NULL,
  webhook_id   text NOT NULL,
  received_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, source, webhook_id)
);
CREATE INDEX webhook_deliveries_received ON webhook_deliveries (received_at);

-- Down Migration
DROP TABLE webhook_deliveries;
DROP TABLE webhook_secrets;
DROP TABLE machine_tokens;
DROP TABLE provisioning_secrets;
