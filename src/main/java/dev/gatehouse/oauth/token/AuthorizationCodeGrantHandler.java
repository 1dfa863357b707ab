package dev.gatehouse.oauth.token;

import com.nimbusds.oauth2.sdk.GrantType;
import dev.gatehouse.oauth.authorize.AuthorizeService;
import dev.gatehouse.oidc.IdTokenService;
import dev.gatehouse.tokens.AccessTokenService;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * RFC 6749 §4.1.3 with RFC 7636 §4.6: the code, its client, its redirect URI and the PKCE verifier are checked by
 * {@link AuthorizeService#redeem}; this handler turns the grant into an access token, a refresh token when the client
 * may refresh or {@code offline_access} was granted, and an ID token when {@code openid} was.
 */
public final class AuthorizationCodeGrantHandler implements GrantHandler {
    private final AuthorizeService authorize;
    private final AccessTokenService tokens;
    private final IdTokenService idTokens;
    private final String defaultAudience;
    private final DpopSessionBindings dpopBindings;

    public AuthorizationCodeGrantHandler(
            AuthorizeService authorize,
            AccessTokenService tokens,
            IdTokenService idTokens,
            String defaultAudience,
            DpopSessionBindings dpopBindings) {
        this.dpopBindings = dpopBindings;
        this.authorize = authorize;
        this.tokens = tokens;
        this.idTokens = idTokens;
        this.defaultAudience = defaultAudience;
    }

    @Override
    public String grantType() {
        return "authorization_code";
    }

    @Override
    public Map<String, Object> handle(TokenCall call) {
        var redeemed = authorize.redeem(
                call.required("code"),
                call.client().clientId(),
                call.param("redirect_uri"),
                call.param("code_verifier"),
                call.info());
        var grant = redeemed.grant();
        String subject = grant.userId().toString();
        List<String> audience = grant.resources().isEmpty() ? List.of(defaultAudience) : grant.resources();
        var access = tokens.issue(call.bind(new AccessTokenService.Request(
                subject, Optional.of(redeemed.sessionId()), call.client().clientId(), audience, grant.scope())));
        var body = new LinkedHashMap<String, Object>();
        body.put("access_token", access.token());
        body.put("token_type", call.tokenType());
        body.put("expires_in", access.expiresIn());
        if (!grant.scope().isEmpty()) body.put("scope", String.join(" ", grant.scope()));
        if (grant.scope().contains("offline_access") || call.client().allows(GrantType.REFRESH_TOKEN)) {
            body.put("refresh_token", redeemed.refreshToken());
            // RFC 9449 §5: a public client's refresh token is bound to the DPoP key (confidential clients
            // authenticate).
            if (call.client().isPublic()) call.dpopJkt().ifPresent(jkt -> dpopBindings.bind(redeemed.sessionId(), jkt));
        }
        if (grant.scope().contains("openid")) {
            body.put(
                    "id_token",
                    idTokens.issue(new IdTokenService.Claims(
                            call.client(),
                            subject,
                            redeemed.sessionId(),
                            grant.authTime(),
                            grant.nonce(),
                            access.token(),
                            grant.amr())));
        }
        return body;
    }
}
