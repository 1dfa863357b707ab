-- Ending every browser session of an account at once (password reset or change, "sign out everywhere") looks them up
-- by account; PostgreSQL does not index a foreign key by itself.
CREATE INDEX sso_sessions_user ON sso_sessions (user_id);
