DROP TABLE service_secrets;
DROP TABLE revoked_tokens;
DROP TABLE integration_tokens;
DROP TABLE staff_accounts;
