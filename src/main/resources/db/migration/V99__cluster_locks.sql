-- One row per lock that the nodes of a cluster take with SELECT ... FOR UPDATE around a check-then-insert that no
-- unique key can express; the same statement on PostgreSQL and H2. 'signing_keys': the first key of an algorithm,
-- which nodes starting together on an empty database would otherwise each create (ADR 0002).
CREATE TABLE cluster_locks (
    name VARCHAR(64) PRIMARY KEY
);
INSERT INTO cluster_locks (name) VALUES ('signing_keys');
