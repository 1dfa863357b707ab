-- Second factors. One row per user that ever started an enrolment; the TOTP secret is sealed with the master key.
CREATE TABLE mfa_factors (
    user_id         UUID         PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    totp_secret     TEXT,
    totp_enabled    BOOLEAN      NOT NULL DEFAULT FALSE,
    -- the last 30-second step whose code was accepted: a code is never accepted twice (RFC 6238 section 5.2)
    totp_last_step  BIGINT,
    email_enabled   BOOLEAN      NOT NULL DEFAULT FALSE,
    preferred       VARCHAR(16),
    updated_at      TIMESTAMP WITH TIME ZONE NOT NULL
);

-- Backup codes: single use, stored as SHA-256 of user id and code (80-bit codes, so a fast hash suffices).
CREATE TABLE mfa_backup_codes (
    code_hash   CHAR(64)     PRIMARY KEY,
    user_id     UUID         NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  TIMESTAMP WITH TIME ZONE NOT NULL,
    used_at     TIMESTAMP WITH TIME ZONE
);
CREATE INDEX mfa_backup_codes_user ON mfa_backup_codes (user_id);

-- A sign-in waiting for its second factor: the mfa_token (stored as SHA-256) is bound to the user, the device and the
-- first factor; it lives 5 minutes, works once and dies after 5 wrong codes.
CREATE TABLE mfa_challenges (
    token_hash        CHAR(64)     PRIMARY KEY,
    user_id           UUID         NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    device_id         VARCHAR(64)  NOT NULL,
    first_method      VARCHAR(32)  NOT NULL,
    setup_required    BOOLEAN      NOT NULL DEFAULT FALSE,
    failed_attempts   INT          NOT NULL DEFAULT 0,
    email_code_hash   CHAR(64),
    email_sends       INT          NOT NULL DEFAULT 0,
    created_at        TIMESTAMP WITH TIME ZONE NOT NULL,
    expires_at        TIMESTAMP WITH TIME ZONE NOT NULL,
    used_at           TIMESTAMP WITH TIME ZONE
);
CREATE INDEX mfa_challenges_expires ON mfa_challenges (expires_at);

-- Devices a user trusts to skip the second factor until trusted_until.
CREATE TABLE trusted_devices (
    user_id        UUID         NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    device_id      VARCHAR(64)  NOT NULL,
    trusted_at     TIMESTAMP WITH TIME ZONE NOT NULL,
    trusted_until  TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (user_id, device_id)
);
