-- Seat-map views per sector (the "accesses per sector" of the organizer report), counted in 8 slots per
-- sector so concurrent viewers do not queue on one row.
CREATE TABLE sector_views (
    sector_id uuid NOT NULL REFERENCES sectors (id),
    slot      smallint NOT NULL,
    views     bigint NOT NULL,
    PRIMARY KEY (sector_id, slot)
);
