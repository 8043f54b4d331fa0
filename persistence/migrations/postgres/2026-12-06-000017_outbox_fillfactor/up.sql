-- The delivery worker updates each email twice: the claim's lease (locked_until, attempts),
-- then its outcome (state, sent_at). The lease changes no indexed column, so PostgreSQL can
-- write it in place (a HOT update, no new index entries) when the row's page has room; the
-- outcome changes `state`, which the due indexes name, so it never can. Rows are appended
-- to full pages, so in the benchmark only 13-15% of the outbox's updates were HOT; with
-- room left on each page, 37% were. CPU per signature did not move beyond the noise in 20 s
-- runs; what this saves is index entries and dead tuples, which grow with a long day.
ALTER TABLE email_outbox SET (fillfactor = 60);
