DROP INDEX signatures_validated_by_petition;
ALTER TABLE signatures ADD COLUMN counted_at TIMESTAMP;
UPDATE signatures SET counted_at = COALESCE(validated_at, updated_at)
WHERE state = 'validated' AND id NOT IN (SELECT signature_id FROM count_queue);
CREATE INDEX signatures_to_count ON signatures (id) WHERE state = 'validated' AND counted_at IS NULL;
CREATE INDEX signatures_counted_by_petition ON signatures (petition_id) WHERE counted_at IS NOT NULL;
DROP TABLE count_queue;
