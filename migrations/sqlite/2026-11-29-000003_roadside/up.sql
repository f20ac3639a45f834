-- Roadside verification tokens: one per waybill. Only the token's SHA-256
-- (the lookup key) and the token sealed under a pad derived from the
-- service key are kept, so this table alone reveals no live token.
CREATE TABLE roadside_tokens (
    waybill_id    TEXT PRIMARY KEY REFERENCES waybills (id),
    token_hash    TEXT NOT NULL UNIQUE,
    token_sealed  TEXT NOT NULL,
    created_by    TEXT NOT NULL,
    created_at    TIMESTAMP NOT NULL
);
