package dev.gatehouse.oauth.token;

import dev.gatehouse.oauth.OAuthError;
import dev.gatehouse.sessions.Session;
import dev.gatehouse.sessions.SessionService;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * RFC 6749 §6 for OAuth clients: the refresh token must belong to a session of the calling client, the scope may only
 * shrink, and every use rotates the token with family revocation on reuse ({@link SessionService#refresh}). The checks
 * run before the rotation, so a refused request does not spend the owner's token; a spent token ends the session
 * before any of them. With {@code openid} in the
 * scope a new ID token comes too (OIDC Core §12.2), stating the original sign-in: its {@code auth_time}, {@code amr}
 * and {@code acr}, and no {@code nonce}.
 */
public final class RefreshTokenGrantHandler implements GrantHandler {
    private final SessionService sessions;
    private final SessionGrants grants;
    private final UserTokens userTokens;
    private final DpopSessionBindings dpopBindings;

    public RefreshTokenGrantHandler(
            SessionService sessions, SessionGrants grants, UserTokens userTokens, DpopSessionBindings dpopBindings) {
        this.sessions = sessions;
        this.grants = grants;
        this.userTokens = userTokens;
        this.dpopBindings = dpopBindings;
    }

    @Override
    public String grantType() {
        return "refresh_token";
    }

    @Override
    public Map<String, Object> handle(TokenCall call) {
        String token = call.required("refresh_token");
        String clientId = call.client().clientId();
        var presented = sessions.sessionOf(token).orElseThrow(() -> OAuthError.invalidGrant("invalid refresh token"));
        Session owner = presented.session();
        // RFC 6749 §6: the token must have been issued to the authenticated client.
        if (!owner.clientId().equals(clientId)) throw OAuthError.invalidGrant("invalid refresh token");
        // RFC 9700 §4.14.2: a spent token presented again means it leaked, and the session ends. That comes before the
        // checks below, or whoever used it first could turn the detection off (say, by binding the session to a DPoP
        // key of their own, which the owner then lacks).
        if (presented.spent()) {
            sessions.refresh(token, clientId, call.info());
            throw OAuthError.invalidGrant("invalid refresh token");
        }
        // RFC 9449 §5: a DPoP-bound refresh token is used only with a proof from the same key.
        Optional<String> boundTo = dpopBindings.keyOf(owner.id());
        if (boundTo.isPresent() && call.dpopJkt().isEmpty())
            throw new OAuthError(400, "invalid_dpop_proof", "this refresh token needs a DPoP proof of its key");
        if (boundTo.isPresent() && !boundTo.equals(call.dpopJkt()))
            throw OAuthError.invalidGrant("the refresh token is bound to another DPoP key");
        var grant = grants.of(owner.id()).orElseThrow(() -> OAuthError.invalidGrant("invalid refresh token"));
        Set<String> requested = call.scope();
        // RFC 6749 §6: a new scope must not include any scope not originally granted.
        if (!grant.scope().containsAll(requested))
            throw OAuthError.invalidScope("the scope exceeds what was originally granted");
        Set<String> scope = requested.isEmpty() ? grant.scope() : requested;
        userTokens.audience(call, grant); // RFC 8707: refused before the rotation, so the owner keeps its token
        var outcome = sessions.refresh(token, clientId, call.info());
        if (!(outcome instanceof SessionService.RefreshOutcome.Refreshed refreshed)
                || !refreshed.session().clientId().equals(clientId)) {
            throw OAuthError.invalidGrant("invalid refresh token");
        }
        // RFC 9449 §5: a public client that proves a key for the first time at a refresh gets a refresh token bound to
        // it, as if it had proved it at the code.
        if (boundTo.isEmpty() && call.client().isPublic())
            call.dpopJkt()
                    .ifPresent(jkt -> dpopBindings.bind(refreshed.session().id(), jkt));
        return userTokens.answer(call, grant, scope, refreshed.session().id(), Optional.of(refreshed.refreshToken()));
    }
}
