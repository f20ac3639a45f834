-- Which log this database holds, so that a service key signs one log only:
-- the data directory records the same log_id (log_binding.json) and the
-- service refuses to start when the two disagree. One row, written on the
-- first start that finds none.
CREATE TABLE log_binding (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    -- A random UUID naming this log.
    log_id      TEXT NOT NULL,
    -- The checkpoint origin and the service key id (RFC 7638) it was bound to.
    origin      TEXT NOT NULL,
    key_id      TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL
);
