package dev.gatehouse.tokens;

import dev.gatehouse.sessions.SessionService;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * RFC 7662 introspection and RFC 7009 revocation of Gatehouse's access tokens: a signature check, a local revocation
 * lookup, for session-bound tokens whether the session still lives, and for every token whether its client still
 * accepts it.
 */
public final class TokenIntrospector {
    private final AccessTokenService tokens;
    private final RevocationList revocations;
    private final SessionService sessions;
    private final String issuer;
    private final java.util.function.BiPredicate<String, java.time.Instant> clientAccepts;

    /**
     * {@code clientAccepts} says whether a token's client is still registered and still accepts its tokens issued at an
     * instant: any access token, of a session or not, is inactive once its client is deleted (RFC 7592 §2.3) or an
     * administrator revoked the client's tokens after it was issued. Ending the client's sessions is not enough: a
     * token exchanged by the client (RFC 8693) carries the session of its subject token, which may be another
     * client's. It is asked on every call, so it must answer from memory.
     */
    public TokenIntrospector(
            AccessTokenService tokens,
            RevocationList revocations,
            SessionService sessions,
            String issuer,
            java.util.function.BiPredicate<String, java.time.Instant> clientAccepts) {
        this.tokens = tokens;
        this.revocations = revocations;
        this.sessions = sessions;
        this.issuer = issuer;
        this.clientAccepts = clientAccepts;
    }

    /** The claims of an active access token; empty for anything inactive (RFC 7662 §2.2 says no more than that). */
    public Optional<AccessTokenClaims> active(String token) {
        Optional<AccessTokenClaims> claims = tokens.verify(token);
        if (claims.isEmpty() || revocations.isRevoked(claims.get().jti())) return Optional.empty();
        AccessTokenClaims c = claims.get();
        if (c.sessionId().isPresent() && !sessions.isActive(c.sessionId().get())) return Optional.empty();
        if (c.clientId() == null || !clientAccepts.test(c.clientId(), c.issuedAt())) return Optional.empty();
        return claims;
    }

    public Map<String, Object> introspect(String token) {
        var body = new LinkedHashMap<String, Object>();
        Optional<AccessTokenClaims> active = active(token);
        body.put("active", active.isPresent());
        active.ifPresent(c -> {
            if (!c.scopes().isEmpty()) body.put("scope", String.join(" ", c.scopes()));
            body.put("client_id", c.clientId());
            body.put("token_type", c.dpopJkt().isPresent() ? "DPoP" : "Bearer");
            c.dpopJkt().ifPresent(jkt -> body.put("cnf", Map.of("jkt", jkt)));
            body.put("exp", c.expiresAt().getEpochSecond());
            if (c.issuedAt() != null) body.put("iat", c.issuedAt().getEpochSecond());
            body.put("sub", c.subject());
            body.put("aud", c.audience().size() == 1 ? c.audience().get(0) : c.audience());
            body.put("iss", issuer);
            body.put("jti", c.jti());
        });
        return body;
    }

    /**
     * Revokes an access token of {@code clientId}. False only when it is a valid token of another client (RFC 7009
     * §2.1: that request is refused); anything that is not a token of this server is nothing to revoke.
     */
    public boolean revokeAccessToken(String token, String clientId) {
        var claims = tokens.verify(token);
        if (claims.isPresent() && !clientId.equals(claims.get().clientId())) return false;
        claims.ifPresent(c -> revocations.revoke(c.jti(), c.expiresAt()));
        return true;
    }
}
