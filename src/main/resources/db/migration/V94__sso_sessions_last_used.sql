-- A browser's sign-in also ends after a while unused (GATEHOUSE_SSO_IDLE_HOURS), not only at its absolute expiry: the
-- last time a page used the session, written at most once a minute. Sessions open before this migration count from
-- their sign-in.
ALTER TABLE sso_sessions ADD COLUMN last_used_at TIMESTAMP WITH TIME ZONE;
UPDATE sso_sessions SET last_used_at = auth_time;
