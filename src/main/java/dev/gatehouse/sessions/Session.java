package dev.gatehouse.sessions;

import java.time.Instant;
import java.util.UUID;

/** One sign-in on one device; holds one refresh-token family. */
public record Session(
        UUID id,
        UUID userId,
        String deviceId,
        String clientId,
        String authMethod,
        String ip,
        String userAgent,
        Instant createdAt,
        Instant lastUsedAt,
        Instant expiresAt,
        Instant endedAt,
        String endReason) {

    public boolean activeAt(Instant t) {
        return endedAt == null && expiresAt.isAfter(t);
    }
}
