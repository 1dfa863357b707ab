-- The browser a sign-in happened in, for the account page's list of signed-in browsers: the address and User-Agent
-- of the sign-in's request. Sessions open before this migration show neither.
ALTER TABLE sso_sessions ADD COLUMN ip VARCHAR(64);
ALTER TABLE sso_sessions ADD COLUMN user_agent VARCHAR(512);
