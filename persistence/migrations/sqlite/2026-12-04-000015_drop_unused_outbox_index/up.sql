-- Since mailings (migration 8) the delivery worker finds due emails through
-- email_outbox_due_personal and email_outbox_due_bulk, one for each kind of query it runs.
-- This older index on every pending email was left behind: no query reads it (PostgreSQL
-- counted no scan of it in a whole benchmark run), yet every queued email was written to it.
DROP INDEX email_outbox_pending;
