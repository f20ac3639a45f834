-- Notifications. Parties subscribe webhooks to act types; the sequencer
-- writes, in the same transaction as the events, one row per concerned
-- party (the feed) and one delivery per matching webhook (the outbox), so
-- no committed event is missed and nothing uncommitted is ever sent.

CREATE TABLE webhooks (
    id           TEXT PRIMARY KEY,
    party_id     TEXT NOT NULL REFERENCES parties (id),
    url          TEXT NOT NULL,
    -- JSON array of act types, or ["*"].
    event_types  TEXT NOT NULL,
    description  TEXT,
    created_at   TIMESTAMP NOT NULL
);
CREATE INDEX webhooks_party ON webhooks (party_id, created_at);

-- No foreign key to webhooks: a webhook deleted while a batch is being
-- written must not make the batch (other parties' acts) fail. Deliveries of
-- a deleted webhook are never sent and are swept by the worker.
CREATE TABLE webhook_deliveries (
    id               TEXT PRIMARY KEY,
    webhook_id       TEXT NOT NULL,
    party_id         TEXT NOT NULL,
    waybill_id       TEXT NOT NULL,
    seq              BIGINT NOT NULL,
    event_type       TEXT NOT NULL,
    state            TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts         INTEGER NOT NULL,
    next_attempt_at  TIMESTAMP NOT NULL,
    -- Which worker holds the delivery, and until when (several instances
    -- may share the database; an expired lease may be taken over).
    lease_owner      TEXT,
    lease_until      TIMESTAMP,
    last_status      INTEGER,
    last_error       TEXT,
    last_attempt_at  TIMESTAMP,
    delivered_at     TIMESTAMP,
    created_at       TIMESTAMP NOT NULL,
    UNIQUE (webhook_id, seq)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at)
    WHERE state = 'pending';
CREATE INDEX webhook_deliveries_queue ON webhook_deliveries (webhook_id, waybill_id, seq)
    WHERE state = 'pending';

-- The feed: which events concerned which party, in log order.
CREATE TABLE party_events (
    party_id    TEXT NOT NULL,
    seq         BIGINT NOT NULL,
    waybill_id  TEXT NOT NULL,
    PRIMARY KEY (party_id, seq)
);
