-- A removed member of staff can't sign in, and their tokens stop working at once. The row
-- stays: the audit log and the integration tokens they issued still name them.
ALTER TABLE staff_accounts ADD COLUMN removed_at TIMESTAMP;
