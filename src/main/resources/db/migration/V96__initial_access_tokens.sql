-- RFC 7591 §3 initial access tokens: an administrator hands one to a developer, who registers clients with it at
-- /oauth2/register, each within the token's scope, until its uses are spent or it expires. Stored as a hash only.
CREATE TABLE initial_access_tokens (
    id          UUID                     PRIMARY KEY,
    token_hash  VARCHAR(64)              NOT NULL UNIQUE,
    description VARCHAR(200),
    scope       VARCHAR(2000)            NOT NULL,
    max_uses    INTEGER                  NOT NULL,
    uses        INTEGER                  NOT NULL,
    created_by  UUID                     REFERENCES users (id) ON DELETE SET NULL,
    created_at  TIMESTAMP WITH TIME ZONE NOT NULL,
    expires_at  TIMESTAMP WITH TIME ZONE NOT NULL
);
CREATE INDEX initial_access_tokens_expiry ON initial_access_tokens (expires_at);
