-- Staff who sign in to /admin. Passwords are argon2 PHC strings, never the password.
CREATE TABLE staff_accounts (
    id INTEGER PRIMARY KEY NOT NULL,
    email TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL CHECK (role IN ('reviewer', 'moderator', 'sysadmin')),
    password_hash TEXT NOT NULL,
    -- Failed sign-ins since the last success; at the limit the account locks until locked_until.
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- Tokens for systems, not people: scoped, revocable, longer-lived. The id is the token's jti.
CREATE TABLE integration_tokens (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    scopes TEXT NOT NULL,
    issued_by BIGINT NOT NULL REFERENCES staff_accounts (id),
    issued_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);

-- Signed-out staff tokens, kept until they would have expired anyway.
CREATE TABLE revoked_tokens (
    jti TEXT PRIMARY KEY,
    expires_at TIMESTAMP NOT NULL
);

-- The key tokens are signed with when none is configured: made once, shared by every process.
CREATE TABLE service_secrets (
    name TEXT PRIMARY KEY,
    secret TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
