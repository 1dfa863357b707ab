-- Whether the authorization request named its redirect_uri (RFC 6749 §4.1.3: only then must the token request name it).
ALTER TABLE authorization_codes ADD COLUMN redirect_uri_named BOOLEAN DEFAULT TRUE NOT NULL;
