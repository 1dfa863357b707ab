package dev.gatehouse.oauth.device;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * One RFC 8628 device authorization: what the client asked for, and what the user decided ({@code amr}: the RFC 8176
 * methods of the sign-in that approved it).
 */
public record DeviceGrant(
        String clientId,
        Set<String> scope,
        List<String> resources,
        Status status,
        int intervalSeconds,
        Instant expiresAt,
        Optional<Instant> lastPolledAt,
        Optional<UUID> userId,
        Optional<Instant> authTime,
        Optional<UUID> sessionId,
        List<String> amr) {

    public DeviceGrant {
        amr = List.copyOf(amr);
    }

    /** A grant not approved yet, or approved by a password-only sign-in. */
    public DeviceGrant(
            String clientId,
            Set<String> scope,
            List<String> resources,
            Status status,
            int intervalSeconds,
            Instant expiresAt,
            Optional<Instant> lastPolledAt,
            Optional<UUID> userId,
            Optional<Instant> authTime,
            Optional<UUID> sessionId) {
        this(
                clientId,
                scope,
                resources,
                status,
                intervalSeconds,
                expiresAt,
                lastPolledAt,
                userId,
                authTime,
                sessionId,
                List.of("pwd"));
    }

    public enum Status {
        PENDING,
        APPROVED,
        DENIED,
        REDEEMED
    }
}
