-- OAuth clients (RFC 7591 metadata), scopes, and revoked access tokens.

CREATE TABLE oauth_clients (
    client_id               VARCHAR(64)  PRIMARY KEY,
    client_name             VARCHAR(200),
    secret_hash             CHAR(64),
    metadata                TEXT         NOT NULL,
    first_party             BOOLEAN      NOT NULL DEFAULT FALSE,
    registration_token_hash CHAR(64),
    created_at              TIMESTAMP WITH TIME ZONE NOT NULL,
    updated_at              TIMESTAMP WITH TIME ZONE NOT NULL
);

CREATE TABLE oauth_scopes (
    name        VARCHAR(64)  PRIMARY KEY,
    description VARCHAR(500) NOT NULL,
    is_default  BOOLEAN      NOT NULL DEFAULT FALSE,
    is_system   BOOLEAN      NOT NULL DEFAULT FALSE,
    claims      VARCHAR(500) NOT NULL DEFAULT '',
    created_at  TIMESTAMP WITH TIME ZONE NOT NULL
);

-- Access tokens revoked before they expire (RFC 7009); rows can be dropped once expires_at has passed.
CREATE TABLE revoked_access_tokens (
    jti        VARCHAR(64) PRIMARY KEY,
    revoked_at TIMESTAMP WITH TIME ZONE NOT NULL,
    expires_at TIMESTAMP WITH TIME ZONE NOT NULL
);
CREATE INDEX revoked_access_tokens_revoked ON revoked_access_tokens (revoked_at);

INSERT INTO oauth_scopes (name, description, is_default, is_system, claims, created_at) VALUES
    ('openid', 'Sign you in', TRUE, TRUE, 'sub', CURRENT_TIMESTAMP),
    ('profile', 'See your name and profile', FALSE, TRUE, 'name family_name given_name middle_name nickname preferred_username profile picture website gender birthdate zoneinfo locale updated_at', CURRENT_TIMESTAMP),
    ('email', 'See your email address', FALSE, TRUE, 'email email_verified', CURRENT_TIMESTAMP),
    ('address', 'See your postal address', FALSE, TRUE, 'address', CURRENT_TIMESTAMP),
    ('phone', 'See your phone number', FALSE, TRUE, 'phone_number phone_number_verified', CURRENT_TIMESTAMP),
    ('offline_access', 'Stay signed in when you are away', FALSE, TRUE, '', CURRENT_TIMESTAMP);

INSERT INTO permissions (id, name, description) VALUES
    ('00000000-0000-0000-0001-000000000009', 'clients:read', 'Read OAuth clients'),
    ('00000000-0000-0000-0001-000000000010', 'clients:write', 'Create, update and delete OAuth clients'),
    ('00000000-0000-0000-0001-000000000011', 'scopes:write', 'Manage OAuth scopes');
