-- The authentication methods (RFC 8176 amr values, space-separated) of a sign-in: recorded on the SSO session by the
-- hosted login and carried to the authorization codes and device grants issued in it, so ID tokens (and the refresh
-- tokens' later ID tokens) state the factors actually used. Rows from before this column were password sign-ins.
ALTER TABLE sso_sessions ADD COLUMN amr VARCHAR(100) NOT NULL DEFAULT 'pwd';
ALTER TABLE authorization_codes ADD COLUMN amr VARCHAR(100) NOT NULL DEFAULT 'pwd';
ALTER TABLE device_codes ADD COLUMN amr VARCHAR(100);
