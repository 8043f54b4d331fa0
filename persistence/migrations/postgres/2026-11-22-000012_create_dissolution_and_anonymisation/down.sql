DROP INDEX petitions_to_anonymise;
ALTER TABLE petitions DROP COLUMN anonymised_at;
ALTER TABLE petitions DROP COLUMN stopped_at;
DROP TABLE mailing_recipients;
ALTER TABLE parliaments DROP COLUMN notice_mailing_id;
DELETE FROM signer_mailings WHERE petition_id IS NULL;
ALTER TABLE signer_mailings ALTER COLUMN petition_id SET NOT NULL;
ALTER TABLE parliaments DROP COLUMN dissolution_announced_at;
ALTER TABLE parliaments DROP COLUMN dissolution_message;
