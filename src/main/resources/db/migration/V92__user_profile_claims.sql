-- The OIDC Core §5.1 claims an account carries beyond its email and names (UserProfile): the rest of the profile
-- scope's claims, phone_number and address, as one JSON object in profile_claims. NULL when the account has none.
ALTER TABLE users ADD COLUMN profile_claims TEXT;
