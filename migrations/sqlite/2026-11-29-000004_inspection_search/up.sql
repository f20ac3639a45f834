-- What inspectors search by, kept by the writer in the same transaction as
-- the projection. Plates and cities are stored normalised (see
-- src/domain/plate.rs); every plate a waybill ever named stays findable.
CREATE TABLE shipment_facts (
    waybill_id         TEXT PRIMARY KEY REFERENCES waybills (id),
    excise             BOOLEAN NOT NULL,
    -- Space-separated 8-digit CN codes with a leading and trailing space,
    -- so a prefix search is LIKE '% 2203%'.
    cn_codes           TEXT NOT NULL,
    loading_country    TEXT NOT NULL,
    loading_city       TEXT NOT NULL,
    unloading_country  TEXT NOT NULL,
    unloading_city     TEXT NOT NULL
);
CREATE INDEX shipment_facts_loading ON shipment_facts (loading_country, loading_city);
CREATE INDEX shipment_facts_unloading ON shipment_facts (unloading_country, unloading_city);

CREATE TABLE shipment_plates (
    plate       TEXT NOT NULL,
    waybill_id  TEXT NOT NULL REFERENCES waybills (id),
    PRIMARY KEY (plate, waybill_id)
) WITHOUT ROWID;
