package dev.gatehouse.webauthn;

import java.time.Instant;
import java.util.UUID;

/**
 * A begun registration or authentication, waiting for its response: the relying party's request as JSON (the library's
 * own serialisation), who it is for ({@code userId} null for a passkey sign-in) and what else it is bound to.
 */
public record PendingCeremony(
        String challengeHash,
        String purpose,
        UUID userId,
        String binding,
        String request,
        Instant createdAt,
        Instant expiresAt) {}
