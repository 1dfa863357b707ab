package dev.gatehouse.oauth.token;

import java.util.Map;

/**
 * One grant type behind the token endpoint. The endpoint has already parsed the request, authenticated the client and
 * checked that the client registered this grant; a handler owns only its grant's rules.
 */
public interface GrantHandler {
    String grantType();

    /** The token response body (RFC 6749 §5.1); throws {@link dev.gatehouse.oauth.OAuthError}. */
    Map<String, Object> handle(TokenCall call);
}
