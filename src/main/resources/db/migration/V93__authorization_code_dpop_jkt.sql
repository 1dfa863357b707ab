-- RFC 9449 §10: the thumbprint of the DPoP key an authorization request bound its code to (dpop_jkt, or the key of a
-- pushed request's DPoP proof); the token request must prove possession of that key.
ALTER TABLE authorization_codes ADD COLUMN dpop_jkt VARCHAR(64);
