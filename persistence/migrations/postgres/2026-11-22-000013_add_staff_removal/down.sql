ALTER TABLE staff_accounts DROP COLUMN removed_at;
