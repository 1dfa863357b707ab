package dev.gatehouse.oauth.scopes;

import java.time.Instant;
import java.util.List;

/**
 * An OAuth scope: its plain-words description (shown on the consent page), whether it is granted when a client asks
 * for none, whether it is one of the built-in OpenID Connect scopes, and the claims it releases.
 */
public record Scope(
        String name, String description, boolean isDefault, boolean isSystem, List<String> claims, Instant createdAt) {}
