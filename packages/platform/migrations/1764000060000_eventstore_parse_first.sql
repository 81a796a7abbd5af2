-- Up Migration

-- pulse_append as in migration 1764000040000 (the argument and the order of its steps are
-- explained in 1764000030000), but the batch is parsed before any lock is taken. Appends that
-- share a stream run one after another from their stream locks to COMMIT, and 100-500 events spread
-- over many streams always share some: whatever runs under those locks runs serially across
-- writers. Parsing the JSON (json_to_recordset, its uuid and number inputs, the time conversion)
-- was ~15% of an append's server time, all of it under the locks; it now fills an array of rows
-- first, which writes nothing (so no transaction id is taken early: write-events.ts).
CREATE TYPE pulse_new_event AS (
  id uuid, s integer, k integer, stream text, tenant text, type text, schema_version integer,
  data json, metadata json, occurred_at timestamptz);

DROP FUNCTION pulse_append(text[], integer[], json, integer, text, integer);
CREATE FUNCTION pulse_append(
  p_streams text[], p_hints integer[], p_batch json, p_count integer, p_expect text DEFAULT 'any', p_expected integer DEFAULT NULL,
  OUT positions bigint[], OUT bases integer[])
LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
  actual integer;
  batch pulse_new_event[];
BEGIN
  batch := ARRAY(
    SELECT ROW(i.id, i.s, i.k, i.stream, i.tenant, i.type, i.schema_version, i.data, i.metadata,
               to_timestamp(i.occurred_ms::float8 / 1000))::pulse_new_event
    FROM json_to_recordset(p_batch) AS i(
      id uuid, s integer, k integer, stream text, tenant text, type text, schema_version integer, data json, metadata json, occurred_ms bigint));

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
  SELECT positions[i.ord::int], i.id, i.stream, bases[i.s] + i.k, i.tenant, i.type, i.schema_version, i.data, i.metadata, i.occurred_at
  FROM unnest(batch) WITH ORDINALITY AS i(id, s, k, stream, tenant, type, schema_version, data, metadata, occurred_at, ord);
END
$$;

-- Down Migration
DROP FUNCTION pulse_append(text[], integer[], json, integer, text, integer);
DROP TYPE pulse_new_event;
-- The function of migration 1764000040000, as it was.
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
