-- Authorization codes (RFC 6749 §4.1) and hosted-login SSO sessions.
-- A code row outlives its 60-second redemption window: it is the record of the grant (scope, nonce, auth_time) that
-- the refresh-token grant checks scope against, and its session_id lets a replayed code end the tokens it issued.

CREATE TABLE authorization_codes (
    code_hash      CHAR(64)      PRIMARY KEY,
    client_id      VARCHAR(64)   NOT NULL,
    user_id        UUID          NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    redirect_uri   VARCHAR(2000) NOT NULL,
    code_challenge VARCHAR(128)  NOT NULL,
    scope          VARCHAR(1000) NOT NULL,
    resource       VARCHAR(2000),
    nonce          VARCHAR(512),
    auth_time      TIMESTAMP WITH TIME ZONE NOT NULL,
    created_at     TIMESTAMP WITH TIME ZONE NOT NULL,
    expires_at     TIMESTAMP WITH TIME ZONE NOT NULL,
    used_at        TIMESTAMP WITH TIME ZONE,
    session_id     UUID
);
CREATE INDEX authorization_codes_session ON authorization_codes (session_id);

CREATE TABLE sso_sessions (
    id         UUID     PRIMARY KEY,
    token_hash CHAR(64) NOT NULL UNIQUE,
    user_id    UUID     NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    auth_time  TIMESTAMP WITH TIME ZONE NOT NULL,
    expires_at TIMESTAMP WITH TIME ZONE NOT NULL,
    ended_at   TIMESTAMP WITH TIME ZONE
);
