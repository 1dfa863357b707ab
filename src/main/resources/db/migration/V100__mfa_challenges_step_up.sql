-- A pending login remembers what it may complete: the methods its second step offered (space-separated; a post of
-- another method is refused), and for a step-up the SSO session it adds a factor to (null for a sign-in). Rows from
-- before this migration (5 minutes at most) have neither and complete as before.
ALTER TABLE mfa_challenges ADD COLUMN methods VARCHAR(200);
ALTER TABLE mfa_challenges ADD COLUMN sso_session_id UUID;
