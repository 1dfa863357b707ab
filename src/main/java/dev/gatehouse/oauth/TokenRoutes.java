package dev.gatehouse.oauth;

import dev.gatehouse.oauth.clients.ClientAuthParser;
import dev.gatehouse.oauth.clients.ClientService;
import dev.gatehouse.oauth.token.TokenEndpoint;
import dev.gatehouse.platform.http.Api;
import dev.gatehouse.platform.http.RouteGroup;
import dev.gatehouse.platform.http.Web;
import dev.gatehouse.sessions.SessionService;
import dev.gatehouse.tokens.TokenIntrospector;
import io.javalin.http.Context;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** /oauth2/token, /oauth2/introspect (RFC 7662) and /oauth2/revoke (RFC 7009): form in, RFC 6749 JSON out. */
public final class TokenRoutes implements RouteGroup {
    private final TokenEndpoint endpoint;
    private final ClientService clients;
    private final TokenIntrospector introspector;
    private final SessionService sessions;
    private final Web web;
    private final dev.gatehouse.tokens.DpopProofs dpop;
    private final String tokenUrl;

    public TokenRoutes(
            TokenEndpoint endpoint,
            ClientService clients,
            TokenIntrospector introspector,
            SessionService sessions,
            Web web) {
        this(endpoint, clients, introspector, sessions, web, null, null);
    }

    /** With {@code dpop}, token requests carrying a DPoP proof get tokens bound to its key (RFC 9449 §5). */
    public TokenRoutes(
            TokenEndpoint endpoint,
            ClientService clients,
            TokenIntrospector introspector,
            SessionService sessions,
            Web web,
            dev.gatehouse.tokens.DpopProofs dpop,
            String issuer) {
        this.dpop = dpop;
        this.tokenUrl = issuer + "/oauth2/token";
        this.endpoint = endpoint;
        this.clients = clients;
        this.introspector = introspector;
        this.sessions = sessions;
        this.web = web;
    }

    @Override
    public void routes(Api api) {
        api.exception(OAuthError.class, (e, ctx) -> {
            ctx.status(e.status());
            if (e.status() == 401) {
                ctx.header(
                        "WWW-Authenticate",
                        e.error().equals("invalid_token")
                                ? "Bearer error=\"invalid_token\""
                                : "Basic realm=\"gatehouse\"");
            }
            ctx.header("Cache-Control", "no-store");
            web.json(ctx, e.status(), e.body());
        });
        api.post("/oauth2/token", this::token)
                .tag("oauth")
                .summary("OAuth 2.1 token endpoint (RFC 6749 §3.2)")
                .returns(200, "token response")
                .returns(400, "RFC 6749 error")
                .returns(401, "invalid_client");
        api.post("/oauth2/introspect", this::introspect)
                .tag("oauth")
                .summary("Token introspection (RFC 7662)")
                .returns(200, "introspection response")
                .returns(401, "invalid_client");
        api.post("/oauth2/revoke", this::revoke)
                .tag("oauth")
                .summary("Token revocation (RFC 7009)")
                .returns(200, "revoked, or nothing to revoke")
                .returns(401, "invalid_client");
    }

    private Map<String, List<String>> form(Context ctx) {
        String type = ctx.contentType() == null ? "" : ctx.contentType().toLowerCase(Locale.ROOT);
        if (!type.startsWith("application/x-www-form-urlencoded")) {
            throw OAuthError.invalidRequest("the body must be application/x-www-form-urlencoded");
        }
        return ctx.formParamMap();
    }

    private void token(Context ctx) {
        var params = form(ctx);
        var credentials = ClientAuthParser.parse(ctx.header("Authorization"), params);
        var body = endpoint.handle(credentials, params, web.info(ctx), dpopKey(ctx));
        ctx.header("Cache-Control", "no-store");
        ctx.header("Pragma", "no-cache");
        web.ok(ctx, body);
    }

    /** The thumbprint of the request's valid DPoP proof; {@code invalid_dpop_proof} for an invalid one. */
    private java.util.Optional<String> dpopKey(Context ctx) {
        List<String> proofs = java.util.Collections.list(ctx.req().getHeaders("DPoP"));
        if (dpop == null || proofs.isEmpty()) return java.util.Optional.empty();
        try {
            return java.util.Optional.of(dpop.verify(proofs, "POST", tokenUrl, java.util.Optional.empty()));
        } catch (dev.gatehouse.tokens.DpopProofs.Invalid e) {
            throw new OAuthError(400, "invalid_dpop_proof", e.getMessage());
        }
    }

    private void introspect(Context ctx) {
        var params = form(ctx);
        var client = clients.authenticate(ClientAuthParser.parse(ctx.header("Authorization"), params));
        if (client.isPublic()) throw OAuthError.unauthorizedClient("introspection needs a confidential client");
        String token = ClientAuthParser.single(params, "token");
        if (token == null) throw OAuthError.invalidRequest("missing parameter token");
        web.ok(ctx, introspector.introspect(token));
    }

    private void revoke(Context ctx) {
        var params = form(ctx);
        var client = clients.authenticate(ClientAuthParser.parse(ctx.header("Authorization"), params));
        String token = ClientAuthParser.single(params, "token");
        if (token == null) throw OAuthError.invalidRequest("missing parameter token");
        if (token.startsWith("rt_")) sessions.revokeByRefreshToken(token, client.clientId(), web.info(ctx));
        else introspector.revokeAccessToken(token, client.clientId());
        ctx.status(200);
    }
}
