-- Device authorization grants (RFC 8628). Both codes are stored only as SHA-256: the device code is a 256-bit secret;
-- the user code is short by design (RFC 8628 §6.1), so guessing it is bounded by its 10-minute life and the rate
-- limit on the /device page, not by the hash. A row outlives its redemption as the record of the grant (scope,
-- resources, user) that the refresh-token grant checks scope against, through session_id.

CREATE TABLE device_codes (
    device_code_hash CHAR(64)      PRIMARY KEY,
    user_code_hash   CHAR(64)      NOT NULL UNIQUE,
    client_id        VARCHAR(64)   NOT NULL,
    scope            VARCHAR(1000) NOT NULL,
    resource         VARCHAR(2000),
    status           VARCHAR(16)   NOT NULL,
    interval_seconds INTEGER       NOT NULL,
    created_at       TIMESTAMP WITH TIME ZONE NOT NULL,
    expires_at       TIMESTAMP WITH TIME ZONE NOT NULL,
    last_polled_at   TIMESTAMP WITH TIME ZONE,
    user_id          UUID REFERENCES users (id) ON DELETE CASCADE,
    auth_time        TIMESTAMP WITH TIME ZONE,
    decided_at       TIMESTAMP WITH TIME ZONE,
    session_id       UUID
);
CREATE INDEX device_codes_session ON device_codes (session_id);
CREATE INDEX device_codes_expires ON device_codes (expires_at);
