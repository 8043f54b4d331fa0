CREATE INDEX email_outbox_pending ON email_outbox (id) WHERE state = 'pending';
