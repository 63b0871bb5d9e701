-- Which revision of the rules that compute a read model's stored rows produced them. When the rules change
-- (how values are reconciled, which day a read answers for), the application rebuilds the read model from the
-- log at start and records the new revision here, so a database created by an older release serves the answers
-- the current rules give (src/SCOFacts.Api/ReadModels/ReadModelRevisions.cs).
CREATE TABLE read_model_revisions (
    projection text        PRIMARY KEY,
    revision   int         NOT NULL,
    rebuilt_at timestamptz NOT NULL DEFAULT clock_timestamp()
);

-- Sources the trust estimator found repeating each other count as one voice: the smallest source id of their copy
-- group, or NULL. Reconciliation of one fact reads it with the learned reliability.
ALTER TABLE source_trust ADD COLUMN copy_group text NULL;
