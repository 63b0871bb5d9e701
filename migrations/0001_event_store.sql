-- The event store: streams, the append-only event log, idempotency records,
-- projection checkpoints and the global digest chain.

CREATE TABLE streams (
    stream_id   text        PRIMARY KEY,
    stream_type text        NOT NULL,
    version     bigint      NOT NULL CHECK (version >= 0),
    -- The hash of the stream's last event, so an append chains without reading the log.
    last_hash   bytea       NULL,
    created_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE TABLE events (
    global_position bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- No foreign key to streams: append_events is the only writer of both and keeps them
    -- in step under the stream's lock; the verifier checks every stream head against its events.
    stream_id       text        NOT NULL,
    stream_version  bigint      NOT NULL CHECK (stream_version >= 1),
    event_type      text        NOT NULL,
    data            jsonb       NOT NULL,
    metadata        jsonb       NOT NULL,
    recorded_at     timestamptz NOT NULL,
    transaction_id  xid8        NOT NULL DEFAULT pg_current_xact_id(),
    hash            bytea       NOT NULL,
    CONSTRAINT events_stream_version_unique UNIQUE (stream_id, stream_version)
);

-- The commit-order feed reads (transaction_id, global_position) ranges.
CREATE INDEX events_feed_order ON events (transaction_id, global_position);

-- One row per (stream, idempotency key): a retried append finds the original result here.
CREATE TABLE stream_idempotency (
    stream_id       text        NOT NULL,
    idempotency_key text        NOT NULL,
    first_version   bigint      NULL,
    last_version    bigint      NULL,
    recorded_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (stream_id, idempotency_key)
);

CREATE TABLE projection_checkpoints (
    name            text        PRIMARY KEY,
    transaction_id  xid8        NOT NULL DEFAULT '0'::xid8,
    global_position bigint      NOT NULL DEFAULT 0,
    updated_at      timestamptz NOT NULL DEFAULT clock_timestamp()
);

-- A running SHA-256 over every event hash in commit order; each row is a
-- digest an auditor can keep and later check the log still extends.
CREATE TABLE event_digests (
    digest_id       bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    transaction_id  xid8        NOT NULL,
    global_position bigint      NOT NULL,
    event_count     bigint      NOT NULL,
    digest          bytea       NOT NULL,
    computed_at     timestamptz NOT NULL DEFAULT clock_timestamp()
);

-- The log is append-only, enforced by the database for every role but a superuser
-- who deliberately disables the trigger (which the tamper tests do).
CREATE FUNCTION events_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'events are append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER events_append_only
    BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION events_refuse_change();

CREATE TRIGGER events_no_truncate
    BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION events_refuse_change();

-- The bytes an event's hash covers. The verifier rebuilds exactly this text from
-- the stored row in C#; change both together or not at all.
CREATE FUNCTION event_hash(
    previous        bytea,
    global_position bigint,
    transaction_id  xid8,
    stream_id       text,
    stream_version  bigint,
    event_type      text,
    data            jsonb,
    metadata        jsonb,
    recorded_at     timestamptz) RETURNS bytea
-- STABLE, not IMMUTABLE: extract() on a timestamptz and convert_to are STABLE, and an
-- honestly declared SQL function is inlined into append_events instead of called per event.
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT sha256(convert_to(
        coalesce(encode(previous, 'hex'), '') || E'\n' ||
        global_position::text || E'\n' ||
        transaction_id::text || E'\n' ||
        stream_id || E'\n' ||
        stream_version::text || E'\n' ||
        event_type || E'\n' ||
        data::text || E'\n' ||
        metadata::text || E'\n' ||
        ((extract(epoch FROM recorded_at) * 1000000)::bigint)::text,
        'UTF8'));
$$;

-- Appends events to one stream atomically. p_expected: -2 any, -1 no stream,
-- n >= 0 exact (a stream that does not exist is at version 0).
-- A lost race raises SQLSTATE SF409 with the actual version as the HINT (clients redact DETAIL).
-- A repeated idempotency key returns the original events with duplicate = true.
CREATE FUNCTION append_events(
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
