DROP TABLE signing_list_entries;
DROP TABLE email_outbox;
DROP TABLE petition_hourly_signatures;
DROP TABLE signatures;
ALTER TABLE petitions DROP COLUMN imported_at;
DROP TABLE postcode_sectors;
DROP TABLE postcodes;
