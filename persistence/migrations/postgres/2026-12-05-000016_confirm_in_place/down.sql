ALTER TABLE signatures RESET (fillfactor);
DROP INDEX signatures_subscribed;
CREATE INDEX signatures_subscribed ON signatures (petition_id, id)
    WHERE state = 'validated' AND notify_by_email;
DROP INDEX signatures_by_petition;
CREATE INDEX signatures_validated_by_petition ON signatures (petition_id) WHERE state = 'validated';
