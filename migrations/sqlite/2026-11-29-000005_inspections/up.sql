-- What roadside inspections found. The risk model learns from these, so
-- each records how the stop was chosen and with what probability: random
-- stops give an unbiased estimate of how precise the ranking is.
CREATE TABLE inspections (
    id                     TEXT PRIMARY KEY,
    waybill_id             TEXT NOT NULL REFERENCES waybills (id),
    party_id               TEXT NOT NULL REFERENCES parties (id),
    key_id                 TEXT NOT NULL,
    inspected_at           TIMESTAMP NOT NULL,
    recorded_at            TIMESTAMP NOT NULL,
    outcome                TEXT NOT NULL CHECK (outcome IN ('no_irregularity', 'irregularity')),
    category               TEXT,
    amount_at_stake        TEXT,
    currency               TEXT,
    selection              TEXT NOT NULL CHECK (selection IN ('ranking', 'random', 'other')),
    selection_probability  TEXT,
    note                   TEXT
);
CREATE INDEX inspections_waybill ON inspections (waybill_id, inspected_at);
