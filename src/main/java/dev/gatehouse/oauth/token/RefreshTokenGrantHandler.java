package dev.gatehouse.oauth.token;

import dev.gatehouse.oauth.OAuthError;
import dev.gatehouse.oauth.authorize.AuthorizeService;
import dev.gatehouse.sessions.Session;
import dev.gatehouse.sessions.SessionService;
import dev.gatehouse.tokens.AccessTokenService;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * RFC 6749 §6 for OAuth clients: the refresh token must belong to a session of the calling client, the scope may only
 * shrink, and every use rotates the token with family revocation on reuse ({@link SessionService#refresh}). Both
 * checks run before the rotation, so a refused request does not spend the owner's token.
 */
public final class RefreshTokenGrantHandler implements GrantHandler {
    private final SessionService sessions;
    private final AuthorizeService authorize;
    private final AccessTokenService tokens;
    private final String defaultAudience;
    private final DpopSessionBindings dpopBindings;

    public RefreshTokenGrantHandler(
            SessionService sessions,
            AuthorizeService authorize,
            AccessTokenService tokens,
            String defaultAudience,
            DpopSessionBindings dpopBindings) {
        this.dpopBindings = dpopBindings;
        this.sessions = sessions;
        this.authorize = authorize;
        this.tokens = tokens;
        this.defaultAudience = defaultAudience;
    }

    @Override
    public String grantType() {
        return "refresh_token";
    }

    @Override
    public Map<String, Object> handle(TokenCall call) {
        String token = call.required("refresh_token");
        String clientId = call.client().clientId();
        Session owner = sessions.sessionOf(token).orElseThrow(() -> OAuthError.invalidGrant("invalid refresh token"));
        // RFC 6749 §6: the token must have been issued to the authenticated client.
        if (!owner.clientId().equals(clientId)) throw OAuthError.invalidGrant("invalid refresh token");
        // RFC 9449 §5: a DPoP-bound refresh token is used only with a proof from the same key.
        Optional<String> boundTo = dpopBindings.keyOf(owner.id());
        if (boundTo.isPresent() && call.dpopJkt().isEmpty())
            throw new OAuthError(400, "invalid_dpop_proof", "this refresh token needs a DPoP proof of its key");
        if (boundTo.isPresent() && !boundTo.equals(call.dpopJkt()))
            throw OAuthError.invalidGrant("the refresh token is bound to another DPoP key");
        var grant = authorize
                .grantOfSession(owner.id())
                .orElseThrow(() -> OAuthError.invalidGrant("invalid refresh token"));
        Set<String> requested = call.scope();
        // RFC 6749 §6: a new scope must not include any scope not originally granted.
        if (!grant.scope().containsAll(requested))
            throw OAuthError.invalidScope("the scope exceeds what was originally granted");
        Set<String> scope = requested.isEmpty() ? grant.scope() : requested;
        var outcome = sessions.refresh(token, clientId, call.info());
        if (!(outcome instanceof SessionService.RefreshOutcome.Refreshed refreshed)
                || !refreshed.session().clientId().equals(clientId)) {
            throw OAuthError.invalidGrant("invalid refresh token");
        }
        List<String> audience = grant.resources().isEmpty() ? List.of(defaultAudience) : grant.resources();
        var access = tokens.issue(call.bind(new AccessTokenService.Request(
                grant.userId().toString(), Optional.of(refreshed.session().id()), clientId, audience, scope)));
        var body = new LinkedHashMap<String, Object>();
        body.put("access_token", access.token());
        body.put("token_type", call.tokenType());
        body.put("expires_in", access.expiresIn());
        if (!scope.isEmpty()) body.put("scope", String.join(" ", scope));
        body.put("refresh_token", refreshed.refreshToken());
        return body;
    }
}
