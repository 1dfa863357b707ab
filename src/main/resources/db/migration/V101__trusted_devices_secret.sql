-- A trusted device proves its trust with a secret of its own (ADR 0008): the SHA-256 of the random token handed out
-- once when it was trusted, which sign-ins present beside the device id. A device id alone is no secret (the device
-- list shows it), so trusts made before this migration, which have no token, end.
DELETE FROM trusted_devices;
ALTER TABLE trusted_devices ADD COLUMN secret_hash CHAR(64) NOT NULL;
