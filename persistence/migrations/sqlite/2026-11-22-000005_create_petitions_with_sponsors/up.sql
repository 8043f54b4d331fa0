-- Whoever holds a petition's sponsor token may support it before it is published: the
-- creator shares the link that carries it.
ALTER TABLE petitions ADD COLUMN sponsor_token TEXT;
-- An email about one signature sent to another's signer: "a supporter signed your petition".
-- No foreign key here, unlike PostgreSQL: SQLite can't drop a column that has one, so the
-- migration could not be reverted. Both signatures belong to one petition and are deleted with
-- it, the email with them.
ALTER TABLE email_outbox ADD COLUMN about_signature_id BIGINT;
-- Creators and sponsors are few; these find them without reading a petition's signatures.
CREATE INDEX signatures_creator_of_petition ON signatures (petition_id) WHERE creator;
CREATE INDEX signatures_sponsors_of_petition ON signatures (petition_id) WHERE sponsor;
-- The creation rate limit counts an address's petitions across the site.
CREATE INDEX signatures_creators_by_address ON signatures (ip_address, created_at) WHERE creator;
