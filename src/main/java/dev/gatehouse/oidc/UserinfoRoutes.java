package dev.gatehouse.oidc;

import dev.gatehouse.accounts.AccountService;
import dev.gatehouse.accounts.UserClaims;
import dev.gatehouse.oauth.OAuthError;
import dev.gatehouse.oauth.OAuthForm;
import dev.gatehouse.oauth.clients.ClientService;
import dev.gatehouse.oauth.scopes.ScopeService;
import dev.gatehouse.platform.http.Api;
import dev.gatehouse.platform.http.FormAnswer;
import dev.gatehouse.platform.http.FormCall;
import dev.gatehouse.platform.http.RouteGroup;
import dev.gatehouse.platform.http.Web;
import dev.gatehouse.tokens.DpopProofs;
import dev.gatehouse.tokens.TokenIntrospector;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

/**
 * OIDC Core §5.3 UserInfo, GET and POST, with the claims of the scopes the access token carries (§5.4). The token
 * comes in the Authorization header, or on a POST as a Bearer token in a form body (RFC 6750 §2.2); never in the URI
 * (OAuth 2.1 dropped RFC 6750 §2.3), and one way only per request (RFC 6750 §2), else {@code invalid_request}. A DPoP-bound
 * access token (RFC 9449 §7) is accepted only as {@code Authorization: DPoP} with a proof of its key; as Bearer it is
 * refused. This endpoint is a resource server of the issuer: a token whose audience was narrowed to other resources
 * (RFC 8707) is not for it (RFC 9068 §4), so its {@code aud} must name the issuer, this endpoint or the default
 * audience of tokens asked for no resource. {@link UserinfoCallers} checks the token of each call.
 */
public final class UserinfoRoutes implements RouteGroup {
    private final UserinfoCallers callers;
    private final AccountService accounts;
    private final Web web;
    private final ScopeService scopes;
    private final ReleasedClaims released;

    public UserinfoRoutes(
            TokenIntrospector introspector,
            AccountService accounts,
            ClientService clients,
            ScopeService scopes,
            ReleasedClaims released,
            Web web,
            DpopProofs dpop,
            String issuer,
            String defaultAudience) {
        this.callers = new UserinfoCallers(introspector, clients, dpop, issuer, defaultAudience);
        this.accounts = accounts;
        this.scopes = scopes;
        this.released = released;
        this.web = web;
    }

    @Override
    public void routes(Api api) {
        api.problemsAs("/oauth2/userinfo", OAuthError::of);
        api.read("/oauth2/userinfo", OAuthForm.of(this::userinfo))
                .tag("oidc")
                .summary("OpenID Connect UserInfo")
                .returns(200, "claims")
                .returns(400, "invalid_request: the query is not well-formed (a broken %-escape, or not UTF-8)")
                .returns(401, "invalid_token")
                .returns(403, "insufficient_scope");
        // A POST may carry a Bearer token in a form body instead (RFC 6750 §2.2); a POST is not on the fast path
        // (ADR 0026).
        api.post("/oauth2/userinfo", ctx -> postUserinfo(ctx).send(ctx, web.mapper()))
                .tag("oidc")
                .summary("OpenID Connect UserInfo (POST): the access token in the Authorization header, or as a Bearer"
                        + " token in an application/x-www-form-urlencoded body's access_token (RFC 6750 §2.2)")
                .returns(200, "claims")
                .returns(400, "invalid_request")
                .returns(401, "invalid_token")
                .returns(403, "insufficient_scope");
        api.put("/oauth2/userinfo", this::update)
                .tag("oidc")
                .summary("Update the caller's claims: each needs the scope that releases it (profile, phone, address)")
                .body(ProfileUpdate.class)
                .returns(200, "claims after the update")
                .returns(400, "invalid_request")
                .returns(401, "invalid_token")
                .returns(403, "insufficient_scope");
        api.preflight("/oauth2/userinfo", "GET, POST, PUT").tag("oidc");
    }

    /**
     * The claims PUT /oauth2/userinfo can change: a string sets one, null or "" clears it, absent ones stay. The
     * others come from elsewhere (sub, email, the verified flags) or are derived (name, updated_at).
     */
    public record ProfileUpdate(
            String givenName,
            String familyName,
            String middleName,
            String nickname,
            String preferredUsername,
            String profile,
            String picture,
            String website,
            String gender,
            String birthdate,
            String zoneinfo,
            String locale,
            String phoneNumber,
            AddressClaim address) {}

    /** OIDC Core §5.1.1. */
    public record AddressClaim(
            String formatted,
            String streetAddress,
            String locality,
            String region,
            String postalCode,
            String country) {}

    private void update(Context ctx) {
        var checked = callers.check(Api.call(ctx, Map.of()));
        if (checked.refusal() != null) {
            checked.refusal().send(ctx, web.mapper());
            return;
        }
        ctx.header("Cache-Control", "no-store");
        checked.cors().forEach(ctx::header);
        var caller = checked.caller();
        var claims = caller.claims();
        var user = parse(claims.subject()).flatMap(accounts::find).filter(u -> u.active());
        if (user.isEmpty()) {
            callers.refuse(ctx.header("Origin"), caller.dpop(), "invalid_token", "the access token is not valid")
                    .send(ctx, web.mapper());
            return;
        }
        Map<String, Optional<Object>> changes;
        try {
            changes = changes(ctx);
        } catch (IllegalArgumentException e) {
            // RFC 6750 §3.1 invalid_request, in the RFC 6749 §5.2 error body.
            web.json(ctx, 400, Map.of("error", "invalid_request", "error_description", e.getMessage()));
            return;
        }
        var granted = claims.scopes();
        var readable = granted.contains("openid") ? scopes.claimsOf(granted) : Set.<String>of();
        var withheld = new TreeSet<>(changes.keySet());
        withheld.removeAll(readable);
        if (!withheld.isEmpty()) {
            // RFC 6750 §3.1: the token lacks the scope the call needs; a claim is changed only by a token that can
            // read it.
            String needed = "openid " + scopeFor(withheld.first());
            ctx.header(
                    "WWW-Authenticate",
                    (caller.dpop() ? "DPoP" : "Bearer") + " error=\"insufficient_scope\", scope=\"" + needed + "\"");
            web.json(
                    ctx,
                    403,
                    Map.of(
                            "error",
                            "insufficient_scope",
                            "error_description",
                            "the access token's scopes do not release " + String.join(", ", withheld)));
            return;
        }
        var updated =
                accounts.updateProfile(user.get().id(), changes, web.info(ctx)).orElseThrow();
        web.ok(ctx, released.of(updated, granted));
    }

    /** The standard scope that releases an updatable claim (OIDC Core §5.4). */
    private static String scopeFor(String claim) {
        return switch (claim) {
            case "phone_number" -> "phone";
            case "address" -> "address";
            default -> "profile";
        };
    }

    /** The claims to change, each checked; at least one. */
    private Map<String, Optional<Object>> changes(Context ctx) {
        String mediaType = Optional.ofNullable(ctx.header("Content-Type"))
                .map(v -> v.split(";", 2)[0].trim().toLowerCase(java.util.Locale.ROOT))
                .orElse("");
        if (!mediaType.equals("application/json"))
            throw new IllegalArgumentException("send the claims as an application/json object");
        String text = Web.utf8(ctx.bodyAsBytes())
                .orElseThrow(() -> new IllegalArgumentException("the body is not valid UTF-8"));
        com.fasterxml.jackson.databind.JsonNode body;
        try {
            body = web.mapper().readTree(text);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("the body is not valid JSON");
        }
        if (body == null || !body.isObject() || body.isEmpty())
            throw new IllegalArgumentException("the body must be a JSON object of the claims to change");
        var out = new LinkedHashMap<String, Optional<Object>>();
        for (var it = body.properties().iterator(); it.hasNext(); ) {
            var e = it.next();
            out.put(e.getKey(), UserClaims.check(e.getKey(), e.getValue()));
        }
        return out;
    }

    /** A POST's call: its form body's fields, which may hold the access token (RFC 6750 §2.2). */
    private FormAnswer postUserinfo(Context ctx) {
        if (ctx.queryParamMap().containsKey("access_token"))
            return callers.invalidRequest(ctx.header("Origin"), UserinfoCallers.IN_URI);
        Map<String, List<String>> form;
        try {
            form = Api.formOf(ctx);
        } catch (IllegalArgumentException e) {
            return callers.invalidRequest(ctx.header("Origin"), e.getMessage());
        }
        return userinfo(Api.call(ctx, form));
    }

    private FormAnswer userinfo(FormCall call) {
        var checked = callers.check(call);
        if (checked.refusal() != null) return checked.refusal();
        boolean dpopScheme = checked.caller().dpop();
        var user = parse(checked.caller().claims().subject())
                .flatMap(accounts::findRecent)
                .filter(u -> u.active());
        if (user.isEmpty()) {
            return callers.refuse(call.header("Origin"), dpopScheme, "invalid_token", "the access token is not valid");
        }
        var scopes = checked.caller().claims().scopes();
        var headers = new LinkedHashMap<>(checked.cors());
        headers.put("Cache-Control", "no-store");
        if (!scopes.contains("openid")) {
            headers.put(
                    "WWW-Authenticate",
                    (dpopScheme ? "DPoP" : "Bearer") + " error=\"insufficient_scope\", scope=\"openid\"");
            return new FormAnswer(
                    403, headers, Map.of("error", "insufficient_scope", "error_description", "openid scope required"));
        }
        return new FormAnswer(200, headers, released.of(user.get(), scopes));
    }

    private static Optional<UUID> parse(String s) {
        try {
            return Optional.of(UUID.fromString(s));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
