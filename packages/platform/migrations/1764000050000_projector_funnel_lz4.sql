-- Up Migration

-- Every batch that touches a cohort rewrites its read_funnel row: steps, histograms and abandoned
-- journeys, about 20 kB of jsonb. pglz compressing it was 5 % of the live projector's PostgreSQL
-- CPU (perf, 5,000 events/s); lz4 does the same job for a fraction of that.
-- A server built without lz4 (the embedded PostgreSQL from npm that `npm start` falls back to)
-- refuses it: the columns then keep pglz, which is only slower.
DO $$
BEGIN
  ALTER TABLE read_funnel
    ALTER COLUMN steps SET COMPRESSION lz4,
    ALTER COLUMN histograms SET COMPRESSION lz4,
    ALTER COLUMN abandoned_journeys SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
  RAISE NOTICE 'this server has no lz4: read_funnel keeps pglz';
END
$$;

-- Down Migration
ALTER TABLE read_funnel
  ALTER COLUMN steps SET COMPRESSION pglz,
  ALTER COLUMN histograms SET COMPRESSION pglz,
  ALTER COLUMN abandoned_journeys SET COMPRESSION pglz;
