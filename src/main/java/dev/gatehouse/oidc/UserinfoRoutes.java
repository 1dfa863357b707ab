package dev.gatehouse.oidc;

import dev.gatehouse.accounts.AccountService;
import dev.gatehouse.platform.crypto.PublicJwks;
import dev.gatehouse.platform.http.Api;
import dev.gatehouse.platform.http.RouteGroup;
import dev.gatehouse.platform.http.Web;
import dev.gatehouse.tokens.AccessTokenClaims;
import dev.gatehouse.tokens.DpopProofs;
import dev.gatehouse.tokens.TokenIntrospector;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * OIDC Core §5.3 UserInfo, GET and POST, with the claims of the scopes the access token carries (§5.4). A DPoP-bound
 * access token (RFC 9449 §7) is accepted only as {@code Authorization: DPoP} with a proof of its key; as Bearer it is
 * refused.
 */
public final class UserinfoRoutes implements RouteGroup {
    private final TokenIntrospector introspector;
    private final AccountService accounts;
    private final Web web;
    private final DpopProofs dpop;
    private final String userinfoUrl;

    public UserinfoRoutes(TokenIntrospector introspector, AccountService accounts, Web web) {
        this(introspector, accounts, web, null, null);
    }

    public UserinfoRoutes(
            TokenIntrospector introspector, AccountService accounts, Web web, DpopProofs dpop, String issuer) {
        this.dpop = dpop;
        this.userinfoUrl = issuer + "/oauth2/userinfo";
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
        String authorization = ctx.header("Authorization");
        boolean dpopScheme =
                dpop != null && authorization != null && authorization.regionMatches(true, 0, "DPoP ", 0, 5);
        Optional<AccessTokenClaims> claims;
        if (dpopScheme) {
            String token = authorization.substring(5).trim();
            String jkt;
            try {
                jkt = dpop.verify(
                        java.util.Collections.list(ctx.req().getHeaders("DPoP")),
                        ctx.method().name(),
                        userinfoUrl,
                        Optional.of(token));
            } catch (DpopProofs.Invalid e) {
                refuse(ctx, true, "invalid_dpop_proof", e.getMessage());
                return;
            }
            claims = introspector.active(token);
            if (claims.isPresent() && !claims.get().dpopJkt().equals(Optional.of(jkt))) {
                refuse(ctx, true, "invalid_token", "the access token is not bound to the DPoP proof's key");
                return;
            }
        } else {
            claims = web.bearer(ctx).flatMap(introspector::active);
            if (claims.isPresent() && claims.get().dpopJkt().isPresent()) {
                refuse(ctx, true, "invalid_token", "a DPoP-bound access token needs the DPoP scheme and a proof");
                return;
            }
        }
        Optional<UUID> userId = claims.flatMap(c -> parse(c.subject()));
        var user = userId.flatMap(accounts::find).filter(u -> u.active());
        if (user.isEmpty()) {
            refuse(ctx, dpopScheme, "invalid_token", "the access token is not valid");
            return;
        }
        var scopes = claims.get().scopes();
        if (!scopes.contains("openid")) {
            ctx.header(
                    "WWW-Authenticate",
                    (dpopScheme ? "DPoP" : "Bearer") + " error=\"insufficient_scope\", scope=\"openid\"");
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

    /** RFC 6750 §3.1 or RFC 9449 §7.1 challenge; a Bearer refusal also names the DPoP scheme and its algorithms. */
    private void refuse(Context ctx, boolean dpopChallenge, String error, String description) {
        String algs = "algs=\"" + String.join(" ", PublicJwks.algNames()) + "\"";
        if (dpopChallenge) {
            ctx.header("WWW-Authenticate", "DPoP error=\"" + error + "\", " + algs);
        } else {
            ctx.header("WWW-Authenticate", "Bearer error=\"" + error + "\"");
            if (dpop != null) ctx.res().addHeader("WWW-Authenticate", "DPoP " + algs);
        }
        web.json(ctx, 401, Map.of("error", error, "error_description", description));
    }

    private static Optional<UUID> parse(String s) {
        try {
            return Optional.of(UUID.fromString(s));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
