-- Postcode lookups: full postcodes where we have them, sectors (`SW1A 1`) as the fallback.
-- No foreign key to constituencies: a directory may name codes we don't list, and those
-- signers are simply counted with no constituency.
CREATE TABLE postcodes (
    postcode TEXT PRIMARY KEY,
    ons_code TEXT NOT NULL
);

CREATE TABLE postcode_sectors (
    sector TEXT PRIMARY KEY,
    ons_code TEXT NOT NULL
);

-- Counts of imported petitions come from the official site, not from rows here; the
-- reconciliation leaves them alone.
ALTER TABLE petitions ADD COLUMN imported_at TIMESTAMP;

CREATE TABLE signatures (
    id BIGSERIAL PRIMARY KEY,
    petition_id BIGINT NOT NULL REFERENCES petitions (id) ON DELETE CASCADE,
    state TEXT NOT NULL,
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    email_lower TEXT NOT NULL,
    canonical_email TEXT NOT NULL,
    location_code TEXT NOT NULL,
    postcode TEXT,
    constituency_code TEXT,
    ip_address TEXT,
    notify_by_email BOOLEAN NOT NULL,
    confirmation_token TEXT NOT NULL,
    unsubscribe_token TEXT NOT NULL,
    creator BOOLEAN NOT NULL DEFAULT FALSE,
    sponsor BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    validated_at TIMESTAMP,
    -- Set when the counter has added the signature to its petition's counts.
    counted_at TIMESTAMP
);
CREATE INDEX signatures_by_email ON signatures (petition_id, email_lower);
CREATE INDEX signatures_by_canonical_email ON signatures (petition_id, canonical_email);
CREATE INDEX signatures_by_address ON signatures (petition_id, ip_address, created_at);
-- The counter's queue: small, because rows leave it once counted.
CREATE INDEX signatures_to_count ON signatures (id) WHERE state = 'validated' AND counted_at IS NULL;

CREATE TABLE petition_hourly_signatures (
    petition_id BIGINT NOT NULL REFERENCES petitions (id) ON DELETE CASCADE,
    hour TIMESTAMP NOT NULL,
    signature_count BIGINT NOT NULL CHECK (signature_count >= 0),
    PRIMARY KEY (petition_id, hour)
);
CREATE INDEX petition_hourly_signatures_by_hour ON petition_hourly_signatures (hour);

-- Emails are written here in the same transaction as what caused them and rendered when
-- the delivery worker sends them, so nothing acknowledged goes unsent.
CREATE TABLE email_outbox (
    id BIGSERIAL PRIMARY KEY,
    kind TEXT NOT NULL,
    signature_id BIGINT REFERENCES signatures (id) ON DELETE CASCADE,
    state TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    locked_until TIMESTAMP,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP
);
CREATE INDEX email_outbox_due ON email_outbox (next_attempt_at) WHERE state = 'pending';

CREATE TABLE signing_list_entries (
    id BIGSERIAL PRIMARY KEY,
    list TEXT NOT NULL CHECK (list IN ('block', 'allow')),
    kind TEXT NOT NULL CHECK (kind IN ('domain', 'ip', 'email')),
    pattern TEXT NOT NULL,
    note TEXT,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (list, kind, pattern)
);
