-- Dissolution: when it was announced and what it says, and the one email to every
-- subscribed signer of an open petition, sent as a mailing that belongs to no petition.
ALTER TABLE parliaments ADD COLUMN dissolution_message TEXT;
ALTER TABLE parliaments ADD COLUMN dissolution_announced_at TIMESTAMP;

-- SQLite can't drop NOT NULL in place: the table is rebuilt. Nothing references it by a
-- foreign key here (see migration 8).
CREATE TABLE signer_mailings_new (
    id INTEGER PRIMARY KEY NOT NULL,
    petition_id BIGINT REFERENCES petitions (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    queued_through BIGINT NOT NULL DEFAULT 0,
    queued BIGINT NOT NULL DEFAULT 0,
    finished_at TIMESTAMP
);
INSERT INTO signer_mailings_new SELECT id, petition_id, kind, subject, body, requested_by,
    created_at, queued_through, queued, finished_at FROM signer_mailings;
DROP TABLE signer_mailings;
ALTER TABLE signer_mailings_new RENAME TO signer_mailings;
CREATE INDEX signer_mailings_unfinished ON signer_mailings (id) WHERE finished_at IS NULL;
CREATE INDEX signer_mailings_by_petition ON signer_mailings (petition_id);

-- No foreign key, so the column can be dropped again (see migration 8).
ALTER TABLE parliaments ADD COLUMN notice_mailing_id BIGINT;

-- A mailing to signers of many petitions reaches each address once: the first signature
-- queued for an address claims it.
CREATE TABLE mailing_recipients (
    mailing_id BIGINT NOT NULL,
    canonical_email TEXT NOT NULL,
    signature_id BIGINT NOT NULL,
    PRIMARY KEY (mailing_id, canonical_email)
);

ALTER TABLE petitions ADD COLUMN stopped_at TIMESTAMP;
-- Set once its signers' personal details have been wiped, six months after it stopped
-- collecting.
ALTER TABLE petitions ADD COLUMN anonymised_at TIMESTAMP;
CREATE INDEX petitions_to_anonymise ON petitions (id)
    WHERE anonymised_at IS NULL AND state IN ('closed', 'rejected', 'hidden', 'stopped');
