package dev.gatehouse.oauth.clients;

import java.util.Optional;

/**
 * A client as just registered or re-keyed: the only moment its secret (and its RFC 7592 registration access token)
 * exists in plain text; only their SHA-256 is stored.
 */
public record IssuedClient(OAuthClient client, Optional<String> secret, Optional<String> registrationToken) {}
