-- The ledger: parties and their keys, the append-only event log, and the
-- waybill projection derived from it. Timestamps are UTC (set in Rust).

CREATE TABLE parties (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('operator', 'company', 'authority', 'auditor', 'oversight')),
    name        TEXT NOT NULL,
    reg_no      TEXT NOT NULL,
    country     TEXT NOT NULL,
    vat_no      TEXT,
    address     TEXT,
    log_seq     BIGINT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    UNIQUE (reg_no, country)
);

CREATE TABLE party_keys (
    key_id          TEXT PRIMARY KEY,
    party_id        TEXT NOT NULL REFERENCES parties (id),
    public_key      TEXT NOT NULL UNIQUE,
    label           TEXT NOT NULL,
    registered_seq  BIGINT NOT NULL,
    registered_at   TIMESTAMP NOT NULL,
    revoked_seq     BIGINT,
    revoked_at      TIMESTAMP
);
CREATE INDEX party_keys_party ON party_keys (party_id);

-- One row: where the log stands. Every write batch updates it first, which
-- serialises batches across processes (row lock on PostgreSQL, the write lock
-- on SQLite) so the global sequence can never fork.
CREATE TABLE log_state (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    size        BIGINT NOT NULL,
    batches     BIGINT NOT NULL
);
INSERT INTO log_state (id, size, batches) VALUES (1, 0, 0);

CREATE TABLE events (
    seq          BIGINT PRIMARY KEY,
    hash         TEXT NOT NULL UNIQUE,
    waybill_id   TEXT,
    act_type     TEXT NOT NULL,
    act          TEXT NOT NULL,
    signature    TEXT NOT NULL,
    key_id       TEXT NOT NULL,
    party_id     TEXT,
    received_at  TIMESTAMP NOT NULL
);
CREATE INDEX events_waybill ON events (waybill_id, seq);

CREATE FUNCTION events_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the event log is append-only: % refused', TG_OP;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER events_no_update_delete BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION events_append_only();
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION events_append_only();

CREATE TABLE waybills (
    id            TEXT PRIMARY KEY,
    number        TEXT NOT NULL,
    consignor_id  TEXT NOT NULL REFERENCES parties (id),
    carrier_id    TEXT NOT NULL REFERENCES parties (id),
    consignee_id  TEXT NOT NULL REFERENCES parties (id),
    status        TEXT NOT NULL,
    version       BIGINT NOT NULL,
    head          TEXT NOT NULL,
    issue_date    TEXT NOT NULL,
    state         TEXT NOT NULL,
    created_seq   BIGINT NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL,
    UNIQUE (consignor_id, number)
);
CREATE INDEX waybills_consignor ON waybills (consignor_id, created_seq);
CREATE INDEX waybills_carrier ON waybills (carrier_id, created_seq);
CREATE INDEX waybills_consignee ON waybills (consignee_id, created_seq);
CREATE INDEX waybills_status ON waybills (status, created_seq);

-- Single-use client assertions (jti), kept until they expire.
CREATE TABLE used_assertions (
    key_id      TEXT NOT NULL,
    jti         TEXT NOT NULL,
    expires_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (key_id, jti)
);
CREATE INDEX used_assertions_expiry ON used_assertions (expires_at);

-- Who among the authorities read what. Never exposed to companies.
CREATE TABLE access_audit (
    id           TEXT PRIMARY KEY,
    at           TIMESTAMP NOT NULL,
    party_id     TEXT NOT NULL,
    key_id       TEXT NOT NULL,
    action       TEXT NOT NULL,
    waybill_id   TEXT,
    query        TEXT,
    result_count BIGINT
);
CREATE INDEX access_audit_at ON access_audit (at);
CREATE INDEX access_audit_waybill ON access_audit (waybill_id);
