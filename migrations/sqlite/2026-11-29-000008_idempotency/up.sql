-- Idempotency keys: the first response to a POST that carried an
-- Idempotency-Key, so a retry (after a timeout or a lost connection) gets
-- the same answer instead of doing the work twice. Scoped to the caller's
-- party; kept at least 24 hours, then purged.
CREATE TABLE idempotency_keys (
    party_id      TEXT NOT NULL REFERENCES parties (id),
    idem_key      TEXT NOT NULL,
    method        TEXT NOT NULL,
    path          TEXT NOT NULL,
    -- Lowercase hex SHA-256 of the request body.
    request_hash  TEXT NOT NULL,
    -- NULL while the first request is still being processed.
    status        INTEGER,
    content_type  TEXT,
    location      TEXT,
    body          BLOB,
    created_at    TIMESTAMP NOT NULL,
    expires_at    TIMESTAMP NOT NULL,
    PRIMARY KEY (party_id, idem_key)
);
CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);
