-- Risk scores as they were served to inspectors: the model version and the
-- factor strengths reproduce each score later; the selection (ranking or
-- random) and its probability make outcome-based precision estimates and
-- training unbiased. Rows are only ever added.
CREATE TABLE risk_assessments (
    id                     TEXT PRIMARY KEY,
    waybill_id             TEXT NOT NULL REFERENCES waybills (id),
    model_version          TEXT NOT NULL,
    score                  INTEGER NOT NULL CHECK (score BETWEEN 0 AND 100),
    band                   TEXT NOT NULL CHECK (band IN ('low', 'medium', 'high')),
    inputs                 TEXT NOT NULL,
    reasons                TEXT NOT NULL,
    selection              TEXT NOT NULL CHECK (selection IN ('ranking', 'random', 'search')),
    selection_probability  TEXT NOT NULL,
    party_id               TEXT NOT NULL REFERENCES parties (id),
    assessed_at            TIMESTAMP NOT NULL
);
CREATE INDEX risk_assessments_waybill ON risk_assessments (waybill_id, assessed_at);

-- An inspection can name the assessment that led to the stop, so training
-- uses the factors as they were when the truck was chosen.
ALTER TABLE inspections ADD COLUMN assessment_id TEXT REFERENCES risk_assessments (id);
