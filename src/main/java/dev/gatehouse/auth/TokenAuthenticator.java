package dev.gatehouse.auth;

import dev.gatehouse.platform.http.Authenticator;
import dev.gatehouse.platform.http.Principal;
import dev.gatehouse.rbac.RbacService;
import dev.gatehouse.tokens.AccessTokenClaims;
import dev.gatehouse.tokens.TokenIntrospector;
import java.util.Optional;
import java.util.UUID;

/**
 * Accepts Gatehouse's own JWT access tokens for the /v1 API (those of its first-party sign-in only). A revoked token, or one tied to a session (sid) that has
 * ended (logout, revocation, password change), stops working before it expires.
 */
public final class TokenAuthenticator implements Authenticator {
    private final TokenIntrospector tokens;
    private final RbacService rbac;

    public TokenAuthenticator(TokenIntrospector tokens, RbacService rbac) {
        this.tokens = tokens;
        this.rbac = rbac;
    }

    @Override
    public Optional<Principal> authenticate(String credential) {
        Optional<AccessTokenClaims> claims = tokens.active(credential);
        if (claims.isEmpty()) return Optional.empty();
        AccessTokenClaims c = claims.get();
        // The /v1 API is Gatehouse's own: a token an OAuth client obtained for a user grants that client its scopes
        // at resource servers, never the user's whole account here.
        if (!AuthService.FIRST_PARTY_CLIENT.equals(c.clientId())) return Optional.empty();
        // A DPoP-bound token (RFC 9449) is only good with a proof; the /v1 API takes bearer tokens only.
        if (c.dpopJkt().isPresent()) return Optional.empty();
        UUID user;
        try {
            user = UUID.fromString(c.subject());
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        return Optional.of(new Principal(
                user, c.sessionId(), c.clientId(), c.scopes(), rbac.permissionsOf(user), Optional.empty()));
    }
}
