-- The HTTP platform: API keys and the responses remembered for Idempotency-Key retries.

-- Keys are stored as the SHA-256 of the key, never the key itself. A key is 256 bits from a
-- CSPRNG, so a fast unsalted hash is enough: nobody can brute-force that space, and an exact
-- hash lets a request find its key with one indexed lookup (a salted, slow hash would not).
CREATE TABLE api_keys (
    id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       text        NOT NULL CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'),
    role       text        NOT NULL CHECK (role IN ('checker', 'editor', 'auditor')),
    key_hash   bytea       NOT NULL UNIQUE CHECK (octet_length(key_hash) = 32),
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    revoked_at timestamptz NULL
);

-- A name picks one live key (to revoke it, or as the principal in event metadata);
-- a revoked key's name may be given to a new key.
CREATE UNIQUE INDEX api_keys_live_name ON api_keys (name) WHERE revoked_at IS NULL;

-- One row per (principal, Idempotency-Key): claimed while the first request runs, then
-- holding its response for replay until it expires.
CREATE TABLE idempotency_requests (
    principal       text        NOT NULL,
    idempotency_key text        NOT NULL,
    -- SHA-256 of method, path and body: the same key with another request is refused.
    request_hash    bytea       NOT NULL,
    state           text        NOT NULL CHECK (state IN ('running', 'completed')),
    -- While running: when a waiting retry may assume the first request's process died.
    lease_until     timestamptz NOT NULL,
    status_code     int         NULL,
    headers         jsonb       NULL,
    body            bytea       NULL,
    created_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
    expires_at      timestamptz NOT NULL,
    PRIMARY KEY (principal, idempotency_key)
);

CREATE INDEX idempotency_requests_expiry ON idempotency_requests (expires_at);
