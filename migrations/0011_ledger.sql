-- The ledger: a Merkle tree over the events (RFC 6962/9162), sealed by the
-- sealer in batches. docs/ledger.md specifies the hashes and formats.

-- One row per sealed event; leaf_index is the event's place in the tree.
CREATE TABLE ledger_leaves (
    leaf_index bigint PRIMARY KEY CHECK (leaf_index >= 0),
    position   bigint NOT NULL CHECK (position >= 1),
    event_id   uuid   NOT NULL,
    leaf_hash  bytea  NOT NULL CHECK (octet_length(leaf_hash) = 32),
    -- An event is sealed once: by its position and by its identity.
    CONSTRAINT ledger_leaves_position_unique UNIQUE (position),
    CONSTRAINT ledger_leaves_event_unique UNIQUE (event_id)
);

-- Complete subtrees only: the node at (level, node_index) covers leaves
-- [node_index * 2^level, (node_index + 1) * 2^level). Written once, when its
-- last leaf is sealed; the ragged right edge is computed, never stored, so no
-- row ever needs changing.
CREATE TABLE ledger_nodes (
    level      smallint NOT NULL CHECK (level BETWEEN 1 AND 62),
    node_index bigint   NOT NULL CHECK (node_index >= 0),
    hash       bytea    NOT NULL CHECK (octet_length(hash) = 32),
    PRIMARY KEY (level, node_index)
);

-- Each sealed range of positions (after_position, through_position]: how far
-- the sealer has come, so a batch that skips positions is caught as a gap.
CREATE TABLE ledger_batches (
    batch_id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    after_position   bigint      NOT NULL CHECK (after_position >= 0),
    through_position bigint      NOT NULL,
    first_leaf       bigint      NOT NULL CHECK (first_leaf >= 0),
    leaf_count       integer     NOT NULL CHECK (leaf_count >= 0),
    sealed_at        timestamptz NOT NULL DEFAULT clock_timestamp(),
    CONSTRAINT ledger_batches_range CHECK (through_position > after_position),
    CONSTRAINT ledger_batches_through_unique UNIQUE (through_position)
);

-- Signed tree heads, one per size signed.
CREATE TABLE ledger_checkpoints (
    tree_size  bigint      PRIMARY KEY CHECK (tree_size >= 0),
    root_hash  bytea       NOT NULL CHECK (octet_length(root_hash) = 32),
    checkpoint text        NOT NULL,
    signed_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);

-- Append-only, like the event log: refused for every role but a superuser who
-- deliberately disables the triggers.
CREATE FUNCTION ledger_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the ledger is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER ledger_leaves_append_only BEFORE UPDATE OR DELETE ON ledger_leaves
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_leaves_no_truncate BEFORE TRUNCATE ON ledger_leaves
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_nodes_append_only BEFORE UPDATE OR DELETE ON ledger_nodes
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_nodes_no_truncate BEFORE TRUNCATE ON ledger_nodes
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_batches_append_only BEFORE UPDATE OR DELETE ON ledger_batches
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_batches_no_truncate BEFORE TRUNCATE ON ledger_batches
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_checkpoints_append_only BEFORE UPDATE OR DELETE ON ledger_checkpoints
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_checkpoints_no_truncate BEFORE TRUNCATE ON ledger_checkpoints
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
