package dev.gatehouse.oauth.authorize;

import dev.gatehouse.oauth.OAuthError;
import dev.gatehouse.oauth.clients.ClientAuthParser;
import dev.gatehouse.oauth.clients.ClientService;
import dev.gatehouse.platform.http.Api;
import dev.gatehouse.platform.http.RouteGroup;
import dev.gatehouse.platform.http.Web;
import io.javalin.http.Context;
import java.util.List;
import java.util.Map;

/**
 * {@code /oauth2/par}: pushed authorization requests (RFC 9126). The client authenticates exactly as at the token
 * endpoint; the request is validated in full before it is stored, and the answer is a single-use request_uri. Like the
 * token endpoint, it answers CORS preflights, and its answers are readable by the origins of the client's redirect
 * URIs (ADR 0017). A DPoP proof sent with the push binds the code to its key, as {@code dpop_jkt} does (RFC 9449
 * §10.1); both together must name the same key.
 */
public final class ParRoutes implements RouteGroup {
    private final AuthorizationRequests requests;
    private final ClientService clients;
    private final Web web;
    private final dev.gatehouse.tokens.DpopProofs dpop;
    private final String parUrl;

    public ParRoutes(
            AuthorizationRequests requests,
            ClientService clients,
            Web web,
            dev.gatehouse.tokens.DpopProofs dpop,
            String issuer) {
        this.requests = requests;
        this.clients = clients;
        this.web = web;
        this.dpop = dpop;
        this.parUrl = issuer + "/oauth2/par";
    }

    @Override
    public void routes(Api api) {
        api.problemsAs("/oauth2/par", OAuthError::of);
        api.post("/oauth2/par", this::push)
                .tag("oauth")
                .summary("Pushed authorization request (RFC 9126)")
                .returns(201, "request_uri and expires_in")
                .returns(400, "RFC 6749 error, e.g. invalid_request or invalid_scope")
                .returns(401, "invalid_client");
        api.preflight("/oauth2/par", "POST").tag("oauth");
    }

    private void push(Context ctx) {
        if (!dev.gatehouse.platform.http.FormEndpoint.isForm(ctx.header("Content-Type")))
            throw OAuthError.invalidRequest("the body must be application/x-www-form-urlencoded");
        var params = ctx.formParamMap();
        // ADR 0017: a browser-based client pushing from the origin of its redirect URIs reads the answer, refusals too.
        clients.cors(ctx.header("Origin"), ctx.header("Authorization"), params).forEach(ctx::header);
        var client = clients.authenticate(ClientAuthParser.parse(ctx.header("Authorization"), params));
        var body = requests.push(client, boundToProofKey(ctx, params), web.info(ctx));
        ctx.header("Cache-Control", "no-store");
        web.json(ctx, 201, body);
    }

    /**
     * RFC 9449 §10.1: the form with {@code dpop_jkt} set to the key of the request's DPoP proof, when it has one; a
     * proof that is not valid, or a {@code dpop_jkt} naming another key, is refused ({@code invalid_dpop_proof}).
     */
    private Map<String, List<String>> boundToProofKey(Context ctx, Map<String, List<String>> params) {
        var proofs = java.util.Collections.list(ctx.req().getHeaders("DPoP"));
        if (proofs.isEmpty()) return params;
        String jkt;
        try {
            jkt = dpop.verify(proofs, "POST", parUrl, java.util.Optional.empty());
        } catch (dev.gatehouse.tokens.DpopProofs.Invalid e) {
            throw new OAuthError(400, "invalid_dpop_proof", e.getMessage());
        }
        List<String> named = params.get("dpop_jkt");
        if (named != null && !named.equals(List.of(jkt)))
            throw new OAuthError(400, "invalid_dpop_proof", "dpop_jkt does not name the key of the DPoP proof");
        var bound = new java.util.LinkedHashMap<>(params);
        bound.put("dpop_jkt", List.of(jkt));
        return bound;
    }
}
