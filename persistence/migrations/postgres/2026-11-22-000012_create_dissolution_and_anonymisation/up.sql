-- Dissolution: when it was announced and what it says, and the one email to every
-- subscribed signer of an open petition, sent as a mailing that belongs to no petition.
ALTER TABLE parliaments ADD COLUMN dissolution_message TEXT;
ALTER TABLE parliaments ADD COLUMN dissolution_announced_at TIMESTAMP;
ALTER TABLE signer_mailings ALTER COLUMN petition_id DROP NOT NULL;
ALTER TABLE parliaments ADD COLUMN notice_mailing_id BIGINT REFERENCES signer_mailings (id);

-- A mailing to signers of many petitions reaches each address once: the first signature
-- queued for an address claims it.
CREATE TABLE mailing_recipients (
    mailing_id BIGINT NOT NULL REFERENCES signer_mailings (id) ON DELETE CASCADE,
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
