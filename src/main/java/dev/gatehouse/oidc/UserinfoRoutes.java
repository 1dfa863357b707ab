package dev.gatehouse.oidc;

import dev.gatehouse.accounts.AccountService;
import dev.gatehouse.accounts.UserClaims;
import dev.gatehouse.oauth.OAuthError;
import dev.gatehouse.oauth.OAuthForm;
import dev.gatehouse.oauth.clients.ClientService;
import dev.gatehouse.oauth.scopes.ScopeService;
import dev.gatehouse.platform.crypto.PublicJwks;
import dev.gatehouse.platform.http.Api;
import dev.gatehouse.platform.http.Cors;
import dev.gatehouse.platform.http.FormAnswer;
import dev.gatehouse.platform.http.FormCall;
import dev.gatehouse.platform.http.RouteGroup;
import dev.gatehouse.platform.http.Web;
import dev.gatehouse.tokens.AccessTokenClaims;
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
        api.read("/oauth2/userinfo", OAuthForm.of(this::userinfo))
                .tag("oidc")
                .summary("OpenID Connect UserInfo")
                .returns(200, "claims")
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
        var checked = caller(Api.call(ctx, Map.of()));
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
            refuse(ctx.header("Origin"), caller.dpop(), "invalid_token", "the access token is not valid")
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

    /** A POST's call: its form body's fields, which may hold the access token (RFC 6750 §2.2). */
    private FormAnswer postUserinfo(Context ctx) {
        if (ctx.queryParamMap().containsKey("access_token")) return invalidRequest(ctx.header("Origin"), IN_URI);
        Map<String, List<String>> form;
        try {
            form = Api.formOf(ctx);
        } catch (IllegalArgumentException e) {
            return invalidRequest(ctx.header("Origin"), e.getMessage());
        }
        return userinfo(Api.call(ctx, form));
    }

    private static final String IN_URI =
            "OAuth 2.1 takes no access token in the URI: send it in the Authorization header";

    /** The access token of a userinfo call, checked as Bearer or DPoP (RFC 9449 §7). */
    private record Caller(AccessTokenClaims claims, boolean dpop) {}

    /** A checked call: its caller and the CORS headers for its client's origin, or else the refusal to send. */
    private record Checked(Caller caller, Map<String, String> cors, FormAnswer refusal) {
        static Checked refused(FormAnswer refusal) {
            return new Checked(null, Map.of(), refusal);
        }
    }

    private Checked caller(FormCall call) {
        String origin = call.header("Origin");
        String authorization = call.header("Authorization");
        List<String> inForm = call.form().getOrDefault("access_token", List.of());
        if (!inForm.isEmpty()) {
            // RFC 6750 §2: a form body (§2.2) on a POST; never the URI, and one way only per request.
            if (!"POST".equals(call.method())) return Checked.refused(invalidRequest(origin, IN_URI));
            if (authorization != null)
                return Checked.refused(invalidRequest(
                        origin, "send the access token one way only: in the Authorization header or in the body"));
            if (inForm.size() > 1)
                return Checked.refused(invalidRequest(origin, "access_token is given more than once"));
            return bearer(origin, inForm.get(0));
        }
        boolean dpopScheme =
                dpop != null && authorization != null && authorization.regionMatches(true, 0, "DPoP ", 0, 5);
        if (!dpopScheme && (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7))) {
            // RFC 6750 §3.1: a request without credentials (or with a scheme this endpoint does not take) gets the
            // challenge without an error code.
            return Checked.refused(refuse(origin, false, null, "an access token is required (Bearer or DPoP)"));
        }
        if (!dpopScheme) return bearer(origin, authorization.substring(7).trim());
        String token = authorization.substring(5).trim();
        String jkt;
        try {
            jkt = dpop.verify(call.headers().all("DPoP"), call.method(), userinfoUrl, Optional.of(token));
        } catch (DpopProofs.Invalid e) {
            return Checked.refused(refuse(origin, true, "invalid_dpop_proof", e.getMessage()));
        }
        var claims = introspector.active(token);
        if (claims.isPresent() && !claims.get().dpopJkt().equals(Optional.of(jkt))) {
            return Checked.refused(
                    refuse(origin, true, "invalid_token", "the access token is not bound to the DPoP proof's key"));
        }
        return checked(origin, claims, true);
    }

    /** A Bearer token, from the Authorization header or a form body: never one bound to a DPoP key (RFC 9449 §7.2). */
    private Checked bearer(String origin, String token) {
        var claims = token.isEmpty() ? Optional.<AccessTokenClaims>empty() : introspector.active(token);
        if (claims.isPresent() && claims.get().dpopJkt().isPresent()) {
            return Checked.refused(refuse(
                    origin, true, "invalid_token", "a DPoP-bound access token needs the DPoP scheme and a proof"));
        }
        return checked(origin, claims, false);
    }

    /** The caller of a valid token for this endpoint's audience, or the refusal. */
    private Checked checked(String origin, Optional<AccessTokenClaims> claims, boolean dpopScheme) {
        if (claims.isEmpty()) {
            return Checked.refused(refuse(origin, dpopScheme, "invalid_token", "the access token is not valid"));
        }
        if (claims.get().audience().stream().noneMatch(audiences::contains)) {
            return Checked.refused(
                    refuse(
                            origin,
                            dpopScheme,
                            "invalid_token",
                            "the access token is for another audience; to call userinfo, ask for the issuer as a resource too"));
        }
        return new Checked(
                new Caller(claims.get(), dpopScheme),
                clients.cors(origin, claims.get().clientId()),
                null);
    }

    private FormAnswer userinfo(FormCall call) {
        var checked = caller(call);
        if (checked.refusal() != null) return checked.refusal();
        boolean dpopScheme = checked.caller().dpop();
        var user = parse(checked.caller().claims().subject())
                .flatMap(accounts::findRecent)
                .filter(u -> u.active());
        if (user.isEmpty()) {
            return refuse(call.header("Origin"), dpopScheme, "invalid_token", "the access token is not valid");
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

    /** RFC 6750 §3.1 {@code invalid_request}: a request that sends its token in a way this endpoint refuses. */
    private FormAnswer invalidRequest(String origin, String description) {
        var headers = new LinkedHashMap<>(Cors.answer(origin, true));
        headers.put("Cache-Control", "no-store");
        headers.put("WWW-Authenticate", "Bearer error=\"invalid_request\"");
        return new FormAnswer(400, headers, Map.of("error", "invalid_request", "error_description", description));
    }

    /**
     * RFC 6750 §3.1 or RFC 9449 §7.1 challenge; a Bearer refusal also names the DPoP scheme and its algorithms. Any
     * origin may read it (ADR 0017): it tells a browser-based client, whose token names no client it can trust here,
     * nothing but that the token it sent is not good, and it needs to know that to get a new one.
     */
    private FormAnswer refuse(String origin, boolean dpopChallenge, String error, String description) {
        var headers = new LinkedHashMap<>(Cors.answer(origin, true));
        headers.put("Cache-Control", "no-store");
        String algs = "algs=\"" + String.join(" ", PublicJwks.algNames()) + "\"";
        String dpopOffer = dpop == null ? null : "DPoP " + algs;
        if (error == null) {
            headers.put("WWW-Authenticate", "Bearer realm=\"gatehouse\"");
        } else if (dpopChallenge) {
            headers.put("WWW-Authenticate", "DPoP error=\"" + error + "\", " + algs);
            dpopOffer = null;
        } else {
            headers.put("WWW-Authenticate", "Bearer error=\"" + error + "\"");
        }
        // The body keeps the OAuth surface's error field, also when the challenge is bare.
        var answer = new FormAnswer(
                401,
                headers,
                Map.of("error", error == null ? "invalid_token" : error, "error_description", description));
        return dpopOffer == null ? answer : answer.withAnother("WWW-Authenticate", dpopOffer);
    }

    private static Optional<UUID> parse(String s) {
        try {
            return Optional.of(UUID.fromString(s));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
