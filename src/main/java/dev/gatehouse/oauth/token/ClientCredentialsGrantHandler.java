package dev.gatehouse.oauth.token;

import dev.gatehouse.oauth.OAuthError;
import dev.gatehouse.oauth.scopes.ScopeService;
import dev.gatehouse.tokens.AccessTokenService;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * RFC 6749 §4.4: a confidential client gets an access token for itself. The token is a signature, not a table row:
 * nothing is written to the database.
 */
public final class ClientCredentialsGrantHandler implements GrantHandler {
    private final AccessTokenService tokens;
    private final String defaultAudience;
    private final ScopeService scopes;

    public ClientCredentialsGrantHandler(AccessTokenService tokens, String defaultAudience, ScopeService scopes) {
        this.tokens = tokens;
        this.defaultAudience = defaultAudience;
        this.scopes = scopes;
    }

    @Override
    public String grantType() {
        return "client_credentials";
    }

    @Override
    public Map<String, Object> handle(TokenCall call) {
        if (call.client().isPublic())
            throw OAuthError.unauthorizedClient("public clients cannot use client_credentials");
        Set<String> requested = call.scope();
        Set<String> aboutAUser = requested.isEmpty() ? Set.of() : scopes.aboutAUser(requested);
        if (!aboutAUser.isEmpty()) {
            throw OAuthError.invalidScope(String.join(" ", aboutAUser)
                    + ": the OpenID Connect scopes describe a user, and this grant has none");
        }
        Set<String> allowed = call.client().allowedScopes();
        // §3.3: without a requested scope, the default scopes the client may use, else its registered scope; in either
        // case none of the OpenID Connect ones, which describe a user. What is left may be nothing: no scope.
        Set<String> granted = requested.isEmpty() ? scopes.defaultsFor(allowed, allowed, false) : requested;
        if (!allowed.containsAll(granted)) throw OAuthError.invalidScope("the client may not request this scope");
        List<String> resources = call.resources();
        var issued = tokens.issue(call.bind(new AccessTokenService.Request(
                call.client().clientId(),
                Optional.empty(),
                call.client().clientId(),
                resources.isEmpty() ? List.of(defaultAudience) : resources,
                granted)));
        var body = new LinkedHashMap<String, Object>();
        body.put("access_token", issued.token());
        body.put("token_type", call.tokenType());
        body.put("expires_in", issued.expiresIn());
        if (!granted.isEmpty()) body.put("scope", String.join(" ", granted));
        return body;
    }
}
