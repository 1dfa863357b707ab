-- WebAuthn (FIDO2) credentials: security keys as a second factor and passkeys for passwordless sign-in.

-- The WebAuthn user handle of an account: 32 random bytes (base64url), never the account id or the email, so an
-- authenticator holds nothing that identifies the person (WebAuthn Level 3, section 14.6.1).
CREATE TABLE webauthn_user_handles (
    user_id     UUID         PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    user_handle VARCHAR(88)  NOT NULL,
    created_at  TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT webauthn_user_handles_unique UNIQUE (user_handle)
);

-- One registered public key credential. credential_id and public_key_cose are base64url (a credential id is at most
-- 1023 bytes, 1364 characters).
CREATE TABLE webauthn_credentials (
    id               UUID          PRIMARY KEY,
    user_id          UUID          NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    credential_id    VARCHAR(1400) NOT NULL,
    public_key_cose  TEXT          NOT NULL,
    sign_count       BIGINT        NOT NULL,
    name             VARCHAR(100)  NOT NULL,
    transports       VARCHAR(200)  NOT NULL,
    discoverable     BOOLEAN,
    backup_eligible  BOOLEAN       NOT NULL,
    backed_up        BOOLEAN       NOT NULL,
    aaguid           VARCHAR(36)   NOT NULL,
    created_at       TIMESTAMP WITH TIME ZONE NOT NULL,
    last_used_at     TIMESTAMP WITH TIME ZONE,
    CONSTRAINT webauthn_credentials_credential_unique UNIQUE (credential_id)
);
CREATE INDEX webauthn_credentials_user ON webauthn_credentials (user_id, created_at);

-- Pending ceremonies, found by the SHA-256 of their challenge: short-lived and deleted when used, so any node can
-- finish what another began and a challenge verifies at most one response.
CREATE TABLE webauthn_challenges (
    challenge_hash  CHAR(64)     PRIMARY KEY,
    purpose         VARCHAR(16)  NOT NULL,
    user_id         UUID         REFERENCES users (id) ON DELETE CASCADE,
    binding         VARCHAR(64),
    request         TEXT         NOT NULL,
    created_at      TIMESTAMP WITH TIME ZONE NOT NULL,
    expires_at      TIMESTAMP WITH TIME ZONE NOT NULL
);
CREATE INDEX webauthn_challenges_expiry ON webauthn_challenges (expires_at);
