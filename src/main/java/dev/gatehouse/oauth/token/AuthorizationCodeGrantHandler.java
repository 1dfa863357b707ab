package dev.gatehouse.oauth.token;

import dev.gatehouse.oauth.authorize.CodeRedemption;
import java.util.Map;

/**
 * RFC 6749 §4.1.3 with RFC 7636 §4.6: the code, its client, its redirect URI and the PKCE verifier are checked by
 * {@link CodeRedemption#redeem}; this handler turns the grant into the first tokens of a new session
 * ({@link UserTokens#first}: access token, refresh token when the client is registered for the refresh_token grant,
 * ID token with the request's nonce when {@code openid} was granted).
 */
public final class AuthorizationCodeGrantHandler implements GrantHandler {
    private final CodeRedemption codes;
    private final UserTokens userTokens;

    public AuthorizationCodeGrantHandler(CodeRedemption codes, UserTokens userTokens) {
        this.codes = codes;
        this.userTokens = userTokens;
    }

    @Override
    public String grantType() {
        return "authorization_code";
    }

    @Override
    public Map<String, Object> handle(TokenCall call) {
        var redeemed = codes.redeem(
                call.required("code"),
                call.client().clientId(),
                call.param("redirect_uri"),
                call.param("code_verifier"),
                call.resources(),
                call.dpopJkt(),
                call.info());
        var code = redeemed.grant();
        var grant = new UserTokens.Grant(
                code.userId(), code.scope(), code.resources(), code.authTime(), code.amr(), code.nonce());
        return userTokens.first(call, grant, redeemed.sessionId(), redeemed.refreshToken());
    }
}
