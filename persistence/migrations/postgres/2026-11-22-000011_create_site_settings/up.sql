-- The settings sysadmins change at run time: one row, read by every process every few
-- seconds. Starts with SPEC §1.2's defaults.
CREATE TABLE site_settings (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    moderation_threshold INTEGER NOT NULL,
    max_sponsors INTEGER NOT NULL,
    response_threshold BIGINT NOT NULL,
    debate_threshold BIGINT NOT NULL,
    duration_months INTEGER NOT NULL,
    collection_paused_since TIMESTAMP,
    -- The instant up to which the paused days were added to open petitions' deadlines.
    extended_through TIMESTAMP,
    trending_enabled BOOLEAN NOT NULL,
    breakdowns_enabled BOOLEAN NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
INSERT INTO site_settings VALUES (1, 5, 20, 10000, 100000, 6, NULL, NULL, TRUE, TRUE, CURRENT_TIMESTAMP);
