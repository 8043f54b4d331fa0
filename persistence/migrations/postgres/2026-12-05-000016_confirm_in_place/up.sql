-- Confirming a signature changes its state, validated_at and updated_at. While two indexes
-- named the state in their predicates, PostgreSQL wrote every confirmed row as a new tuple
-- on another page and added it to every index of the table, two of them keyed by email and
-- address, so in random places: in the benchmark that update took more of the database's
-- time (a fifth) and WAL (over a quarter) than any other statement. Now no index names what
-- confirming changes, so the confirmed version can go in place (a HOT update) and no index
-- is touched. Reconciliation and mailings, which read validated rows, read the state from
-- the rows themselves.
-- Migration 4 kept every index that signing can use led by the email or address, lest the
-- planner scan a viral petition's signatures for each group. This one, on the petition
-- alone, does not tempt it: with statistics taken when every petition had ten signatures
-- and 300,000 since on one, PostgreSQL 15 still chose the email and address indexes, for
-- custom and generic plans alike (estimated cost about 50 against about 4,000 this way).
DROP INDEX signatures_validated_by_petition;
CREATE INDEX signatures_by_petition ON signatures (petition_id);
DROP INDEX signatures_subscribed;
CREATE INDEX signatures_subscribed ON signatures (petition_id, id) WHERE notify_by_email;
-- A HOT update needs room on the row's own page: leave a third of each new page for the
-- confirmed versions of the rows signed onto it. The old versions are pruned as pages are
-- read again, so the room is used again by the next confirmations.
ALTER TABLE signatures SET (fillfactor = 70);
