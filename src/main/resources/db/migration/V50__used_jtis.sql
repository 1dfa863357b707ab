-- One-time JWT ids (client assertion and DPoP proof jti, RFC 7523 §3 and RFC 9449 §11.1), kept in the database so a
-- replay is caught on every node. id is the SHA-256 of the namespace and the jti; rows are useless once expired.

CREATE TABLE used_jtis (
    id         VARCHAR(64)              PRIMARY KEY,
    expires_at TIMESTAMP WITH TIME ZONE NOT NULL
);

CREATE INDEX used_jtis_expires ON used_jtis (expires_at);
