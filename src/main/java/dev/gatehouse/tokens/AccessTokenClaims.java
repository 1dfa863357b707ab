package dev.gatehouse.tokens;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/** The verified content of an RFC 9068 access token. */
public record AccessTokenClaims(
        String jti,
        String subject,
        List<String> audience,
        String clientId,
        Set<String> scopes,
        Optional<UUID> sessionId,
        Instant issuedAt,
        Instant expiresAt) {}
