-- Which SSO session (browser sign-in) each authorization code was issued in. With the session_id a code opens at
-- redemption, this is the record of which clients took part in an SSO session, for OIDC front- and back-channel
-- logout, and lets logout spend the codes of the session that were not redeemed yet.
ALTER TABLE authorization_codes ADD COLUMN sso_session_id UUID;
CREATE INDEX authorization_codes_sso_session ON authorization_codes (sso_session_id);
