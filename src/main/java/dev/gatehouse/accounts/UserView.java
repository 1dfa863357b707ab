package dev.gatehouse.accounts;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;
import java.util.UUID;

/** A user as the /v1 API shows it (seed 004: id, email, is_email_verified, created_at, ...). */
public record UserView(
        UUID id,
        String email,
        String firstName,
        String lastName,
        @JsonProperty("is_email_verified") boolean isEmailVerified,
        @JsonProperty("is_active") boolean isActive,
        boolean passwordChangeRequired,
        Instant createdAt,
        Instant updatedAt,
        Instant lastLoginAt) {

    public static UserView of(User u) {
        return new UserView(
                u.id(),
                u.email(),
                u.firstName(),
                u.lastName(),
                u.emailVerified(),
                u.active(),
                u.passwordChangeRequired(),
                u.createdAt(),
                u.updatedAt(),
                u.lastLoginAt());
    }
}
