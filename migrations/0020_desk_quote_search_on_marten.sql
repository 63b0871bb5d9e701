-- The desk's search looks in claims' quotes, which live only in the log. Migration 0008 indexed them in the old
-- events table; since the log moved to Marten's mt_events the search scanned every recorded claim. An index on
-- mt_events itself would be schema drift to Marten (its own check would ask to drop it), so the quotes are kept,
-- already turned into search documents, in a table of ours that a trigger fills as each ClaimRecorded event is
-- inserted, in the same transaction: it holds exactly the log's quotes, whoever appends (a write, the carry-over
-- of an old release's log), and needs no rebuild. The log is append-only (0013), so rows are only ever added.

CREATE TABLE desk_quotes (
    seq_id   bigint   PRIMARY KEY,
    fact_id  text     NOT NULL,
    document tsvector NOT NULL
);

CREATE INDEX desk_quotes_document ON desk_quotes USING gin (document);

CREATE FUNCTION desk_quotes_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO desk_quotes (seq_id, fact_id, document)
    VALUES (NEW.seq_id, NEW.data->>'factId', to_tsvector('simple'::regconfig, coalesce(NEW.data->>'quote', '')));
    RETURN NULL;
END
$$;

CREATE TRIGGER desk_quotes_add AFTER INSERT ON mt_events
    FOR EACH ROW WHEN (NEW.type = 'ClaimRecorded') EXECUTE FUNCTION desk_quotes_add();

INSERT INTO desk_quotes (seq_id, fact_id, document)
SELECT seq_id, data->>'factId', to_tsvector('simple'::regconfig, coalesce(data->>'quote', ''))
FROM mt_events WHERE type = 'ClaimRecorded';
