-- Gatehouse foundation schema. Runs unchanged on PostgreSQL and on H2 in PostgreSQL mode.

CREATE TABLE signing_keys (
    kid          VARCHAR(64)  PRIMARY KEY,
    alg          VARCHAR(16)  NOT NULL,
    public_jwk   TEXT         NOT NULL,
    private_jwk  TEXT         NOT NULL,
    created_at   TIMESTAMP WITH TIME ZONE NOT NULL,
    activates_at TIMESTAMP WITH TIME ZONE NOT NULL,
    expires_at   TIMESTAMP WITH TIME ZONE
);

CREATE TABLE users (
    id                        UUID         PRIMARY KEY,
    email                     VARCHAR(254) NOT NULL,
    email_normalized          VARCHAR(254) NOT NULL,
    email_verified            BOOLEAN      NOT NULL DEFAULT FALSE,
    password_hash             VARCHAR(512),
    first_name                VARCHAR(100),
    last_name                 VARCHAR(100),
    status                    VARCHAR(16)  NOT NULL DEFAULT 'active',
    password_change_required  BOOLEAN      NOT NULL DEFAULT FALSE,
    created_at                TIMESTAMP WITH TIME ZONE NOT NULL,
    updated_at                TIMESTAMP WITH TIME ZONE NOT NULL,
    password_changed_at       TIMESTAMP WITH TIME ZONE,
    last_login_at             TIMESTAMP WITH TIME ZONE,
    CONSTRAINT users_email_unique UNIQUE (email_normalized)
);

CREATE TABLE roles (
    id          UUID         PRIMARY KEY,
    name        VARCHAR(64)  NOT NULL,
    description VARCHAR(500),
    is_system   BOOLEAN      NOT NULL DEFAULT FALSE,
    created_at  TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT roles_name_unique UNIQUE (name)
);

CREATE TABLE permissions (
    id          UUID         PRIMARY KEY,
    name        VARCHAR(100) NOT NULL,
    description VARCHAR(500),
    CONSTRAINT permissions_name_unique UNIQUE (name)
);

CREATE TABLE role_permissions (
    role_id       UUID NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    permission_id UUID NOT NULL REFERENCES permissions (id) ON DELETE CASCADE,
    PRIMARY KEY (role_id, permission_id)
);

CREATE TABLE user_roles (
    user_id    UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role_id    UUID NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (user_id, role_id)
);

-- One sign-in on one device. Holds one refresh-token family.
CREATE TABLE sessions (
    id            UUID         PRIMARY KEY,
    user_id       UUID         NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    device_id     VARCHAR(64)  NOT NULL,
    client_id     VARCHAR(128) NOT NULL,
    auth_method   VARCHAR(32)  NOT NULL,
    ip            VARCHAR(64)  NOT NULL,
    user_agent    VARCHAR(512) NOT NULL,
    created_at    TIMESTAMP WITH TIME ZONE NOT NULL,
    last_used_at  TIMESTAMP WITH TIME ZONE NOT NULL,
    expires_at    TIMESTAMP WITH TIME ZONE NOT NULL,
    ended_at      TIMESTAMP WITH TIME ZONE,
    end_reason    VARCHAR(32)
);
CREATE INDEX sessions_user ON sessions (user_id, created_at);

CREATE TABLE refresh_tokens (
    token_hash  CHAR(64)     PRIMARY KEY,
    session_id  UUID         NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    created_at  TIMESTAMP WITH TIME ZONE NOT NULL,
    expires_at  TIMESTAMP WITH TIME ZONE NOT NULL,
    used_at     TIMESTAMP WITH TIME ZONE
);
CREATE INDEX refresh_tokens_session ON refresh_tokens (session_id);

-- Email verification, password reset and magic-link tokens: single use, short-lived, stored as hashes.
CREATE TABLE one_time_tokens (
    token_hash  CHAR(64)     PRIMARY KEY,
    purpose     VARCHAR(32)  NOT NULL,
    user_id     UUID         REFERENCES users (id) ON DELETE CASCADE,
    email       VARCHAR(254) NOT NULL,
    created_at  TIMESTAMP WITH TIME ZONE NOT NULL,
    expires_at  TIMESTAMP WITH TIME ZONE NOT NULL,
    used_at     TIMESTAMP WITH TIME ZONE
);
CREATE INDEX one_time_tokens_user ON one_time_tokens (user_id, purpose);

CREATE TABLE audit_events (
    id          UUID         PRIMARY KEY,
    event_type  VARCHAR(64)  NOT NULL,
    outcome     VARCHAR(16)  NOT NULL,
    user_id     UUID,
    actor_id    UUID,
    session_id  UUID,
    reason      VARCHAR(200),
    ip          VARCHAR(64),
    user_agent  VARCHAR(512),
    request_id  VARCHAR(128),
    details     TEXT,
    created_at  TIMESTAMP WITH TIME ZONE NOT NULL
);
CREATE INDEX audit_events_created ON audit_events (created_at);
CREATE INDEX audit_events_user ON audit_events (user_id, created_at);

-- Outgoing mail, written in the transaction of the change that causes it and delivered by a worker.
CREATE TABLE mail_outbox (
    id          UUID          PRIMARY KEY,
    recipient   VARCHAR(254)  NOT NULL,
    subject     VARCHAR(300)  NOT NULL,
    text_body   TEXT          NOT NULL,
    html_body   TEXT          NOT NULL,
    created_at  TIMESTAMP WITH TIME ZONE NOT NULL,
    attempts    INTEGER       NOT NULL DEFAULT 0,
    next_try_at TIMESTAMP WITH TIME ZONE NOT NULL,
    sent_at     TIMESTAMP WITH TIME ZONE,
    last_error  VARCHAR(500)
);
CREATE INDEX mail_outbox_pending ON mail_outbox (sent_at, next_try_at);

INSERT INTO roles (id, name, description, is_system, created_at) VALUES
    ('00000000-0000-0000-0000-000000000001', 'admin', 'Administrators: every permission', TRUE, CURRENT_TIMESTAMP),
    ('00000000-0000-0000-0000-000000000002', 'user', 'Signed-in users', TRUE, CURRENT_TIMESTAMP);

INSERT INTO permissions (id, name, description) VALUES
    ('00000000-0000-0000-0001-000000000001', '*', 'Every permission'),
    ('00000000-0000-0000-0001-000000000002', 'users:read', 'Read users'),
    ('00000000-0000-0000-0001-000000000003', 'users:write', 'Create and update users'),
    ('00000000-0000-0000-0001-000000000004', 'users:delete', 'Delete users'),
    ('00000000-0000-0000-0001-000000000005', 'users:impersonate', 'Impersonate users'),
    ('00000000-0000-0000-0001-000000000006', 'audit:read', 'Read audit logs'),
    ('00000000-0000-0000-0001-000000000007', 'keys:rotate', 'Rotate signing keys'),
    ('00000000-0000-0000-0001-000000000008', 'system:read', 'Read system health and the dev mail outbox');

INSERT INTO role_permissions (role_id, permission_id) VALUES
    ('00000000-0000-0000-0000-000000000001', '00000000-0000-0000-0001-000000000001');
