package dev.gatehouse.oidc;

import dev.gatehouse.accounts.AccountService;
import dev.gatehouse.accounts.UserClaims;
import dev.gatehouse.oauth.OAuthError;
import dev.gatehouse.oauth.clients.ClientService;
import dev.gatehouse.oauth.scopes.ScopeService;
import dev.gatehouse.platform.crypto.PublicJwks;
import dev.gatehouse.platform.http.Api;
import dev.gatehouse.platform.http.Cors;
import dev.gatehouse.platform.http.RouteGroup;
import dev.gatehouse.platform.http.Web;
import dev.gatehouse.tokens.AccessTokenClaims;
import dev.gatehouse.tokens.DpopProofs;
import dev.gatehouse.tokens.TokenIntrospector;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

/**
 * OIDC Core §5.3 UserInfo, GET and POST, with the claims of the scopes the access token carries (§5.4). A DPoP-bound
 * access token (RFC 9449 §7) is accepted only as {@code Authorization: DPoP} with a proof of its key; as Bearer it is
 * refused. This endpoint is a resource server of the issuer: a token whose audience was narrowed to other resources
 * (RFC 8707) is not for it (RFC 9068 §4), so its {@code aud} must name the issuer, this endpoint or the default
 * audience of tokens asked for no resource.
 */
public final class UserinfoRoutes implements RouteGroup {
    private final TokenIntrospector introspector;
    private final AccountService accounts;
    private final ClientService clients;
    private final Web web;
    private final DpopProofs dpop;
    private final String userinfoUrl;
    private final Set<String> audiences;
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
        this.dpop = dpop;
        this.userinfoUrl = issuer + "/oauth2/userinfo";
        this.audiences =
                Set.copyOf(java.util.List.of(issuer, userinfoUrl, defaultAudience)); // the last is often the first
        this.introspector = introspector;
        this.accounts = accounts;
        this.clients = clients;
        this.scopes = scopes;
        this.released = released;
        this.web = web;
    }

    @Override
    public void routes(Api api) {
        api.problemsAs("/oauth2/userinfo", OAuthError::of);
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
        ctx.header("Cache-Control", "no-store");
        var caller = caller(ctx);
        if (caller.isEmpty()) return;
        var claims = caller.get().claims();
        var user = parse(claims.subject()).flatMap(accounts::find).filter(u -> u.active());
        if (user.isEmpty()) {
            refuse(ctx, caller.get().dpop(), "invalid_token", "the access token is not valid");
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
                    (caller.get().dpop() ? "DPoP" : "Bearer") + " error=\"insufficient_scope\", scope=\"" + needed
                            + "\"");
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
        com.fasterxml.jackson.databind.JsonNode body;
        try {
            body = web.mapper().readTree(new String(ctx.bodyAsBytes(), java.nio.charset.StandardCharsets.UTF_8));
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

    /** The access token of a userinfo call, checked as Bearer or DPoP (RFC 9449 §7); empty once refused. */
    private record Caller(AccessTokenClaims claims, boolean dpop) {}

    private Optional<Caller> caller(Context ctx) {
        String authorization = ctx.header("Authorization");
        boolean dpopScheme =
                dpop != null && authorization != null && authorization.regionMatches(true, 0, "DPoP ", 0, 5);
        if (!dpopScheme && (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7))) {
            // RFC 6750 §3.1: a request without credentials (or with a scheme this endpoint does not take) gets the
            // challenge without an error code.
            refuse(ctx, false, null, "an access token is required (Bearer or DPoP)");
            return Optional.empty();
        }
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
                return Optional.empty();
            }
            claims = introspector.active(token);
            if (claims.isPresent() && !claims.get().dpopJkt().equals(Optional.of(jkt))) {
                refuse(ctx, true, "invalid_token", "the access token is not bound to the DPoP proof's key");
                return Optional.empty();
            }
        } else {
            claims = web.bearer(ctx).flatMap(introspector::active);
            if (claims.isPresent() && claims.get().dpopJkt().isPresent()) {
                refuse(ctx, true, "invalid_token", "a DPoP-bound access token needs the DPoP scheme and a proof");
                return Optional.empty();
            }
        }
        if (claims.isEmpty()) {
            refuse(ctx, dpopScheme, "invalid_token", "the access token is not valid");
            return Optional.empty();
        }
        if (claims.get().audience().stream().noneMatch(audiences::contains)) {
            refuse(
                    ctx,
                    dpopScheme,
                    "invalid_token",
                    "the access token is for another audience; to call userinfo, ask for the issuer as a resource too");
            return Optional.empty();
        }
        clients.cors(ctx.header("Origin"), claims.get().clientId()).forEach(ctx::header);
        return Optional.of(new Caller(claims.get(), dpopScheme));
    }

    private void userinfo(Context ctx) {
        ctx.header("Cache-Control", "no-store");
        var caller = caller(ctx);
        if (caller.isEmpty()) return;
        boolean dpopScheme = caller.get().dpop();
        var user = parse(caller.get().claims().subject())
                .flatMap(accounts::findRecent)
                .filter(u -> u.active());
        if (user.isEmpty()) {
            refuse(ctx, dpopScheme, "invalid_token", "the access token is not valid");
            return;
        }
        var scopes = caller.get().claims().scopes();
        if (!scopes.contains("openid")) {
            ctx.header(
                    "WWW-Authenticate",
                    (dpopScheme ? "DPoP" : "Bearer") + " error=\"insufficient_scope\", scope=\"openid\"");
            web.json(ctx, 403, Map.of("error", "insufficient_scope", "error_description", "openid scope required"));
            return;
        }
        web.ok(ctx, released.of(user.get(), scopes));
    }

    /**
     * RFC 6750 §3.1 or RFC 9449 §7.1 challenge; a Bearer refusal also names the DPoP scheme and its algorithms. Any
     * origin may read it (ADR 0017): it tells a browser-based client, whose token names no client it can trust here,
     * nothing but that the token it sent is not good, and it needs to know that to get a new one.
     */
    private void refuse(Context ctx, boolean dpopChallenge, String error, String description) {
        Cors.answer(ctx.header("Origin"), true).forEach(ctx::header);
        String algs = "algs=\"" + String.join(" ", PublicJwks.algNames()) + "\"";
        if (error == null) {
            ctx.header("WWW-Authenticate", "Bearer realm=\"gatehouse\"");
            if (dpop != null) ctx.res().addHeader("WWW-Authenticate", "DPoP " + algs);
            // The body keeps the OAuth surface's error field; only the challenge is bare.
            web.json(ctx, 401, Map.of("error", "invalid_token", "error_description", description));
            return;
        }
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
