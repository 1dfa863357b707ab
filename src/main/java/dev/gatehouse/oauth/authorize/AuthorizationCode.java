package dev.gatehouse.oauth.authorize;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/** What a user granted a client through one authorization code: the record the token endpoint redeems. */
public record AuthorizationCode(
        String clientId,
        UUID userId,
        String redirectUri,
        String codeChallenge,
        Set<String> scope,
        List<String> resources,
        Optional<String> nonce,
        Instant authTime,
        Instant expiresAt,
        Optional<Instant> usedAt,
        Optional<UUID> sessionId) {}
