-- Secret rotation with an overlap: after regenerate-secret, the previous secret may keep working until
-- previous_secret_expires_at, so a client's deployments can move to the new one without a moment of failed
-- authentication. Stored as a hash, like the current one.
ALTER TABLE oauth_clients ADD COLUMN previous_secret_hash CHAR(64);
ALTER TABLE oauth_clients ADD COLUMN previous_secret_expires_at TIMESTAMP WITH TIME ZONE;
