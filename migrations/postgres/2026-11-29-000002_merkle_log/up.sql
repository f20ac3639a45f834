-- The event log as an RFC 9162 Merkle tree. Only complete subtrees are
-- stored (level 0 = leaf hashes); they never change once written, so the
-- same append-only rule applies. A proof reads O(log n) of them.
CREATE TABLE tree_nodes (
    level  SMALLINT NOT NULL,
    idx    BIGINT NOT NULL,
    hash   BYTEA NOT NULL,
    PRIMARY KEY (level, idx)
);

-- Every checkpoint the service signed (C2SP tlog-checkpoint in a signed note).
CREATE TABLE checkpoints (
    size        BIGINT PRIMARY KEY,
    root_hash   BYTEA NOT NULL,
    note        TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL
);

CREATE TRIGGER tree_nodes_no_update_delete BEFORE UPDATE OR DELETE ON tree_nodes
    FOR EACH ROW EXECUTE FUNCTION events_append_only();
CREATE TRIGGER checkpoints_no_update_delete BEFORE UPDATE OR DELETE ON checkpoints
    FOR EACH ROW EXECUTE FUNCTION events_append_only();
