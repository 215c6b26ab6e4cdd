-- The accounts' OAuth tokens. Run with search_path set to the token store's
-- schema (see PgTokenStore::migrate), so this names no schema.
CREATE TABLE tokens (
    -- HubSpot's hub id, a u64 stored with the same 64 bits.
    portal        bigint      PRIMARY KEY,
    -- The tokens' text, or (when `encrypted`) a 24-byte nonce followed by
    -- the XChaCha20-Poly1305 ciphertext and tag.
    access_token  bytea       NOT NULL,
    refresh_token bytea       NOT NULL,
    encrypted     boolean     NOT NULL,
    expires_at    timestamptz NOT NULL,
    -- When the token endpoint granted the access token, when known.
    granted_at    timestamptz,
    -- Raised by every write: what a renewal's compare-and-set compares.
    version       bigint      NOT NULL DEFAULT 1,
    updated_at    timestamptz NOT NULL DEFAULT now()
);
