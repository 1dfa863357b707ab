package dev.gatehouse.oauth.authorize;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * What a user granted a client through one authorization code: the record the token endpoint redeems. {@code
 * redirectUri} is where the code went; {@code redirectUriNamed} whether the authorization request named it (it may be
 * left out when the client registered one), which decides whether the token request must name it too (RFC 6749
 * §4.1.3). {@code amr} are the RFC 8176 authentication methods of the sign-in it was issued in, for the ID tokens
 * issued from it. {@code dpopJkt} is the thumbprint of the DPoP key the request bound the code to (RFC 9449 §10).
 */
public record AuthorizationCode(
        String clientId,
        UUID userId,
        String redirectUri,
        boolean redirectUriNamed,
        String codeChallenge,
        Set<String> scope,
        List<String> resources,
        Optional<String> nonce,
        Instant authTime,
        Instant expiresAt,
        Optional<Instant> usedAt,
        Optional<UUID> sessionId,
        List<String> amr,
        Optional<String> dpopJkt) {
    public AuthorizationCode {
        amr = List.copyOf(amr);
    }

    /** A grant from a password-only sign-in, for a request that named its redirect URI. */
    public AuthorizationCode(
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
            Optional<UUID> sessionId) {
        this(
                clientId,
                userId,
                redirectUri,
                true,
                codeChallenge,
                scope,
                resources,
                nonce,
                authTime,
                expiresAt,
                usedAt,
                sessionId,
                List.of("pwd"),
                Optional.empty());
    }
}
