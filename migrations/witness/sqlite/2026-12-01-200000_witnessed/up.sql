-- The witness's own database (ewaybill witness), never the service's:
-- per log origin, the latest checkpoint it cosigned.
CREATE TABLE witnessed (
    origin TEXT PRIMARY KEY NOT NULL,
    size BIGINT NOT NULL CHECK (size >= 0),
    root_hash BLOB NOT NULL,
    -- The checkpoint as received, with the witness's cosignature added.
    note TEXT NOT NULL,
    cosigned_at BIGINT NOT NULL
);
