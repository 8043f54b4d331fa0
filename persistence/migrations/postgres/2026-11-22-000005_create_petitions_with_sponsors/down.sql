DROP INDEX signatures_creators_by_address;
DROP INDEX signatures_sponsors_of_petition;
DROP INDEX signatures_creator_of_petition;
ALTER TABLE email_outbox DROP COLUMN about_signature_id;
ALTER TABLE petitions DROP COLUMN sponsor_token;
