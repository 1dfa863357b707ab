package dev.gatehouse.oauth.token;

import com.nimbusds.oauth2.sdk.GrantType;
import dev.gatehouse.oauth.OAuthError;
import dev.gatehouse.oidc.IdTokenService;
import dev.gatehouse.oidc.ReleasedClaims;
import dev.gatehouse.tokens.AccessTokenService;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * The token response for what a user granted a client, shared by the grants that answer with one: the authorization
 * code and device grants (a new session) and the refresh grant (the same session, rotated). An access token for the
 * grant's resources (RFC 8707; else the default audience), bound to the call's DPoP key if it has one; the refresh
 * token when there is one to give; an ID token when {@code openid} is in the scope, with the claims the scope releases.
 */
public final class UserTokens {
    /** What the user granted: who, which scope and resources, when they signed in, how, and the request's nonce. */
    public record Grant(
            UUID userId,
            Set<String> scope,
            List<String> resources,
            Instant authTime,
            List<String> amr,
            Optional<String> nonce) {}

    private final AccessTokenService tokens;
    private final IdTokenService idTokens;
    private final String defaultAudience;
    private final DpopSessionBindings dpopBindings;
    private final ReleasedClaims claims;

    public UserTokens(
            AccessTokenService tokens,
            IdTokenService idTokens,
            ReleasedClaims claims,
            String defaultAudience,
            DpopSessionBindings dpopBindings) {
        this.tokens = tokens;
        this.idTokens = idTokens;
        this.claims = claims;
        this.defaultAudience = defaultAudience;
        this.dpopBindings = dpopBindings;
    }

    /**
     * The first tokens of a new session (code and device grants). Its refresh token is given when the client is
     * registered for the refresh grant: one it could not use would only be a secret to leak. A public client's is
     * bound to the call's DPoP key (RFC 9449 §5: confidential clients authenticate instead).
     */
    Map<String, Object> first(TokenCall call, Grant grant, UUID sessionId, String refreshToken) {
        boolean refresh = call.client().allows(GrantType.REFRESH_TOKEN);
        if (refresh && call.client().isPublic()) call.dpopJkt().ifPresent(jkt -> dpopBindings.bind(sessionId, jkt));
        return answer(call, grant, grant.scope(), sessionId, refresh ? Optional.of(refreshToken) : Optional.empty());
    }

    /**
     * The access token's audience (RFC 8707 §2.2): the resources the token request names, each one the user granted;
     * without any, every granted resource, or the default audience when none was. A resource outside the grant is
     * {@code invalid_target}: a token request narrows what was granted, never widens it.
     */
    List<String> audience(TokenCall call, Grant grant) {
        List<String> requested = call.resources();
        if (requested.isEmpty()) return grant.resources().isEmpty() ? List.of(defaultAudience) : grant.resources();
        for (String r : requested) {
            if (!grant.resources().contains(r))
                throw OAuthError.invalidTarget("the grant does not include the resource " + r);
        }
        return List.copyOf(new java.util.LinkedHashSet<>(requested));
    }

    /** The tokens for {@code scope} (the grant's or, on refresh, a part of it) in session {@code sessionId}. */
    Map<String, Object> answer(
            TokenCall call, Grant grant, Set<String> scope, UUID sessionId, Optional<String> refreshToken) {
        String subject = grant.userId().toString();
        List<String> audience = audience(call, grant);
        var access = tokens.issue(call.bind(new AccessTokenService.Request(
                subject, Optional.of(sessionId), call.client().clientId(), audience, scope)));
        var body = new LinkedHashMap<String, Object>();
        body.put("access_token", access.token());
        body.put("token_type", call.tokenType());
        body.put("expires_in", access.expiresIn());
        if (!scope.isEmpty()) body.put("scope", String.join(" ", scope));
        refreshToken.ifPresent(t -> body.put("refresh_token", t));
        if (scope.contains("openid")) {
            body.put(
                    "id_token",
                    idTokens.issue(new IdTokenService.Claims(
                            call.client(),
                            subject,
                            sessionId,
                            grant.authTime(),
                            grant.nonce(),
                            access.token(),
                            grant.amr(),
                            claims.of(grant.userId(), scope))));
        }
        return body;
    }
}
