package dev.gatehouse.oidc;

import dev.gatehouse.oauth.clients.ClientService;
import dev.gatehouse.platform.crypto.PublicJwks;
import dev.gatehouse.platform.http.Cors;
import dev.gatehouse.platform.http.FormAnswer;
import dev.gatehouse.platform.http.FormCall;
import dev.gatehouse.tokens.AccessTokenClaims;
import dev.gatehouse.tokens.DpopProofs;
import dev.gatehouse.tokens.TokenIntrospector;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Who calls userinfo: the access token of a call checked as a resource server checks it, or the refusal to answer
 * with. Bearer (RFC 6750) in the Authorization header or, on a POST, in a form body; DPoP (RFC 9449 §7) with a proof of
 * the token's key; the token's audience naming the issuer, the userinfo endpoint or the default audience (RFC 9068 §4).
 * Refusals carry the RFC 6750 §3 or RFC 9449 §7.1 challenge, readable by any origin (ADR 0017).
 */
final class UserinfoCallers {
    private final TokenIntrospector introspector;
    private final ClientService clients;
    private final DpopProofs dpop;
    private final String userinfoUrl;
    private final Set<String> audiences;

    UserinfoCallers(
            TokenIntrospector introspector,
            ClientService clients,
            DpopProofs dpop,
            String issuer,
            String defaultAudience) {
        this.introspector = introspector;
        this.clients = clients;
        this.dpop = dpop;
        this.userinfoUrl = issuer + "/oauth2/userinfo";
        this.audiences = Set.copyOf(List.of(issuer, userinfoUrl, defaultAudience)); // the last is often the first
    }

    static final String IN_URI = "OAuth 2.1 takes no access token in the URI: send it in the Authorization header";

    /** The access token of a userinfo call, checked as Bearer or DPoP (RFC 9449 §7). */
    record Caller(AccessTokenClaims claims, boolean dpop) {}

    /** A checked call: its caller and the CORS headers for its client's origin, or else the refusal to send. */
    record Checked(Caller caller, Map<String, String> cors, FormAnswer refusal) {
        static Checked refused(FormAnswer refusal) {
            return new Checked(null, Map.of(), refusal);
        }
    }

    /** The caller of {@code call}, or the refusal to answer it with. */
    Checked check(FormCall call) {
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

    /** RFC 6750 §3.1 {@code invalid_request}: a request that sends its token in a way this endpoint refuses. */
    FormAnswer invalidRequest(String origin, String description) {
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
    FormAnswer refuse(String origin, boolean dpopChallenge, String error, String description) {
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
}
