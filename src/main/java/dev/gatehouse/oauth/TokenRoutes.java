package dev.gatehouse.oauth;

import dev.gatehouse.oauth.clients.ClientAuthParser;
import dev.gatehouse.oauth.clients.ClientService;
import dev.gatehouse.oauth.token.SessionGrants;
import dev.gatehouse.oauth.token.TokenEndpoint;
import dev.gatehouse.platform.http.Api;
import dev.gatehouse.platform.http.FormAnswer;
import dev.gatehouse.platform.http.FormCall;
import dev.gatehouse.platform.http.RouteGroup;
import dev.gatehouse.platform.http.Web;
import dev.gatehouse.sessions.SessionService;
import dev.gatehouse.tokens.TokenIntrospector;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** /oauth2/token, /oauth2/introspect (RFC 7662) and /oauth2/revoke (RFC 7009): form in, RFC 6749 JSON out. */
public final class TokenRoutes implements RouteGroup {
    /** RFC 6749 §5.1: token answers are not to be cached. */
    private static final Map<String, String> NOT_CACHED = Map.of("Cache-Control", "no-store", "Pragma", "no-cache");

    private final TokenEndpoint endpoint;
    private final ClientService clients;
    private final TokenIntrospector introspector;
    private final SessionService sessions;
    private final SessionGrants grants;
    private final Web web;
    private final dev.gatehouse.tokens.DpopProofs dpop;
    private final String tokenUrl;
    private final String issuer;

    /**
     * With {@code dpop}, token requests carrying a DPoP proof get tokens bound to its key (RFC 9449 §5); {@code grants}
     * gives a refresh token's scope at introspection.
     */
    public TokenRoutes(
            TokenEndpoint endpoint,
            ClientService clients,
            TokenIntrospector introspector,
            SessionService sessions,
            SessionGrants grants,
            Web web,
            dev.gatehouse.tokens.DpopProofs dpop,
            String issuer) {
        this.grants = grants;
        this.dpop = dpop;
        this.issuer = issuer;
        this.tokenUrl = issuer + "/oauth2/token";
        this.endpoint = endpoint;
        this.clients = clients;
        this.introspector = introspector;
        this.sessions = sessions;
        this.web = web;
    }

    private static final String FORM = "application/x-www-form-urlencoded";

    /**
     * The token request's form fields, for the OpenAPI document: each grant uses its own (RFC 6749 §4, RFC 8628 §3.4,
     * RFC 8693 §2.1), a client authenticates with Basic, the {@code client_id}/{@code client_secret} pair or a
     * {@code client_assertion} (RFC 7523), and {@code resource} may repeat (RFC 8707).
     */
    record TokenForm(
            String grantType,
            String code,
            String redirectUri,
            String codeVerifier,
            String refreshToken,
            String scope,
            java.util.List<String> resource,
            String deviceCode,
            String subjectToken,
            String subjectTokenType,
            String actorToken,
            String actorTokenType,
            String requestedTokenType,
            String audience,
            String clientId,
            String clientSecret,
            String clientAssertionType,
            String clientAssertion) {}

    /** A token response (RFC 6749 §5.1; {@code id_token} OIDC Core §3.1.3.3; {@code issued_token_type} RFC 8693). */
    record TokenAnswer(
            String accessToken,
            String tokenType,
            Long expiresIn,
            String refreshToken,
            String scope,
            String idToken,
            String issuedTokenType) {}

    /** The introspection and revocation form (RFC 7662 §2.1, RFC 7009 §2.1), plus the client's authentication. */
    record TokenHintForm(
            String token,
            String tokenTypeHint,
            String clientId,
            String clientSecret,
            String clientAssertionType,
            String clientAssertion) {}

    /** An introspection answer (RFC 7662 §2.2); only {@code active} when the token is not. */
    record Introspection(
            boolean active,
            String scope,
            String clientId,
            String username,
            String tokenType,
            Long exp,
            Long iat,
            Long nbf,
            String sub,
            java.util.List<String> aud,
            String iss,
            String jti,
            java.util.Map<String, Object> cnf) {}

    @Override
    public void routes(Api api) {
        api.exception(OAuthError.class, (e, ctx) -> {
            FormAnswer answer = e.answer();
            answer.headers().forEach(ctx::header);
            web.json(ctx, answer.status(), answer.body());
        });
        for (String path : List.of("/oauth2/token", "/oauth2/introspect", "/oauth2/revoke"))
            api.problemsAs(path, OAuthError::of);
        api.form("/oauth2/token", OAuthForm.of(this::token).withCors(this::cors))
                .tag("oauth")
                .summary("OAuth 2.1 token endpoint (RFC 6749 §3.2)")
                .body(TokenForm.class, FORM)
                .returns(200, TokenAnswer.class)
                .returns(400, "RFC 6749 error")
                .returns(401, "invalid_client (a private_key_jwt assertion's aud must be the issuer alone)");
        api.form("/oauth2/introspect", OAuthForm.of(this::introspect))
                .tag("oauth")
                .summary("Token introspection (RFC 7662)")
                .body(TokenHintForm.class, FORM)
                .returns(200, Introspection.class)
                .returns(
                        400,
                        "invalid_request: the body is not a form (or names a charset that is not ASCII-compatible)")
                .returns(401, "invalid_client");
        api.form("/oauth2/revoke", OAuthForm.of(this::revoke).withCors(this::cors))
                .tag("oauth")
                .summary("Token revocation (RFC 7009)")
                .body(TokenHintForm.class, FORM)
                .returns(200, "revoked, or nothing to revoke")
                .returns(400, "unauthorized_client: the token was issued to another client (it stays valid)")
                .returns(401, "invalid_client");
        api.preflight("/oauth2/token", "POST").tag("oauth");
        api.preflight("/oauth2/revoke", "POST").tag("oauth");
    }

    /** ADR 0017: the answers to a browser-based client are readable by the origins of its redirect URIs, refusals too. */
    private Map<String, String> cors(FormCall call) {
        return clients.cors(call.header("Origin"), call.header("Authorization"), call.form());
    }

    private FormAnswer token(FormCall call) {
        var params = call.form();
        var credentials = ClientAuthParser.parse(call.header("Authorization"), params);
        var body = endpoint.handle(
                credentials, params, call.info(), dpopKey(call.headers().all("DPoP")));
        return new FormAnswer(200, NOT_CACHED, body);
    }

    /** The thumbprint of the request's valid DPoP proof; {@code invalid_dpop_proof} for an invalid one. */
    private Optional<String> dpopKey(List<String> proofs) {
        if (dpop == null || proofs.isEmpty()) return Optional.empty();
        try {
            return Optional.of(dpop.verify(proofs, "POST", tokenUrl, Optional.empty()));
        } catch (dev.gatehouse.tokens.DpopProofs.Invalid e) {
            throw new OAuthError(400, "invalid_dpop_proof", e.getMessage());
        }
    }

    private FormAnswer introspect(FormCall call) {
        var params = call.form();
        var client = clients.authenticate(ClientAuthParser.parse(call.header("Authorization"), params));
        if (client.isPublic()) throw OAuthError.unauthorizedClient("introspection needs a confidential client");
        String token = ClientAuthParser.single(params, "token");
        if (token == null) throw OAuthError.invalidRequest("missing parameter token");
        if (token.startsWith("rt_")) return FormAnswer.ok(refreshTokenIntrospection(token, client.clientId()));
        return FormAnswer.ok(introspector.introspect(token));
    }

    /**
     * RFC 7662 for refresh tokens: active only for the client they were issued to, while the refresh grant would
     * accept them (unused, unexpired, in a live session); to anyone else, inactive.
     */
    private Map<String, Object> refreshTokenIntrospection(String token, String clientId) {
        var body = new java.util.LinkedHashMap<String, Object>();
        var live = sessions.liveRefreshToken(token, clientId);
        body.put("active", live.isPresent());
        live.ifPresent(r -> {
            // No token_type: RFC 7662 §2.2 means an access token's type (RFC 6749 §7.1, Bearer or DPoP), which a
            // refresh token has not.
            // The scope the refresh grant issues within: what the user granted, however narrow the last access token
            // asked for (RFC 6749 §6).
            grants.of(r.session().id()).ifPresent(g -> body.put("scope", String.join(" ", g.scope())));
            body.put("client_id", clientId);
            body.put("sub", r.session().userId().toString());
            body.put("iat", r.issuedAt().getEpochSecond());
            body.put("exp", r.expiresAt().getEpochSecond());
            body.put("iss", issuer);
            body.put("sid", r.session().id().toString());
        });
        return body;
    }

    private FormAnswer revoke(FormCall call) {
        var params = call.form();
        var client = clients.authenticate(ClientAuthParser.parse(call.header("Authorization"), params));
        String token = ClientAuthParser.single(params, "token");
        if (token == null) throw OAuthError.invalidRequest("missing parameter token");
        boolean own = token.startsWith("rt_")
                ? sessions.revokeByRefreshToken(token, client.clientId(), call.info())
                : introspector.revokeAccessToken(token, client.clientId());
        // RFC 7009 §2.1: a token issued to another client is refused, and the caller told so; it stays valid.
        if (!own) throw new OAuthError(400, "unauthorized_client", "the token was not issued to this client");
        return new FormAnswer(200, Map.of(), null);
    }
}
