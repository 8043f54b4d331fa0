DROP INDEX signatures_subscribed;
DROP INDEX email_outbox_due_bulk;
DROP INDEX email_outbox_due_personal;
DROP INDEX email_outbox_once_per_mailing;
ALTER TABLE email_outbox DROP COLUMN mailing_id;
DROP TABLE signer_mailings;
