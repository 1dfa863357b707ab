-- RFC 9449 §5: a refresh token issued to a public client together with a DPoP-bound access token is bound to the
-- same key; the binding lives as long as the session its refresh tokens rotate in.

CREATE TABLE dpop_session_bindings (
    session_id UUID        PRIMARY KEY REFERENCES sessions (id) ON DELETE CASCADE,
    jkt        VARCHAR(64) NOT NULL
);
