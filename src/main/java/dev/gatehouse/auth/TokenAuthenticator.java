package dev.gatehouse.auth;

import dev.gatehouse.platform.http.Authenticator;
import dev.gatehouse.platform.http.Principal;
import dev.gatehouse.rbac.RbacService;
import dev.gatehouse.sessions.SessionService;
import dev.gatehouse.tokens.AccessTokenClaims;
import dev.gatehouse.tokens.AccessTokenService;
import java.util.Optional;
import java.util.UUID;

/**
 * Accepts Gatehouse's own JWT access tokens. A token tied to a session (sid) stops working when the session ends
 * (logout, revocation, password change), not only when it expires.
 */
public final class TokenAuthenticator implements Authenticator {
    private final AccessTokenService tokens;
    private final SessionService sessions;
    private final RbacService rbac;

    public TokenAuthenticator(AccessTokenService tokens, SessionService sessions, RbacService rbac) {
        this.tokens = tokens;
        this.sessions = sessions;
        this.rbac = rbac;
    }

    @Override
    public Optional<Principal> authenticate(String credential) {
        Optional<AccessTokenClaims> claims = tokens.verify(credential);
        if (claims.isEmpty()) return Optional.empty();
        AccessTokenClaims c = claims.get();
        UUID user;
        try {
            user = UUID.fromString(c.subject());
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        if (c.sessionId().isPresent() && !sessions.isActive(c.sessionId().get())) return Optional.empty();
        return Optional.of(new Principal(
                user, c.sessionId(), c.clientId(), c.scopes(), rbac.permissionsOf(user), Optional.empty()));
    }
}
