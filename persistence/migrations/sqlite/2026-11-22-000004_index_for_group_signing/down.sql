DROP INDEX email_outbox_pending;
CREATE INDEX email_outbox_due ON email_outbox (next_attempt_at) WHERE state = 'pending';
DROP INDEX signatures_counted_by_petition;
DROP INDEX signatures_by_address;
DROP INDEX signatures_by_canonical_email;
CREATE INDEX signatures_by_email ON signatures (petition_id, email_lower);
CREATE INDEX signatures_by_canonical_email ON signatures (petition_id, canonical_email);
CREATE INDEX signatures_by_address ON signatures (petition_id, ip_address, created_at);
