-- The counter's queue as a table of its own. Confirming used to leave the signature row for
-- the counter to update a second time (`counted_at`); each update of that wide row, with its
-- many indexes, cost as much as the confirmation itself. Now confirming writes the signature
-- once and a narrow row here, with what counting needs; the counter adds a batch of these
-- to their petitions and deletes them in the same transaction. A validated signature is
-- counted exactly when it has no row here.
CREATE TABLE count_queue (
    signature_id BIGINT PRIMARY KEY REFERENCES signatures (id) ON DELETE CASCADE,
    petition_id BIGINT NOT NULL,
    location_code TEXT NOT NULL,
    constituency_code TEXT,
    validated_at TIMESTAMP NOT NULL
);
INSERT INTO count_queue (signature_id, petition_id, location_code, constituency_code, validated_at)
SELECT id, petition_id, location_code, constituency_code, COALESCE(validated_at, updated_at)
FROM signatures
WHERE state = 'validated' AND counted_at IS NULL;

DROP INDEX signatures_to_count;
DROP INDEX signatures_counted_by_petition;
ALTER TABLE signatures DROP COLUMN counted_at;
-- Reconciliation reads a petition's validated signatures.
CREATE INDEX signatures_validated_by_petition ON signatures (petition_id) WHERE state = 'validated';
