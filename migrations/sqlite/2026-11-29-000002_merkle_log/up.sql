-- The event log as an RFC 9162 Merkle tree. Only complete subtrees are
-- stored (level 0 = leaf hashes); they never change once written, so the
-- same append-only rule applies. A proof reads O(log n) of them.
CREATE TABLE tree_nodes (
    level  SMALLINT NOT NULL,
    idx    BIGINT NOT NULL,
    hash   BLOB NOT NULL,
    PRIMARY KEY (level, idx)
) WITHOUT ROWID;

-- Every checkpoint the service signed (C2SP tlog-checkpoint in a signed note).
CREATE TABLE checkpoints (
    size        BIGINT PRIMARY KEY,
    root_hash   BLOB NOT NULL,
    note        TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL
);

CREATE TRIGGER tree_nodes_no_update BEFORE UPDATE ON tree_nodes
BEGIN
    SELECT RAISE(ABORT, 'the event log is append-only: UPDATE refused');
END;
CREATE TRIGGER tree_nodes_no_delete BEFORE DELETE ON tree_nodes
BEGIN
    SELECT RAISE(ABORT, 'the event log is append-only: DELETE refused');
END;
CREATE TRIGGER checkpoints_no_update BEFORE UPDATE ON checkpoints
BEGIN
    SELECT RAISE(ABORT, 'the event log is append-only: UPDATE refused');
END;
CREATE TRIGGER checkpoints_no_delete BEFORE DELETE ON checkpoints
BEGIN
    SELECT RAISE(ABORT, 'the event log is append-only: DELETE refused');
END;
