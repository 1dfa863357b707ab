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

    /** A new active account at {@code at}; with a password hash its password counts as set then, without one none is. */
    public static User created(
            String email, boolean verified, String passwordHash, String firstName, String lastName, Instant at) {
        return new User(
                UUID.randomUUID(),
                email,
                verified,
                passwordHash,
                firstName,
                lastName,
                "active",
                false,
                at,
                at,
                passwordHash == null ? null : at,
                null,
                UserProfile.EMPTY);
    }

    /** This account with its address proven at {@code at}. */
    public User withEmailVerified(Instant at) {
        return new User(
                id,
                email,
                true,
                passwordHash,
                firstName,
                lastName,
                status,
                passwordChangeRequired,
                createdAt,
                at,
                passwordChangedAt,
                lastLoginAt,
                profile);
    }

    /**
     * Whether the account must choose a new password before it signs in anywhere else: an administrator asked for one,
     * and it has a password to change (a passwordless account has none).
     */
    public boolean mustChangePassword() {
        return passwordChangeRequired && passwordHash != null;
    }

    /** This account with a password change required (by an administrator) from {@code at}. */
    public User withPasswordChangeRequired(Instant at) {
        return new User(
                id,
                email,
                emailVerified,
                passwordHash,
                firstName,
                lastName,
                status,
                true,
                createdAt,
                at,
                passwordChangedAt,
                lastLoginAt,
                profile);
    }

    /**
     * This account with a new password (its hash, or null for none) set at {@code at}: any required change is done.
     */
    public User withPassword(String newHash, Instant at) {
        return new User(
                id,
                email,
                emailVerified,
                newHash,
                firstName,
                lastName,
                status,
                false,
                createdAt,
                at,
                at,
                lastLoginAt,
                profile);
    }

    /** The same password hashed again with the current parameters: not a change of password, nor of the account. */
    public User withRehashedPassword(String newHash) {
        return new User(
                id,
                email,
                emailVerified,
                newHash,
                firstName,
                lastName,
                status,
                passwordChangeRequired,
                createdAt,
                updatedAt,
                passwordChangedAt,
                lastLoginAt,
                profile);
    }

    /** This account with its names and other claims changed at {@code at}. */
    public User withClaims(String newFirstName, String newLastName, UserProfile newProfile, Instant at) {
        return new User(
                id,
                email,
                emailVerified,
                passwordHash,
                newFirstName,
                newLastName,
                status,
                passwordChangeRequired,
                createdAt,
                at,
                passwordChangedAt,
                lastLoginAt,
                newProfile);
    }

    public boolean active() {
        return "active".equals(status);
    }

    public static String normalize(String email) {
        return email.trim().toLowerCase(Locale.ROOT);
    }
}
