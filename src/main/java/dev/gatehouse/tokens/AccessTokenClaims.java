package dev.gatehouse.tokens;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * The verified content of an RFC 9068 access token; {@code dpopJkt} is its RFC 9449 {@code cnf.jkt} when it is bound
 * to a DPoP key.
 */
public record AccessTokenClaims(
        String jti,
        String subject,
        List<String> audience,
        String clientId,
        Set<String> scopes,
        Optional<UUID> sessionId,
        Instant issuedAt,
        Instant expiresAt,
        Optional<String> dpopJkt) {
    public AccessTokenClaims(
            String jti,
            String subject,
            List<String> audience,
            String clientId,
            Set<String> scopes,
            Optional<UUID> sessionId,
            Instant issuedAt,
            Instant expiresAt) {
        this(jti, subject, audience, clientId, scopes, sessionId, issuedAt, expiresAt, Optional.empty());
    }
}
