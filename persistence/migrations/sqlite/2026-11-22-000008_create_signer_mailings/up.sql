-- An email to every confirmed, subscribed signer of a petition (a government response, a
-- debate, other business). It is expanded into outbox rows a batch at a time, in signature
-- id order: `queued_through` is the last signature id queued, so a crash resumes where the
-- last committed batch ended.
CREATE TABLE signer_mailings (
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
CREATE INDEX signer_mailings_unfinished ON signer_mailings (id) WHERE finished_at IS NULL;
CREATE INDEX signer_mailings_by_petition ON signer_mailings (petition_id);

-- No foreign key here, unlike PostgreSQL: SQLite can't drop a column that has one, so the
-- migration could not be reverted.
ALTER TABLE email_outbox ADD COLUMN mailing_id BIGINT;
-- The per-signature marker: one email per signature per mailing, whatever happens.
CREATE UNIQUE INDEX email_outbox_once_per_mailing ON email_outbox (mailing_id, signature_id)
    WHERE mailing_id IS NOT NULL;
-- Emails people are waiting for (confirmations) go before bulk mailings.
CREATE INDEX email_outbox_due_personal ON email_outbox (id)
    WHERE state = 'pending' AND mailing_id IS NULL;
CREATE INDEX email_outbox_due_bulk ON email_outbox (id)
    WHERE state = 'pending' AND mailing_id IS NOT NULL;

-- Finds a petition's subscribed signers in id order without reading the rest.
CREATE INDEX signatures_subscribed ON signatures (petition_id, id)
    WHERE state = 'validated' AND notify_by_email;
