package dev.gatehouse.platform.http;

import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Who is calling, as established from a bearer access token or an API key. Permissions are already expanded from
 * roles; {@code "*"} stands for every permission (the admin role).
 */
public record Principal(
        UUID userId,
        Optional<UUID> sessionId,
        String clientId,
        Set<String> scopes,
        Set<String> permissions,
        Optional<UUID> impersonatorId) {

    public boolean can(String permission) {
        if (permissions.contains("*") || permissions.contains(permission)) return true;
        int colon = permission.indexOf(':');
        return colon > 0 && permissions.contains(permission.substring(0, colon) + ":*");
    }

    public boolean isAdmin() {
        return permissions.contains("*");
    }
}
