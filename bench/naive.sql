-- The naive baseline (bench/run): the same writes as the service makes for one fully
-- confirmed signature (store it, queue its email, confirm it, count it), but in one
-- transaction per signature with a +1 on the petition row: the pattern that made the
-- official site's database fall over on one hot row.
\set n random(1, 2000000000)
BEGIN;
INSERT INTO signatures (petition_id, state, name, email, email_lower, canonical_email,
    location_code, postcode, constituency_code, ip_address, notify_by_email,
    confirmation_token, unsubscribe_token, created_at, updated_at)
VALUES (:petition, 'pending', 'Naive Signer', 'n' || :n || '@naive.example',
    'n' || :n || '@naive.example', 'n' || :n || '@naive.example', 'GB', 'SW1A1AA',
    'E14001172', '10.0.0.1', false, md5(:n::text), md5((:n + 1)::text), now(), now())
RETURNING id AS signature_id \gset
INSERT INTO email_outbox (kind, signature_id, state, next_attempt_at, created_at)
VALUES ('signature_confirmation', :signature_id, 'sent', now(), now());
UPDATE signatures SET state = 'validated', validated_at = now()
WHERE id = :signature_id;
UPDATE petitions SET signature_count = signature_count + 1, updated_at = now()
WHERE id = :petition;
COMMIT;
