-- Cheaper appends, same rows, same hashes, same guarantees.
--
-- event_hash's body uses functions PostgreSQL rates STABLE (extract() on a timestamptz,
-- convert_to), so while the function was declared IMMUTABLE the planner refused to inline
-- it and every call from append_events ran as a separate SQL-function query. Declared
-- STABLE, it is inlined into the caller's expression. Its body, and so every hash, is unchanged.
ALTER FUNCTION event_hash(bytea, bigint, xid8, text, bigint, text, jsonb, jsonb, timestamptz) STABLE;

-- append_events, reworked so its cost no longer grows by one statement per event:
--  * positions and hashes are computed first (all their inputs are known once the stream's
--    version and last hash are read), then the events go in with one INSERT ... SELECT;
--  * a new stream's row is inserted with its final version and last hash, instead of an
--    insert at version 0 followed by an update;
--  * the identity sequence is looked up once per call, not once per event.
-- Unchanged: the per-stream advisory lock taken before the transaction gets an id, the
-- idempotency claim, the expected-version check (SQLSTATE SF409, actual version as HINT),
-- the hash chain, and the result rows.
CREATE OR REPLACE FUNCTION append_events(
    p_stream_id       text,
    p_stream_type     text,
    p_expected        bigint,
    p_types           text[],
    p_data            jsonb[],
    p_metadata        jsonb[],
    p_idempotency_key text)
RETURNS TABLE (global_position bigint, stream_version bigint, transaction_id xid8, recorded_at timestamptz, hash bytea, duplicate boolean)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    v_current   bigint;
    v_exists    boolean;
    v_hash      bytea;
    v_now       timestamptz := clock_timestamp();
    v_xid       xid8;
    v_count     int := coalesce(array_length(p_types, 1), 0);
    v_sequence  regclass;
    v_positions bigint[];
    v_hashes    bytea[];
    v_first     bigint;
    v_last      bigint;
    v_claimed   boolean;
    i           int;
BEGIN
    IF v_count = 0 THEN
        RAISE EXCEPTION 'an append needs at least one event' USING ERRCODE = 'invalid_parameter_value';
    END IF;

    -- Serialise writers of one stream before anything assigns this transaction an id,
    -- so that within a stream, transaction-id order (the feed's order) is version order.
    PERFORM pg_advisory_xact_lock(hashtextextended(p_stream_id, 0));

    IF p_idempotency_key IS NOT NULL THEN
        -- Claiming the key first makes a concurrent retry wait for this transaction,
        -- then find the key taken and return what this one stored.
        INSERT INTO stream_idempotency AS si (stream_id, idempotency_key)
        VALUES (p_stream_id, p_idempotency_key)
        ON CONFLICT DO NOTHING;
        v_claimed := FOUND;
        IF NOT v_claimed THEN
            SELECT si.first_version, si.last_version INTO v_first, v_last
            FROM stream_idempotency si
            WHERE si.stream_id = p_stream_id AND si.idempotency_key = p_idempotency_key;
            RETURN QUERY
                SELECT e.global_position, e.stream_version, e.transaction_id, e.recorded_at, e.hash, true
                FROM events e
                WHERE e.stream_id = p_stream_id AND e.stream_version BETWEEN v_first AND v_last
                ORDER BY e.stream_version;
            RETURN;
        END IF;
    END IF;

    v_xid := pg_current_xact_id();
    v_sequence := pg_get_serial_sequence('events', 'global_position')::regclass;

    LOOP
        SELECT s.version, s.last_hash INTO v_current, v_hash
        FROM streams s WHERE s.stream_id = p_stream_id FOR UPDATE;
        v_exists := FOUND;
        IF NOT v_exists THEN
            v_current := 0;
            v_hash := NULL;
        END IF;

        IF (p_expected = -1 AND v_exists) OR (p_expected >= 0 AND p_expected <> v_current) THEN
            RAISE EXCEPTION 'stream % is at version %, expected %', p_stream_id, v_current,
                CASE p_expected WHEN -1 THEN 'no stream' ELSE p_expected::text END
                USING ERRCODE = 'SF409', HINT = v_current::text;
        END IF;

        v_positions := '{}';
        v_hashes := '{}';
        FOR i IN 1 .. v_count LOOP
            v_positions[i] := nextval(v_sequence);
            v_hash := event_hash(v_hash, v_positions[i], v_xid, p_stream_id, v_current + i,
                                 p_types[i], p_data[i], p_metadata[i], v_now);
            v_hashes[i] := v_hash;
        END LOOP;

        IF v_exists THEN
            UPDATE streams s SET version = v_current + v_count, last_hash = v_hash, updated_at = v_now
            WHERE s.stream_id = p_stream_id;
            EXIT;
        END IF;

        INSERT INTO streams AS s (stream_id, stream_type, version, last_hash, updated_at)
        VALUES (p_stream_id, p_stream_type, v_count, v_hash, v_now)
        ON CONFLICT DO NOTHING;
        EXIT WHEN FOUND;
        -- Another writer created the stream and committed after it was read: read it again.
    END LOOP;

    INSERT INTO events (global_position, stream_id, stream_version, event_type, data,
                        metadata, recorded_at, transaction_id, hash)
    OVERRIDING SYSTEM VALUE
    SELECT u.e_position, p_stream_id, v_current + u.e_n, u.e_type, u.e_data,
           u.e_metadata, v_now, v_xid, u.e_hash
    FROM unnest(v_positions, p_types[1:v_count], p_data[1:v_count], p_metadata[1:v_count], v_hashes)
         WITH ORDINALITY AS u(e_position, e_type, e_data, e_metadata, e_hash, e_n);

    IF p_idempotency_key IS NOT NULL THEN
        UPDATE stream_idempotency si
        SET first_version = v_current + 1, last_version = v_current + v_count
        WHERE si.stream_id = p_stream_id AND si.idempotency_key = p_idempotency_key;
    END IF;

    RETURN QUERY
        SELECT u.e_position, v_current + u.e_n, v_xid, v_now, u.e_hash, false
        FROM unnest(v_positions, v_hashes) WITH ORDINALITY AS u(e_position, e_hash, e_n)
        ORDER BY u.e_n;
END;
$$;
