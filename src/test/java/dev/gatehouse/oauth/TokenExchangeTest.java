package dev.gatehouse.oauth;

import static dev.gatehouse.testkit.HttpJson.map;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.oauth2.sdk.ClientCredentialsGrant;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.TokenErrorResponse;
import com.nimbusds.oauth2.sdk.TokenIntrospectionRequest;
import com.nimbusds.oauth2.sdk.TokenIntrospectionResponse;
import com.nimbusds.oauth2.sdk.TokenRequest;
import com.nimbusds.oauth2.sdk.TokenResponse;
import com.nimbusds.oauth2.sdk.TokenRevocationRequest;
import com.nimbusds.oauth2.sdk.auth.ClientSecretBasic;
import com.nimbusds.oauth2.sdk.auth.Secret;
import com.nimbusds.oauth2.sdk.dpop.DefaultDPoPProofFactory;
import com.nimbusds.oauth2.sdk.id.Audience;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.token.AccessTokenType;
import com.nimbusds.oauth2.sdk.token.BearerAccessToken;
import com.nimbusds.oauth2.sdk.token.TokenTypeURI;
import com.nimbusds.oauth2.sdk.tokenexchange.TokenExchangeGrant;
import dev.gatehouse.testkit.ServerTest;
import dev.gatehouse.testkit.TestServer;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** RFC 8693 token exchange (delegation and impersonation), driven by the Nimbus SDK as the client. */
@ServerTest
class TokenExchangeTest {
    static final String GRANT = "urn:ietf:params:oauth:grant-type:token-exchange";
    static final String PASSWORD = "Correct-Horse-Battery-9";
    static TestServer server;
    static String admin;
    static URI tokenUri;

    @BeforeAll
    static void start() {
        server = TestServer.start();
        server.createScopes("a", "orders:read", "orders:write");
        admin = server.adminToken();
        tokenUri = URI.create(server.base + "/oauth2/token");
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    record Client(ClientID id, Secret secret) {
        ClientSecretBasic auth() {
            return new ClientSecretBasic(id, secret);
        }
    }

    static Client register(Map<String, Object> metadata) {
        var r = server.registerClientAs(admin, metadata);
        return new Client(new ClientID(r.text("client_id")), new Secret(r.text("client_secret")));
    }

    static Client exchanger(boolean impersonation) {
        var m = new LinkedHashMap<String, Object>(map(
                "client_name",
                "orders gateway",
                "grant_types",
                List.of(GRANT),
                "token_endpoint_auth_method",
                "client_secret_basic",
                "resources",
                List.of(
                        "https://orders.example/api",
                        "https://orders.example/",
                        "billing",
                        "https://payments.example/")));
        if (impersonation) m.put("token_exchange_impersonation", true);
        return register(m);
    }

    static Client service(String scope) {
        return register(map(
                "client_name",
                "a service",
                "grant_types",
                List.of("client_credentials"),
                "token_endpoint_auth_method",
                "client_secret_basic",
                "scope",
                scope));
    }

    static BearerAccessToken serviceToken(Client c) throws Exception {
        var r = TokenResponse.parse(new TokenRequest(tokenUri, c.auth(), new ClientCredentialsGrant(), null)
                .toHTTPRequest()
                .send());
        return r.toSuccessResponse().getTokens().getBearerAccessToken();
    }

    static BearerAccessToken userToken() {
        String email = server.register("x" + System.nanoTime() + "@example.com", PASSWORD);
        return new BearerAccessToken(server.accessToken(email, PASSWORD));
    }

    static TokenResponse exchange(
            Client as, BearerAccessToken subject, BearerAccessToken actor, List<Audience> audience, Scope scope)
            throws Exception {
        var grant = new TokenExchangeGrant(
                subject,
                TokenTypeURI.ACCESS_TOKEN,
                actor,
                actor == null ? null : TokenTypeURI.ACCESS_TOKEN,
                null,
                audience);
        return TokenResponse.parse(new TokenRequest(tokenUri, as.auth(), grant, scope)
                .toHTTPRequest()
                .send());
    }

    static JWTClaimsSet claims(TokenResponse r) throws Exception {
        assertThat(r.indicatesSuccess())
                .as(() -> r instanceof TokenErrorResponse e ? e.getErrorObject().toString() : "")
                .isTrue();
        return SignedJWT.parse(
                        r.toSuccessResponse().getTokens().getAccessToken().getValue())
                .getJWTClaimsSet();
    }

    /** Whether {@code asker}, a confidential client of its own, finds {@code token} active (RFC 7662). */
    static boolean active(Client asker, BearerAccessToken token) throws Exception {
        return TokenIntrospectionResponse.parse(new TokenIntrospectionRequest(
                                URI.create(server.base + "/oauth2/introspect"), asker.auth(), token)
                        .toHTTPRequest()
                        .send())
                .toSuccessResponse()
                .isActive();
    }

    /** The access token {@code as} gets for {@code subject}, with {@code actor} acting. */
    static BearerAccessToken exchanged(Client as, BearerAccessToken subject, BearerAccessToken actor) throws Exception {
        return exchange(as, subject, actor, List.of(), null)
                .toSuccessResponse()
                .getTokens()
                .getBearerAccessToken();
    }

    static JWTClaimsSet claimsOf(BearerAccessToken token) throws Exception {
        return SignedJWT.parse(token.getValue()).getJWTClaimsSet();
    }

    static String error(TokenResponse r) {
        assertThat(r.indicatesSuccess()).as("expected an error").isFalse();
        return ((TokenErrorResponse) r).getErrorObject().getCode();
    }

    /** A raw token request, for parameters the SDK would not send. */
    static dev.gatehouse.testkit.HttpJson.Response raw(Client as, String form) {
        return server.http
                .post("/oauth2/token")
                .raw("application/x-www-form-urlencoded", "grant_type=" + enc(GRANT) + "&" + form)
                .header("Authorization", as.auth().toHTTPAuthorizationHeader())
                .send();
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    @Test
    void whenAnActorTokenIsPresented_thenTheNewTokenCarriesActAndTheRequestedAudience() throws Exception {
        var gateway = exchanger(false);
        var actor = service("");
        var user = userToken();
        var response =
                exchange(gateway, user, serviceToken(actor), List.of(new Audience("https://orders.example/api")), null);
        var c = claims(response);
        assertThat(c.getSubject())
                .isEqualTo(SignedJWT.parse(user.getValue()).getJWTClaimsSet().getSubject());
        assertThat(c.getAudience()).containsExactly("https://orders.example/api");
        assertThat(c.getStringClaim("client_id")).isEqualTo(gateway.id().getValue());
        assertThat(c.getJSONObjectClaim("act"))
                .isEqualTo(Map.of("sub", actor.id().getValue()));
        var ok = response.toSuccessResponse();
        assertThat(ok.getTokens().getAccessToken().getIssuedTokenType()).isEqualTo(TokenTypeURI.ACCESS_TOKEN);
        assertThat(ok.getTokens().getRefreshToken())
                .as("no refresh token from an exchange")
                .isNull();

        var introspection = TokenIntrospectionResponse.parse(new TokenIntrospectionRequest(
                        URI.create(server.base + "/oauth2/introspect"),
                        gateway.auth(),
                        ok.getTokens().getAccessToken())
                .toHTTPRequest()
                .send());
        assertThat(introspection.toSuccessResponse().isActive()).isTrue();

        // Delegating the delegated token again nests the earlier actor (RFC 8693 §4.1).
        var second = service("");
        var nested =
                claims(exchange(gateway, ok.getTokens().getBearerAccessToken(), serviceToken(second), List.of(), null));
        assertThat(nested.getJSONObjectClaim("act"))
                .isEqualTo(Map.of(
                        "sub",
                        second.id().getValue(),
                        "act",
                        Map.of("sub", actor.id().getValue())));
        assertThat(nested.getSubject()).isEqualTo(c.getSubject());

        var audit = server.http
                .get("/v1/audit/logs?event_type=oauth.token_exchanged")
                .bearer(admin)
                .send();
        assertThat(audit.body()).contains("delegation", actor.id().getValue());
    }

    @Test
    void whenTheSubjectIsPresentedAsItsOwnActor_thenItIsRefusedAsTheImpersonationItWouldBe() throws Exception {
        var gateway = exchanger(false);
        var user = userToken();
        assertThat(error(exchange(gateway, user, user, List.of(new Audience("https://payments.example/")), null)))
                .isEqualTo("invalid_request");
        // Nor another token of the same user.
        String sub = SignedJWT.parse(user.getValue()).getJWTClaimsSet().getSubject();
        var service = service("");
        var delegated = exchange(gateway, user, serviceToken(service), List.of(), null)
                .toSuccessResponse()
                .getTokens()
                .getBearerAccessToken();
        assertThat(SignedJWT.parse(delegated.getValue()).getJWTClaimsSet().getSubject())
                .isEqualTo(sub);
        assertThat(error(exchange(gateway, user, delegated, List.of(), null))).isEqualTo("invalid_request");
    }

    @Test
    void whenTheSubjectTokenExpiresSooner_thenTheExchangedTokenExpiresWithIt() throws Exception {
        var gateway = exchanger(false);
        var actor = serviceToken(service(""));
        var user = userToken();
        Instant subjectExpiry = SignedJWT.parse(user.getValue())
                .getJWTClaimsSet()
                .getExpirationTime()
                .toInstant();
        // Later in the subject token's life, a full lifetime would reach past it.
        server.clock.advance(Duration.ofMinutes(10));
        try {
            var response = exchange(gateway, user, actor, List.of(), null);
            var c = claims(response);
            assertThat(c.getExpirationTime().toInstant()).isEqualTo(subjectExpiry);
            assertThat(response.toSuccessResponse().getTokens().getAccessToken().getLifetime())
                    .isEqualTo(Duration.between(server.clock.instant(), subjectExpiry)
                            .toSeconds());
        } finally {
            // Back to the wall clock's time: the DPoP test's proofs carry the real iat.
            server.clock.advance(Duration.ofMinutes(-10));
        }
    }

    @Test
    void whenNoActorTokenIsPresented_thenOnlyAClientAllowedToImpersonateGetsAToken() throws Exception {
        var user = userToken();
        var refused = exchange(exchanger(false), user, null, List.of(), null);
        assertThat(error(refused)).isEqualTo("invalid_request");

        var c = claims(exchange(exchanger(true), user, null, List.of(), null));
        assertThat(c.getSubject())
                .isEqualTo(SignedJWT.parse(user.getValue()).getJWTClaimsSet().getSubject());
        assertThat(c.getClaim("act")).isNull();
    }

    @Test
    void whenTheScopeIsWiderThanTheSubjectTokens_thenInvalidScope() throws Exception {
        var gateway = exchanger(true);
        var subject = serviceToken(service("orders:read orders:write"));
        var narrowed = claims(exchange(gateway, subject, null, List.of(), new Scope("orders:read")));
        assertThat(narrowed.getStringClaim("scope")).isEqualTo("orders:read");
        var same = claims(exchange(gateway, subject, null, List.of(), null));
        assertThat(same.getStringClaim("scope").split(" ")).containsExactlyInAnyOrder("orders:read", "orders:write");
        assertThat(error(exchange(gateway, subject, null, List.of(), new Scope("orders:read", "admin"))))
                .isEqualTo("invalid_scope");
    }

    @Test
    void whenTheSubjectTokenIsInvalidRevokedOrExpired_thenInvalidRequest() throws Exception {
        var gateway = exchanger(true);
        assertThat(error(exchange(gateway, new BearerAccessToken("not-a-token"), null, List.of(), null)))
                .isEqualTo("invalid_request");

        var owner = service("a");
        var revoked = serviceToken(owner);
        var rv = new TokenRevocationRequest(URI.create(server.base + "/oauth2/revoke"), owner.auth(), revoked)
                .toHTTPRequest()
                .send();
        assertThat(rv.getStatusCode()).isEqualTo(200);
        assertThat(error(exchange(gateway, revoked, null, List.of(), null))).isEqualTo("invalid_request");

        // A /v1 token whose session ended is inactive too.
        var user = userToken();
        var logout = server.http.post("/v1/auth/logout").bearer(user.getValue()).send();
        assertThat(logout.status()).isEqualTo(204);
        assertThat(error(exchange(gateway, user, null, List.of(), null))).isEqualTo("invalid_request");

        var expiring = serviceToken(owner);
        var actor = serviceToken(owner);
        server.clock.advance(Duration.ofHours(2));
        assertThat(error(exchange(gateway, expiring, null, List.of(), null))).isEqualTo("invalid_request");
        assertThat(error(exchange(gateway, serviceToken(owner), actor, List.of(), null)))
                .as("an expired actor token")
                .isEqualTo("invalid_request");
    }

    @Test
    void whenTheExchangingClientsTokensAreRevoked_thenTheTokensItExchangedForAUsersSessionAreInactive()
            throws Exception {
        var gateway = exchanger(false);
        var asker = service("");
        var actor = serviceToken(service(""));
        var user = userToken();
        var token = exchanged(gateway, user, actor);
        assertThat(claimsOf(token).getStringClaim("sid"))
                .as("the exchanged token carries the user's session, not one of the gateway's")
                .isEqualTo(claimsOf(user).getStringClaim("sid"));
        assertThat(active(asker, token)).isTrue();

        var revoked = server.http
                .post("/v1/admin/clients/" + gateway.id().getValue() + "/revoke-tokens")
                .bearer(admin)
                .send();
        assertThat(revoked.status()).as(revoked.body()).isEqualTo(200);

        // Every token the client holds stops, though the session it carries is the user's and lives on.
        assertThat(active(asker, token)).isFalse();
        assertThat(active(asker, user)).as("the user's own /v1 token").isTrue();
        // One exchanged right after, within the revocation's second, works: dated at the cut (ADR 0031).
        var after = exchanged(gateway, user, actor);
        assertThat(active(asker, after)).isTrue();
        assertThat(claimsOf(after).getIssueTime().toInstant().getEpochSecond())
                .isEqualTo(revoked.json().path("tokens_not_before").asLong());
    }

    @Test
    void whenTheExchangingClientIsDeleted_thenTheTokensItExchangedForAUsersSessionAreInactive() throws Exception {
        var gateway = exchanger(false);
        var asker = service("");
        var user = userToken();
        var token = exchanged(gateway, user, serviceToken(service("")));
        assertThat(active(asker, token)).isTrue();

        assertThat(server.http
                        .delete("/v1/admin/clients/" + gateway.id().getValue())
                        .bearer(admin)
                        .send()
                        .status())
                .isEqualTo(204);

        // RFC 7592 §2.3: a deleted client's tokens stop at once, whatever session they carry.
        assertThat(active(asker, token)).isFalse();
        assertThat(active(asker, user)).as("the user's own /v1 token").isTrue();
    }

    static TokenResponse exchangeWithProof(Client as, BearerAccessToken subject, DefaultDPoPProofFactory proofs)
            throws Exception {
        var grant = new TokenExchangeGrant(subject, TokenTypeURI.ACCESS_TOKEN);
        var http = new TokenRequest(tokenUri, as.auth(), grant, null).toHTTPRequest();
        http.setDPoP(proofs.createDPoPJWT("POST", tokenUri));
        return TokenResponse.parse(http.send());
    }

    @Test
    void whenATokenIsBoundToADpopKey_thenOnlyAProofOfThatKeyExchangesIt() throws Exception {
        var key = new ECKeyGenerator(Curve.P_256).generate();
        var proofs = new DefaultDPoPProofFactory(key, JWSAlgorithm.ES256);
        String jkt = key.computeThumbprint().toString();
        var http = new TokenRequest(tokenUri, service("orders:read").auth(), new ClientCredentialsGrant(), null)
                .toHTTPRequest();
        http.setDPoP(proofs.createDPoPJWT("POST", tokenUri));
        var bound = new BearerAccessToken(TokenResponse.parse(http.send())
                .toSuccessResponse()
                .getTokens()
                .getAccessToken()
                .getValue());
        assertThat(SignedJWT.parse(bound.getValue()).getJWTClaimsSet().getJSONObjectClaim("cnf"))
                .containsEntry("jkt", jkt);
        var gateway = exchanger(true);

        assertThat(error(exchange(gateway, bound, null, List.of(), null)))
                .as("no proof: a bound token is not laundered into a bearer token")
                .isEqualTo("invalid_request");
        var stranger = new DefaultDPoPProofFactory(new ECKeyGenerator(Curve.P_256).generate(), JWSAlgorithm.ES256);
        assertThat(error(exchangeWithProof(gateway, bound, stranger)))
                .as("a proof of another key")
                .isEqualTo("invalid_request");
        assertThat(error(exchange(exchanger(false), userToken(), bound, List.of(), null)))
                .as("a bound actor token without a proof")
                .isEqualTo("invalid_request");

        var ok = exchangeWithProof(gateway, bound, proofs);
        assertThat(claims(ok).getJSONObjectClaim("cnf")).containsEntry("jkt", jkt);
        assertThat(ok.toSuccessResponse().getTokens().getAccessToken().getType())
                .isEqualTo(AccessTokenType.DPOP);
    }

    @Test
    void whenParametersAreWrong_thenRfc8693Errors() throws Exception {
        var gateway = exchanger(true);
        String subject = serviceToken(service("a")).getValue();
        String type = enc(TokenTypeURI.ACCESS_TOKEN.toString());

        assertThat(raw(gateway, "subject_token=" + subject).text("error")).isEqualTo("invalid_request");
        assertThat(raw(gateway, "subject_token=" + subject + "&subject_token_type=" + enc("urn:x:saml"))
                        .text("error"))
                .isEqualTo("invalid_request");
        assertThat(raw(
                                gateway,
                                "subject_token=" + subject + "&subject_token_type=" + type + "&actor_token_type="
                                        + type)
                        .text("error"))
                .isEqualTo("invalid_request");
        var refresh = raw(
                gateway,
                "subject_token=" + subject + "&subject_token_type=" + type + "&requested_token_type="
                        + enc(TokenTypeURI.REFRESH_TOKEN.toString()));
        assertThat(refresh.status()).isEqualTo(400);
        assertThat(refresh.text("error")).isEqualTo("invalid_request");
        assertThat(raw(gateway, "subject_token=" + subject + "&subject_token_type=" + type + "&audience=a%20b")
                        .text("error"))
                .isEqualTo("invalid_target");
        assertThat(raw(gateway, "subject_token=" + subject + "&subject_token_type=" + type + "&resource=relative")
                        .text("error"))
                .isEqualTo("invalid_target");
        // An audience or resource not registered for the client (ADR 0025).
        assertThat(raw(gateway, "subject_token=" + subject + "&subject_token_type=" + type + "&audience=payroll")
                        .text("error"))
                .isEqualTo("invalid_target");
        assertThat(raw(
                                gateway,
                                "subject_token=" + subject + "&subject_token_type=" + type + "&resource="
                                        + enc("https://payroll.example/"))
                        .text("error"))
                .isEqualTo("invalid_target");
        var both = raw(
                gateway,
                "subject_token=" + subject + "&subject_token_type=" + type + "&audience=billing&resource="
                        + enc("https://orders.example/"));
        assertThat(both.status()).as(both.body()).isEqualTo(200);
        assertThat(both.text("issued_token_type")).isEqualTo(TokenTypeURI.ACCESS_TOKEN.toString());
        assertThat(SignedJWT.parse(both.text("access_token")).getJWTClaimsSet().getAudience())
                .containsExactlyInAnyOrder("billing", "https://orders.example/");

        // A client not registered for the grant cannot use it.
        var other = service("a");
        var notRegistered = exchange(other, new BearerAccessToken(subject), null, List.of(), null);
        assertThat(error(notRegistered)).isEqualTo("unauthorized_client");
    }

    @Test
    void whenRegisteringForTokenExchange_thenPublicClientsAreRefusedAndImpersonationIsAdminOnly() {
        var publicClient = server.http
                .post("/v1/admin/clients")
                .bearer(admin)
                .json(map("grant_types", List.of(GRANT), "token_endpoint_auth_method", "none"))
                .send();
        assertThat(publicClient.status()).isEqualTo(422);
        var notBoolean = server.http
                .post("/v1/admin/clients")
                .bearer(admin)
                .json(map("grant_types", List.of(GRANT), "token_exchange_impersonation", "yes"))
                .send();
        assertThat(notBoolean.status()).isEqualTo(422);

        // RFC 7592 self-management cannot grant the client impersonation.
        var registered = server.http
                .post("/oauth2/register")
                .bearer(admin)
                .json(map("client_name", "self", "grant_types", List.of(GRANT)))
                .send();
        assertThat(registered.status()).as(registered.body()).isEqualTo(201);
        var update = server.http
                .put("/oauth2/register/" + registered.text("client_id"))
                .bearer(registered.text("registration_access_token"))
                .json(map(
                        "client_id",
                        registered.text("client_id"),
                        "client_name",
                        "self",
                        "grant_types",
                        List.of(GRANT),
                        "token_exchange_impersonation",
                        true))
                .send();
        assertThat(update.status()).as(update.body()).isEqualTo(200);
        assertThat(update.json().has("token_exchange_impersonation")).isFalse();
    }
}
