package dev.gatehouse.oauth.clients;

import com.nimbusds.oauth2.sdk.auth.ClientAuthenticationMethod;
import dev.gatehouse.oauth.OAuthError;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * Reads client credentials from an Authorization: Basic header, the form body (RFC 6749 §2.3.1), or a JWT client
 * assertion in the body (RFC 7521 §4.2, RFC 7523 §2.2).
 */
public final class ClientAuthParser {
    private ClientAuthParser() {}

    public static ClientCredentials parse(String authorization, Map<String, List<String>> form) {
        String postId = single(form, "client_id");
        String postSecret = single(form, "client_secret");
        String assertionType = single(form, "client_assertion_type");
        String assertion = single(form, "client_assertion");
        if (assertionType != null || assertion != null) {
            boolean basic = authorization != null && authorization.regionMatches(true, 0, "Basic ", 0, 6);
            if (basic || postSecret != null)
                throw OAuthError.invalidRequest("use one client authentication method, not two");
            if (!ClientAssertions.TYPE.equals(assertionType))
                throw OAuthError.invalidClient("client_assertion_type must be " + ClientAssertions.TYPE);
            if (assertion == null) throw OAuthError.invalidClient("missing client_assertion");
            String subject = ClientAssertions.subjectOf(assertion)
                    .orElseThrow(() -> OAuthError.invalidClient("the client assertion is not a JWT with a sub"));
            if (postId != null && !postId.equals(subject))
                throw OAuthError.invalidClient("client_id does not match the client assertion");
            return new ClientCredentials(subject, ClientAuthenticationMethod.PRIVATE_KEY_JWT, null, assertion);
        }
        if (authorization != null && authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            if (postSecret != null) throw OAuthError.invalidRequest("use one client authentication method, not two");
            String id;
            String secret;
            try {
                String decoded = new String(
                        Base64.getDecoder().decode(authorization.substring(6).trim()), StandardCharsets.UTF_8);
                int colon = decoded.indexOf(':');
                if (colon < 0) throw OAuthError.invalidClient("malformed Basic credentials");
                // §2.3.1: client id and secret are form-urlencoded before Base64 (a stray '%' is malformed).
                id = URLDecoder.decode(decoded.substring(0, colon), StandardCharsets.UTF_8);
                secret = URLDecoder.decode(decoded.substring(colon + 1), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw OAuthError.invalidClient("malformed Basic credentials");
            }
            if (postId != null && !postId.equals(id))
                throw OAuthError.invalidRequest("client_id does not match the credentials");
            return new ClientCredentials(id, ClientAuthenticationMethod.CLIENT_SECRET_BASIC, secret);
        }
        if (postId == null) throw OAuthError.invalidClient("client authentication is required");
        if (postSecret != null)
            return new ClientCredentials(postId, ClientAuthenticationMethod.CLIENT_SECRET_POST, postSecret);
        return new ClientCredentials(postId, ClientAuthenticationMethod.NONE, null);
    }

    /** A parameter that may appear at most once (RFC 6749 §3.2). */
    public static String single(Map<String, List<String>> form, String name) {
        List<String> values = form.get(name);
        if (values == null || values.isEmpty()) return null;
        if (values.size() > 1) throw OAuthError.invalidRequest("parameter " + name + " is repeated");
        String v = values.get(0);
        return v == null || v.isEmpty() ? null : v;
    }
}
