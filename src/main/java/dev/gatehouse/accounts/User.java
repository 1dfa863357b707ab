package dev.gatehouse.accounts;

import java.time.Instant;
import java.util.Locale;
import java.util.UUID;

/** An account. The password hash never leaves the accounts feature; {@code profile} holds its other OIDC claims. */
public record User(
        UUID id,
        String email,
        boolean emailVerified,
        String passwordHash,
        String firstName,
        String lastName,
        String status,
        boolean passwordChangeRequired,
        Instant createdAt,
        Instant updatedAt,
        Instant passwordChangedAt,
        Instant lastLoginAt,
        UserProfile profile) {

    public User {
        if (profile == null) profile = UserProfile.EMPTY;
    }

    public boolean active() {
        return "active".equals(status);
    }

    public static String normalize(String email) {
        return email.trim().toLowerCase(Locale.ROOT);
    }
}
