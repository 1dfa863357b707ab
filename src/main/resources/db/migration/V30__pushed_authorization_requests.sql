-- Pushed authorization requests (RFC 9126). The request_uri's random part is stored only as its SHA-256. A row is
-- bound to its client; it must be first presented at /oauth2/authorize before expires_at (60 seconds), may then be
-- shown again while the user signs in and consents (until started_at + 10 minutes), and is consumed by the
-- authorization response, so it answers at most once.

CREATE TABLE pushed_authorization_requests (
    request_hash CHAR(64)       PRIMARY KEY,
    client_id    VARCHAR(64)    NOT NULL,
    params       VARCHAR(16000) NOT NULL,
    created_at   TIMESTAMP WITH TIME ZONE NOT NULL,
    expires_at   TIMESTAMP WITH TIME ZONE NOT NULL,
    started_at   TIMESTAMP WITH TIME ZONE,
    reauth_after TIMESTAMP WITH TIME ZONE,
    consumed_at  TIMESTAMP WITH TIME ZONE
);
CREATE INDEX pushed_authorization_requests_expiry ON pushed_authorization_requests (expires_at);
