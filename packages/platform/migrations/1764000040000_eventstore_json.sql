-- Up Migration

-- Event data and metadata as json (text, checked on input) instead of jsonb. The store never looks
-- inside them: it writes what the client sends and reads it back whole, and jsonb cost on both ends
-- (measured on this machine): building the binary form was ~20% of the server's time per
-- append, and printing it again ~2.4 µs per event on every read, the largest server cost of
-- readAll. json keeps the client's text, so input is a syntax check and output a copy. The one
-- comparison of data (a retried id, stored-events.ts) casts to jsonb, so key order and number
-- spelling still do not matter there.
ALTER TABLE events ALTER COLUMN metadata DROP DEFAULT;
ALTER TABLE events
  ALTER COLUMN data TYPE json USING data::json,
  ALTER COLUMN metadata TYPE json USING metadata::json;
ALTER TABLE events ALTER COLUMN metadata SET DEFAULT '{}';

-- pulse_append as in migration 1764000030000 (the argument and the order of its steps are
-- explained there), with the batch as json: json_to_recordset hands each event's data and
-- metadata over as text slices, nothing is built. occurred_ms is converted with float8
-- arithmetic (exact to the millisecond: to_timestamp rounds to the microsecond) rather than numeric.
DROP FUNCTION pulse_append(text[], integer[], jsonb, integer, text, integer);
CREATE FUNCTION pulse_append(
  p_streams text[], p_hints integer[], p_batch json, p_count integer, p_expect text DEFAULT 'any', p_expected integer DEFAULT NULL,
  OUT positions bigint[], OUT bases integer[])
LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
  actual integer;
BEGIN
  PERFORM pg_advisory_xact_lock(4712, h)
  FROM (SELECT DISTINCT hashtext(s) AS h FROM unnest(p_streams) s) l
  ORDER BY h;

  bases := ARRAY(
    SELECT coalesce(
      (SELECT e.stream_version FROM events e WHERE e.stream = u.s AND e.stream_version >= u.hint
       ORDER BY e.stream_version DESC LIMIT 1),
      (SELECT e.stream_version FROM events e WHERE e.stream = u.s ORDER BY e.stream_version DESC LIMIT 1),
      -1)
    FROM unnest(p_streams, p_hints) WITH ORDINALITY u(s, hint, i)
    ORDER BY u.i);

  IF p_expect <> 'any' THEN
    actual := bases[1];
    IF (p_expect = 'no_stream' AND actual <> -1)
       OR (p_expect = 'stream_exists' AND actual = -1)
       OR (p_expect = 'version' AND actual IS DISTINCT FROM p_expected) THEN
      RAISE EXCEPTION 'wrong expected version' USING ERRCODE = 'PWEV1', DETAIL = actual::text;
    END IF;
  END IF;

  PERFORM pg_advisory_lock(4711000001);
  PERFORM pg_advisory_xact_lock_shared(4713, (low - CASE WHEN low >= 2147483648 THEN 4294967296 ELSE 0 END)::int)
  FROM (SELECT pg_current_xact_id()::text::bigint % 4294967296 AS low) xid;
  positions := ARRAY(SELECT nextval('events_position_seq') FROM generate_series(1, p_count));
  PERFORM pg_advisory_unlock(4711000001);

  INSERT INTO events (position, id, stream, stream_version, tenant, type, schema_version, data, metadata, occurred_at)
  OVERRIDING SYSTEM VALUE
  SELECT positions[i.ord::int], i.id, i.stream, bases[i.s] + i.k, i.tenant, i.type, i.schema_version, i.data, i.metadata,
         to_timestamp(i.occurred_ms::float8 / 1000)
  FROM ROWS FROM (json_to_recordset(p_batch) AS (
    id uuid, s integer, k integer, stream text, tenant text, type text, schema_version integer, data json, metadata json, occurred_ms bigint
  )) WITH ORDINALITY AS i(id, s, k, stream, tenant, type, schema_version, data, metadata, occurred_ms, ord);
END
$$;

-- Down Migration
DROP FUNCTION pulse_append(text[], integer[], json, integer, text, integer);
ALTER TABLE events ALTER COLUMN metadata DROP DEFAULT;
ALTER TABLE events
  ALTER COLUMN data TYPE jsonb USING data::jsonb,
  ALTER COLUMN metadata TYPE jsonb USING metadata::jsonb;
ALTER TABLE events ALTER COLUMN metadata SET DEFAULT '{}';
-- The function of migration 1764000030000, as it was.
CREATE FUNCTION pulse_append(
  p_streams text[], p_hints integer[], p_batch jsonb, p_count integer, p_expect text DEFAULT 'any', p_expected integer DEFAULT NULL,
  OUT positions bigint[], OUT bases integer[])
LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
  actual integer;
BEGIN
  PERFORM pg_advisory_xact_lock(4712, h)
  FROM (SELECT DISTINCT hashtext(s) AS h FROM unnest(p_streams) s) l
  ORDER BY h;

  bases := ARRAY(
    SELECT coalesce(
      (SELECT e.stream_version FROM events e WHERE e.stream = u.s AND e.stream_version >= u.hint
       ORDER BY e.stream_version DESC LIMIT 1),
      (SELECT e.stream_version FROM events e WHERE e.stream = u.s ORDER BY e.stream_version DESC LIMIT 1),
      -1)
    FROM unnest(p_streams, p_hints) WITH ORDINALITY u(s, hint, i)
    ORDER BY u.i);

  IF p_expect <> 'any' THEN
    actual := bases[1];
    IF (p_expect = 'no_stream' AND actual <> -1)
       OR (p_expect = 'stream_exists' AND actual = -1)
       OR (p_expect = 'version' AND actual IS DISTINCT FROM p_expected) THEN
      RAISE EXCEPTION 'wrong expected version' USING ERRCODE = 'PWEV1', DETAIL = actual::text;
    END IF;
  END IF;

  PERFORM pg_advisory_lock(4711000001);
  PERFORM pg_advisory_xact_lock_shared(4713, (low - CASE WHEN low >= 2147483648 THEN 4294967296 ELSE 0 END)::int)
  FROM (SELECT pg_current_xact_id()::text::bigint % 4294967296 AS low) xid;
  positions := ARRAY(SELECT nextval('events_position_seq') FROM generate_series(1, p_count));
  PERFORM pg_advisory_unlock(4711000001);

  INSERT INTO events (position, id, stream, stream_version, tenant, type, schema_version, data, metadata, occurred_at)
  OVERRIDING SYSTEM VALUE
  SELECT positions[i.ord::int], i.id, i.stream, bases[i.s] + i.k, i.tenant, i.type, i.schema_version, i.data, i.metadata,
         to_timestamp(i.occurred_ms / 1000.0)
  FROM ROWS FROM (jsonb_to_recordset(p_batch) AS (
    id uuid, s integer, k integer, stream text, tenant text, type text, schema_version integer, data jsonb, metadata jsonb, occurred_ms bigint
  )) WITH ORDINALITY AS i(id, s, k, stream, tenant, type, schema_version, data, metadata, occurred_ms, ord);
END
$$;
