-- "Revoke every token of this client" (incident response): access tokens that belong to no session (client
-- credentials, token exchange) and were issued before tokens_not_before are inactive. Session-bound tokens end with
-- their sessions, which the same call ends.
ALTER TABLE oauth_clients ADD COLUMN tokens_not_before TIMESTAMP WITH TIME ZONE;
