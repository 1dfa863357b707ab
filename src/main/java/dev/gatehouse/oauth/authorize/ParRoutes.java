package dev.gatehouse.oauth.authorize;

import dev.gatehouse.oauth.OAuthError;
import dev.gatehouse.oauth.clients.ClientAuthParser;
import dev.gatehouse.oauth.clients.ClientService;
import dev.gatehouse.platform.http.Api;
import dev.gatehouse.platform.http.RouteGroup;
import dev.gatehouse.platform.http.Web;
import io.javalin.http.Context;
import java.util.Locale;

/**
 * {@code /oauth2/par}: pushed authorization requests (RFC 9126). The client authenticates exactly as at the token
 * endpoint; the request is validated in full before it is stored, and the answer is a single-use request_uri. Like the
 * token endpoint, it answers CORS preflights, and its answers are readable by the origins of the client's redirect
 * URIs (ADR 0017).
 */
public final class ParRoutes implements RouteGroup {
    private final AuthorizeService authorize;
    private final ClientService clients;
    private final Web web;

    public ParRoutes(AuthorizeService authorize, ClientService clients, Web web) {
        this.authorize = authorize;
        this.clients = clients;
        this.web = web;
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
        String type = ctx.header("Content-Type") == null
                ? ""
                : ctx.header("Content-Type").toLowerCase(Locale.ROOT);
        if (!type.startsWith("application/x-www-form-urlencoded"))
            throw OAuthError.invalidRequest("the body must be application/x-www-form-urlencoded");
        var params = ctx.formParamMap();
        // ADR 0017: a browser-based client pushing from the origin of its redirect URIs reads the answer, refusals too.
        clients.cors(ctx.header("Origin"), ctx.header("Authorization"), params).forEach(ctx::header);
        var client = clients.authenticate(ClientAuthParser.parse(ctx.header("Authorization"), params));
        var body = authorize.push(client, params, web.info(ctx));
        ctx.header("Cache-Control", "no-store");
        web.json(ctx, 201, body);
    }
}
