-- The event log is append-only, and the database says so: UPDATE, DELETE and TRUNCATE on
-- Marten's events table are refused, whoever asks. Marten only inserts there in normal work
-- (its "tombstone" rows for failed saves are inserts too, so they pass). Archiving streams
-- and Marten's Advanced.Clean need UPDATE or DELETE and are therefore refused as well: tests
-- use a fresh database per class instead of cleaning one.
--
-- The streams table is not guarded: Marten updates its version and timestamp on every append.
--
-- idle_in_transaction_session_timeout: a session left idle inside a transaction holds back
-- the async daemon, which never skips a gap that a live transaction may still fill (gap
-- skipping by transaction evidence only, ADR 005). Ending such sessions after a while bounds
-- how long projections can be held back. Set per database, so it applies to every session of
-- this application whatever server it runs on; a server-wide setting still wins if lower.

CREATE FUNCTION refuse_event_log_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the event log is append-only: % on % is refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'Record a new event instead (a correction, retraction or rejection).';
END
$$;

CREATE TRIGGER mt_events_append_only
    BEFORE UPDATE OR DELETE ON mt_events
    FOR EACH ROW EXECUTE FUNCTION refuse_event_log_change();

CREATE TRIGGER mt_events_no_truncate
    BEFORE TRUNCATE ON mt_events
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_event_log_change();

-- Only the database's owner (or a superuser) may set it: any other role gets a warning and the
-- server's own setting, rather than a failed migration.
DO $$
BEGIN
    EXECUTE format('ALTER DATABASE %I SET idle_in_transaction_session_timeout = %L', current_database(), '1min');
EXCEPTION WHEN insufficient_privilege THEN
    RAISE WARNING 'idle_in_transaction_session_timeout not set on %: only its owner may; set it on the server', current_database();
END
$$;
