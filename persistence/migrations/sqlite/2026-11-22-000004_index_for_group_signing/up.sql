-- Signing looks up a group's emails and addresses on a petition in one query each. The email
-- or address leads each index, so no index on the petition alone can tempt the planner: with
-- a generic plan (or statistics from before a petition went viral) it would otherwise scan
-- every signature of the petition for each group. Emails equal when lower-cased share their
-- canonical form, so the canonical email is the only one to look up.
DROP INDEX signatures_by_email;
DROP INDEX signatures_by_canonical_email;
DROP INDEX signatures_by_address;
CREATE INDEX signatures_by_canonical_email ON signatures (canonical_email, petition_id);
CREATE INDEX signatures_by_address ON signatures (ip_address, petition_id, created_at);
-- Reconciliation reads a petition's counted signatures; the signing queries can't use this.
CREATE INDEX signatures_counted_by_petition ON signatures (petition_id) WHERE counted_at IS NOT NULL;
-- The delivery worker takes the oldest pending emails first: an index in that order finds
-- them without reading past the sent ones.
DROP INDEX email_outbox_due;
CREATE INDEX email_outbox_pending ON email_outbox (id) WHERE state = 'pending';
