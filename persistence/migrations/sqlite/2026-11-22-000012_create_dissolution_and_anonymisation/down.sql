DROP INDEX petitions_to_anonymise;
ALTER TABLE petitions DROP COLUMN anonymised_at;
ALTER TABLE petitions DROP COLUMN stopped_at;
DROP TABLE mailing_recipients;
ALTER TABLE parliaments DROP COLUMN notice_mailing_id;
DELETE FROM email_outbox
    WHERE mailing_id IN (SELECT id FROM signer_mailings WHERE petition_id IS NULL);

CREATE TABLE signer_mailings_old (
    id INTEGER PRIMARY KEY NOT NULL,
    petition_id BIGINT NOT NULL REFERENCES petitions (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    queued_through BIGINT NOT NULL DEFAULT 0,
    queued BIGINT NOT NULL DEFAULT 0,
    finished_at TIMESTAMP
);
INSERT INTO signer_mailings_old SELECT id, petition_id, kind, subject, body, requested_by,
    created_at, queued_through, queued, finished_at FROM signer_mailings
    WHERE petition_id IS NOT NULL;
DROP TABLE signer_mailings;
ALTER TABLE signer_mailings_old RENAME TO signer_mailings;
CREATE INDEX signer_mailings_unfinished ON signer_mailings (id) WHERE finished_at IS NULL;
CREATE INDEX signer_mailings_by_petition ON signer_mailings (petition_id);

ALTER TABLE parliaments DROP COLUMN dissolution_announced_at;
ALTER TABLE parliaments DROP COLUMN dissolution_message;
