package dev.gatehouse.oauth.device;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/** One RFC 8628 device authorization: what the client asked for, and what the user decided. */
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
        Optional<UUID> sessionId) {

    public enum Status {
        PENDING,
        APPROVED,
        DENIED,
        REDEEMED
    }
}
