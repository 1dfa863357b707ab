package dev.gatehouse.oauth.token;

import com.nimbusds.oauth2.sdk.GrantType;
import dev.gatehouse.oauth.OAuthError;
import dev.gatehouse.oauth.clients.ClientCredentials;
import dev.gatehouse.oauth.clients.ClientService;
import dev.gatehouse.oauth.clients.OAuthClient;
import dev.gatehouse.oauth.clients.ResourcePolicy;
import dev.gatehouse.platform.http.RequestInfo;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The token endpoint's fixed pipeline: grant type known → client authenticated → client registered for the grant →
 * its resource indicators allowed → the grant's handler. Handlers register through {@link #register}, built-ins the
 * same way as any extension would.
 */
public final class TokenEndpoint {
    private final ClientService clients;
    private final ResourcePolicy resources;
    private final Map<String, GrantHandler> handlers = new LinkedHashMap<>();

    public TokenEndpoint(ClientService clients, ResourcePolicy resources) {
        this.clients = clients;
        this.resources = resources;
    }

    public TokenEndpoint register(GrantHandler handler) {
        handlers.put(handler.grantType(), handler);
        return this;
    }

    public List<String> grantTypes() {
        return List.copyOf(handlers.keySet());
    }

    public Map<String, Object> handle(
            ClientCredentials credentials, Map<String, List<String>> params, RequestInfo info) {
        return handle(credentials, params, info, java.util.Optional.empty());
    }

    /** {@code dpopJkt}: the key thumbprint of the request's verified DPoP proof, if it had one. */
    public Map<String, Object> handle(
            ClientCredentials credentials,
            Map<String, List<String>> params,
            RequestInfo info,
            java.util.Optional<String> dpopJkt) {
        String grant = dev.gatehouse.oauth.clients.ClientAuthParser.single(params, "grant_type");
        if (grant == null) throw OAuthError.invalidRequest("missing parameter grant_type");
        GrantHandler handler = handlers.get(grant);
        if (handler == null) throw OAuthError.unsupportedGrantType("grant type " + grant + " is not supported");
        OAuthClient client = clients.authenticate(credentials);
        if (!client.allows(new GrantType(grant))) {
            throw OAuthError.unauthorizedClient("the client is not registered for " + grant);
        }
        // RFC 9449 §5.2: a client registered with dpop_bound_access_tokens always presents a proof.
        if (dpopJkt.isEmpty() && client.metadata().getDPoPBoundAccessTokens())
            throw new OAuthError(400, "invalid_dpop_proof", "this client must send a DPoP proof");
        // RFC 8707 §2, for every grant: a resource the client may not name is refused before anything is spent.
        resources.problem(client, params.getOrDefault("resource", List.of())).ifPresent(p -> {
            throw OAuthError.invalidTarget(p);
        });
        return handler.handle(new TokenCall(client, params, info, dpopJkt));
    }
}
