-- Consent a user gave a client, remembered until revoked (the hosted /consent page).

CREATE TABLE oauth_consents (
    user_id    UUID          NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    client_id  VARCHAR(64)   NOT NULL,
    scope      VARCHAR(1000) NOT NULL,
    granted_at TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (user_id, client_id)
);
