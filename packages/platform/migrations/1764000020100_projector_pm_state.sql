-- Up Migration

-- What the reactions process manager remembers per alert, ticket and journey (one jsonb document
-- each), loaded for the entities a batch touches and written back in the batch's transaction.
CREATE TABLE pm_state (
  kind    text NOT NULL,
  tenant  text NOT NULL,
  key     text NOT NULL,
  state   jsonb NOT NULL,
  PRIMARY KEY (kind, tenant, key)
);

-- Down Migration
DROP TABLE pm_state;
