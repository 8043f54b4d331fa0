-- Invalidations (SPEC §2.4): a description of signatures to strike out, counted and run by
-- the workers a batch at a time. Criteria are stored in the form they are compared in.
CREATE TABLE invalidations (
    id BIGSERIAL PRIMARY KEY,
    summary TEXT NOT NULL,
    state TEXT NOT NULL,
    petition_id BIGINT REFERENCES petitions (id),
    name TEXT,
    email TEXT,
    domain TEXT,
    ip TEXT,
    postcode TEXT,
    constituency TEXT,
    country TEXT,
    signed_after TIMESTAMP,
    signed_before TIMESTAMP,
    matching_count BIGINT,
    counted_at TIMESTAMP,
    invalidated_count BIGINT NOT NULL DEFAULT 0,
    scanned_through BIGINT NOT NULL DEFAULT 0,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    started_at TIMESTAMP,
    finished_at TIMESTAMP
);
CREATE INDEX invalidations_running ON invalidations (id) WHERE state = 'running';
