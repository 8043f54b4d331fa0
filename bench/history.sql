-- A day on a live service doesn't start from empty tables: give the benchmark database the
-- history it would have (closed petitions, their confirmed and counted signatures and the
-- emails sent for them), and statistics that describe it, as autovacuum would have by then.
-- bench/run loads this after migrating; `:signatures` is set by the caller.
INSERT INTO petitions (id, action, state, signature_count, created_at, updated_at)
SELECT 900000 + p, 'A petition from before the benchmark, number ' || p, 'closed', 0,
       now() - interval '200 days', now() - interval '20 days'
FROM generate_series(0, 199) AS p;

INSERT INTO signatures (petition_id, state, name, email, email_lower, canonical_email,
    location_code, postcode, constituency_code, ip_address, notify_by_email,
    confirmation_token, unsubscribe_token, created_at, updated_at, validated_at)
SELECT 900000 + (n % 200), 'validated', 'Past Signer ' || n, 'past' || n || '@history.example',
       'past' || n || '@history.example', 'past' || n || '@history.example', 'GB', 'SW1A1AA',
       'E14001172', '172.16.' || (n / 250 % 250) || '.' || (n % 250), false,
       md5(n::text), md5((-n)::text), now() - interval '30 days', now() - interval '30 days',
       now() - interval '30 days'
FROM generate_series(1, :signatures) AS n;

INSERT INTO email_outbox (kind, signature_id, state, attempts, next_attempt_at, created_at, sent_at)
SELECT 'signature_confirmation', id, 'sent', 1, created_at, created_at, created_at
FROM signatures;

UPDATE petitions p SET signature_count = c.n
FROM (SELECT petition_id, count(*) AS n FROM signatures GROUP BY petition_id) c
WHERE p.id = c.petition_id;

VACUUM ANALYZE;
