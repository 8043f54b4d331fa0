ALTER TABLE email_outbox RESET (fillfactor);
