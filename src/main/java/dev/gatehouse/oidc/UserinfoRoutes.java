package dev.gatehouse.oidc;

import dev.gatehouse.accounts.AccountService;
import dev.gatehouse.platform.http.Api;
import dev.gatehouse.platform.http.RouteGroup;
import dev.gatehouse.platform.http.Web;
import dev.gatehouse.tokens.AccessTokenClaims;
import dev.gatehouse.tokens.TokenIntrospector;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/** OIDC Core §5.3 UserInfo, GET and POST, with the claims of the scopes the access token carries (§5.4). */
public final class UserinfoRoutes implements RouteGroup {
    private final TokenIntrospector introspector;
    private final AccountService accounts;
    private final Web web;

    public UserinfoRoutes(TokenIntrospector introspector, AccountService accounts, Web web) {
        this.introspector = introspector;
        this.accounts = accounts;
        this.web = web;
    }

    @Override
    public void routes(Api api) {
        api.get("/oauth2/userinfo", this::userinfo)
                .tag("oidc")
                .summary("OpenID Connect UserInfo")
                .returns(200, "claims")
                .returns(401, "invalid_token")
                .returns(403, "insufficient_scope");
        api.post("/oauth2/userinfo", this::userinfo)
                .tag("oidc")
                .summary("OpenID Connect UserInfo (POST)")
                .returns(200, "claims")
                .returns(401, "invalid_token")
                .returns(403, "insufficient_scope");
    }

    private void userinfo(Context ctx) {
        ctx.header("Cache-Control", "no-store");
        Optional<AccessTokenClaims> claims = web.bearer(ctx).flatMap(introspector::active);
        Optional<UUID> userId = claims.flatMap(c -> parse(c.subject()));
        var user = userId.flatMap(accounts::find).filter(u -> u.active());
        if (user.isEmpty()) {
            // RFC 6750 §3.1
            ctx.header("WWW-Authenticate", "Bearer error=\"invalid_token\"");
            web.json(ctx, 401, Map.of("error", "invalid_token", "error_description", "the access token is not valid"));
            return;
        }
        var scopes = claims.get().scopes();
        if (!scopes.contains("openid")) {
            ctx.header("WWW-Authenticate", "Bearer error=\"insufficient_scope\", scope=\"openid\"");
            web.json(ctx, 403, Map.of("error", "insufficient_scope", "error_description", "openid scope required"));
            return;
        }
        var u = user.get();
        var body = new LinkedHashMap<String, Object>();
        body.put("sub", u.id().toString());
        if (scopes.contains("email")) {
            body.put("email", u.email());
            body.put("email_verified", u.emailVerified());
        }
        if (scopes.contains("profile")) {
            String first = u.firstName() == null ? "" : u.firstName();
            String last = u.lastName() == null ? "" : u.lastName();
            String name = (first + " " + last).trim();
            if (!name.isEmpty()) body.put("name", name);
            if (!first.isEmpty()) body.put("given_name", first);
            if (!last.isEmpty()) body.put("family_name", last);
        }
        web.ok(ctx, body);
    }

    private static Optional<UUID> parse(String s) {
        try {
            return Optional.of(UUID.fromString(s));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
