package dev.gatehouse.oauth;

import static dev.gatehouse.testkit.HttpJson.map;
import static org.assertj.core.api.Assertions.assertThat;

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
import com.nimbusds.oauth2.sdk.auth.ClientSecretPost;
import com.nimbusds.oauth2.sdk.auth.Secret;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.token.AccessToken;
import com.nimbusds.oauth2.sdk.token.BearerAccessToken;
import dev.gatehouse.testkit.HttpJson;
import dev.gatehouse.testkit.ServerTest;
import dev.gatehouse.testkit.TestServer;
import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Client credentials, introspection and revocation driven by the Nimbus OAuth SDK as an independent client. */
@ServerTest
class ClientCredentialsGrantTest {
    static TestServer server;
    static String admin;

    @BeforeAll
    static void start() {
        server = TestServer.start();
        server.createScopes("a", "reports:read", "reports:write");
        admin = server.adminToken();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    record Registered(ClientID id, Secret secret) {}

    static Registered register(String authMethod, String scope) {
        var r = server.registerClientAs(
                admin,
                map(
                        "client_name",
                        "backend job",
                        "grant_types",
                        List.of("client_credentials"),
                        "token_endpoint_auth_method",
                        authMethod,
                        "scope",
                        scope));
        assertThat(r.json().has("client_secret")).isTrue();
        return new Registered(new ClientID(r.text("client_id")), new Secret(r.text("client_secret")));
    }

    static TokenResponse token(Registered c, Scope scope, boolean post) throws Exception {
        var auth = post ? new ClientSecretPost(c.id(), c.secret()) : new ClientSecretBasic(c.id(), c.secret());
        var request =
                new TokenRequest(URI.create(server.base + "/oauth2/token"), auth, new ClientCredentialsGrant(), scope);
        return TokenResponse.parse(request.toHTTPRequest().send());
    }

    @Test
    void whenConfidentialClientAsks_thenItGetsAnEs256AccessTokenForItself() throws Exception {
        var client = register("client_secret_basic", "reports:read reports:write");
        var response = token(client, new Scope("reports:read"), false);
        assertThat(response.indicatesSuccess()).isTrue();
        AccessToken at = response.toSuccessResponse().getTokens().getAccessToken();
        assertThat(at.getScope().toStringList()).containsExactly("reports:read");
        var claims = SignedJWT.parse(at.getValue()).getJWTClaimsSet();
        assertThat(claims.getSubject()).isEqualTo(client.id().getValue());
        assertThat(claims.getStringClaim("client_id")).isEqualTo(client.id().getValue());
        assertThat(claims.getIssuer()).isEqualTo(server.base);
    }

    static TokenResponse tokenFor(Registered c, URI... resources) throws Exception {
        var request = new TokenRequest.Builder(
                        URI.create(server.base + "/oauth2/token"),
                        new ClientSecretBasic(c.id(), c.secret()),
                        new ClientCredentialsGrant())
                .resources(resources)
                .build();
        return TokenResponse.parse(request.toHTTPRequest().send());
    }

    @Test
    void whenAClientAsksForAResource_thenOnlyTheIssuerAndWhatItIsRegisteredForAreGranted() throws Exception {
        // RFC 8707 §2 and ADR 0025: the audience says which API may accept the token, so an administrator decides.
        URI orders = URI.create("https://orders.example/api");
        URI payroll = URI.create("https://payroll.example/api");
        var plain = register("client_secret_basic", "reports:read");
        var refused = tokenFor(plain, orders);
        assertThat(refused.indicatesSuccess()).isFalse();
        assertThat(refused.toErrorResponse().getErrorObject().getCode()).isEqualTo("invalid_target");
        assertThat(refused.toErrorResponse().getErrorObject().getHTTPStatusCode())
                .isEqualTo(400);
        var issuer = tokenFor(plain, URI.create(server.base));
        assertThat(issuer.indicatesSuccess()).isTrue();

        var r = server.http
                .post("/oauth2/register")
                .bearer(admin)
                .json(map(
                        "client_name",
                        "orders job",
                        "grant_types",
                        List.of("client_credentials"),
                        "scope",
                        "reports:read",
                        "resources",
                        List.of(orders.toString())))
                .send();
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        assertThat(r.json().path("resources").get(0).asText()).isEqualTo(orders.toString());
        var ordersJob = new Registered(new ClientID(r.text("client_id")), new Secret(r.text("client_secret")));
        var granted = tokenFor(ordersJob, orders);
        assertThat(granted.indicatesSuccess()).isTrue();
        assertThat(SignedJWT.parse(granted.toSuccessResponse()
                                .getTokens()
                                .getAccessToken()
                                .getValue())
                        .getJWTClaimsSet()
                        .getAudience())
                .containsExactly(orders.toString());
        assertThat(tokenFor(ordersJob, orders, payroll)
                        .toErrorResponse()
                        .getErrorObject()
                        .getCode())
                .isEqualTo("invalid_target");

        // The client managing itself (RFC 7592) may narrow its resources, never widen them.
        String rat = r.text("registration_access_token");
        var wider = server.http
                .put("/oauth2/register/" + ordersJob.id().getValue())
                .bearer(rat)
                .json(map(
                        "client_id",
                        ordersJob.id().getValue(),
                        "grant_types",
                        List.of("client_credentials"),
                        "resources",
                        List.of(orders.toString(), payroll.toString())))
                .send();
        assertThat(wider.status()).as(wider.body()).isEqualTo(400);
        assertThat(wider.text("error")).isEqualTo("invalid_client_metadata");
        var kept = server.http
                .put("/oauth2/register/" + ordersJob.id().getValue())
                .bearer(rat)
                .json(map("client_id", ordersJob.id().getValue(), "grant_types", List.of("client_credentials")))
                .send();
        assertThat(kept.status()).as(kept.body()).isEqualTo(200);
        assertThat(kept.json().path("resources").get(0).asText()).isEqualTo(orders.toString());
        assertThat(tokenFor(ordersJob, orders).indicatesSuccess()).isTrue();

        // What may be registered: absolute URIs without fragment, or audience names, without spaces.
        for (Object bad : List.of(
                List.of("https://orders.example/api#x"), List.of("two words"), List.of(""), List.of(7), "orders")) {
            var b = server.http
                    .post("/oauth2/register")
                    .bearer(admin)
                    .json(map("grant_types", List.of("client_credentials"), "resources", bad))
                    .send();
            assertThat(b.status()).as(String.valueOf(bad)).isEqualTo(400);
            assertThat(b.text("error")).isEqualTo("invalid_client_metadata");
            assertThat(b.text("error_description")).contains("resources");
        }
    }

    @Test
    void whenAClientRegistersAnAccessTokenAlgorithm_thenItsTokensAreSignedWithItAndStillVerify() throws Exception {
        for (String alg : List.of("RS256", "PS256", "EdDSA", "ES256")) {
            var r = server.registerClientAs(
                    admin,
                    map(
                            "client_name",
                            "resource server pinned to " + alg,
                            "grant_types",
                            List.of("client_credentials"),
                            "scope",
                            "a",
                            "access_token_signed_response_alg",
                            alg));
            assertThat(r.text("access_token_signed_response_alg")).isEqualTo(alg);
            var client = new Registered(new ClientID(r.text("client_id")), new Secret(r.text("client_secret")));
            var at = token(client, null, false).toSuccessResponse().getTokens().getBearerAccessToken();
            var jwt = SignedJWT.parse(at.getValue());
            assertThat(jwt.getHeader().getAlgorithm().getName()).as(alg).isEqualTo(alg);
            assertThat(jwt.getHeader().getType().toString()).isEqualTo("at+jwt");
            // Signed by a key the JWKS publishes, so introspection (the server's own verification) accepts it.
            var active = TokenIntrospectionResponse.parse(new TokenIntrospectionRequest(
                            URI.create(server.base + "/oauth2/introspect"),
                            new ClientSecretBasic(client.id(), client.secret()),
                            at)
                    .toHTTPRequest()
                    .send());
            assertThat(active.toSuccessResponse().isActive()).as(alg).isTrue();
            assertThat(server.http.get("/.well-known/jwks.json").send().body())
                    .contains("\"kid\":\"" + jwt.getHeader().getKeyID() + "\"");
        }
        for (Object bad : List.of("HS256", "none", "RS512", 256)) {
            var r = server.http
                    .post("/v1/admin/clients")
                    .bearer(admin)
                    .json(map(
                            "client_name",
                            "bad alg",
                            "grant_types",
                            List.of("client_credentials"),
                            "access_token_signed_response_alg",
                            bad))
                    .send();
            assertThat(r.status()).as(String.valueOf(bad)).isEqualTo(422);
            assertThat(r.body()).contains("access_token_signed_response_alg");
        }
    }

    @Test
    void whenClientRegisteredPostAuth_thenPostCredentialsWorkAndBasicIsRefused() throws Exception {
        var client = register("client_secret_post", "a");
        assertThat(token(client, null, true).indicatesSuccess()).isTrue();
        var basic = token(client, null, false);
        assertThat(basic.indicatesSuccess()).isFalse();
        assertThat(((TokenErrorResponse) basic).getErrorObject().getCode()).isEqualTo("invalid_client");
    }

    @Test
    void whenSecretIsWrongOrScopeEscalates_thenRfc6749ErrorsAreReturned() throws Exception {
        var client = register("client_secret_basic", "a");
        var wrong = token(new Registered(client.id(), new Secret("gcs_wrong")), null, false);
        assertThat(((TokenErrorResponse) wrong).getErrorObject().getCode()).isEqualTo("invalid_client");
        assertThat(((TokenErrorResponse) wrong).getErrorObject().getHTTPStatusCode())
                .isEqualTo(401);

        var escalated = token(client, new Scope("a", "admin"), false);
        assertThat(((TokenErrorResponse) escalated).getErrorObject().getCode()).isEqualTo("invalid_scope");
        var openid = token(client, new Scope("openid"), false);
        assertThat(((TokenErrorResponse) openid).getErrorObject().getCode()).isEqualTo("invalid_scope");

        var unknownGrant = server.http
                .post("/oauth2/token")
                .raw("application/x-www-form-urlencoded", "grant_type=password&username=a&password=b")
                .header(
                        "Authorization",
                        new ClientSecretBasic(client.id(), client.secret()).toHTTPAuthorizationHeader())
                .send();
        assertThat(unknownGrant.status()).isEqualTo(400);
        assertThat(unknownGrant.text("error")).isEqualTo("unsupported_grant_type");
        assertThat(unknownGrant.header("Cache-Control")).isEqualTo("no-store");
    }

    /** A client that signs users in and also calls APIs as itself, registered with {@code scope}. */
    static HttpJson.Response webAppWithAJob(String name, String scope) {
        return server.registerClientAs(
                admin,
                map(
                        "client_name",
                        name,
                        "grant_types",
                        List.of("authorization_code", "client_credentials"),
                        "redirect_uris",
                        List.of("https://app.example/cb"),
                        "token_endpoint_auth_method",
                        "client_secret_basic",
                        "scope",
                        scope));
    }

    @Test
    void whenAClientRegisteredForOpenIdConnectScopesAsksForNoScope_thenItsTokenCarriesNoneOfThem() throws Exception {
        // A client that also signs users in: its registered scope names OpenID Connect scopes, which describe a user.
        var r = webAppWithAJob("web app with a job", "openid profile offline_access a");
        var client = new Registered(new ClientID(r.text("client_id")), new Secret(r.text("client_secret")));
        var response = token(client, null, false);
        assertThat(response.indicatesSuccess()).isTrue();
        AccessToken at = response.toSuccessResponse().getTokens().getAccessToken();
        assertThat(at.getScope().toStringList()).containsExactly("a");
        assertThat(SignedJWT.parse(at.getValue()).getJWTClaimsSet().getStringClaim("scope"))
                .isEqualTo("a");
        // The default grants nothing an explicit request would be refused.
        var offline = token(client, new Scope("offline_access"), false);
        assertThat(((TokenErrorResponse) offline).getErrorObject().getCode()).isEqualTo("invalid_scope");
        // Nor does it grant the user's claims by name: profile is registered, but no user is there to describe.
        var profile = token(client, new Scope("a", "profile"), false);
        assertThat(((TokenErrorResponse) profile).getErrorObject().getCode()).isEqualTo("invalid_scope");
        assertThat(((TokenErrorResponse) profile).getErrorObject().getDescription())
                .startsWith("profile:");

        // Nothing left: RFC 6749 §3.3's default is then no scope, as for a client that registered none.
        var oidcOnly = webAppWithAJob("sign-in only", "openid profile");
        var none = token(
                new Registered(new ClientID(oidcOnly.text("client_id")), new Secret(oidcOnly.text("client_secret"))),
                null,
                false);
        assertThat(none.indicatesSuccess()).isTrue();
        AccessToken bare = none.toSuccessResponse().getTokens().getAccessToken();
        assertThat(bare.getScope()).isNull();
        assertThat(SignedJWT.parse(bare.getValue()).getJWTClaimsSet().getClaim("scope"))
                .isNull();
    }

    @Test
    void whenBasicCredentialsAreNotFormUrlEncoded_thenInvalidClientAtEveryClientEndpoint() {
        // RFC 6749 §2.3.1: id and secret are form-urlencoded before Base64; "%z:x" and "%:x" are not.
        for (String basic : List.of("Basic JXo6eA==", "Basic JTp4")) {
            for (String path : List.of("/oauth2/token", "/oauth2/introspect", "/oauth2/revoke", "/oauth2/par")) {
                var r = server.http
                        .post(path)
                        .raw("application/x-www-form-urlencoded", "grant_type=client_credentials&token=x")
                        .header("Authorization", basic)
                        .send();
                assertThat(r.status()).as(path + " " + r.body()).isEqualTo(401);
                assertThat(r.text("error")).isEqualTo("invalid_client");
            }
        }
    }

    @Test
    void whenTheClientIsDeleted_thenItsTokensIntrospectAsInactive() throws Exception {
        var client = register("client_secret_basic", "a");
        var at = token(client, null, false).toSuccessResponse().getTokens().getBearerAccessToken();
        var other = register("client_secret_basic", "a");
        var otherAt = token(other, null, false).toSuccessResponse().getTokens().getBearerAccessToken();
        var asker = new ClientSecretBasic(other.id(), other.secret());
        URI introspect = URI.create(server.base + "/oauth2/introspect");
        java.util.function.Function<BearerAccessToken, Boolean> active = t -> {
            try {
                return TokenIntrospectionResponse.parse(new TokenIntrospectionRequest(introspect, asker, t)
                                .toHTTPRequest()
                                .send())
                        .toSuccessResponse()
                        .isActive();
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        };
        assertThat(active.apply(at)).isTrue();

        assertThat(server.http
                        .delete("/v1/admin/clients/" + client.id().getValue())
                        .bearer(admin)
                        .send()
                        .status())
                .isEqualTo(204);

        // RFC 7592 §2.3: a deleted client's tokens stop at once, not when they expire; others' stay.
        assertThat(active.apply(at)).isFalse();
        assertThat(active.apply(otherAt)).isTrue();
    }

    @Test
    void whenTokenIsRevoked_thenIntrospectionSaysInactive() throws Exception {
        var client = register("client_secret_basic", "a");
        var at = token(client, null, false).toSuccessResponse().getTokens().getBearerAccessToken();
        var auth = new ClientSecretBasic(client.id(), client.secret());
        URI introspect = URI.create(server.base + "/oauth2/introspect");

        var active = TokenIntrospectionResponse.parse(new TokenIntrospectionRequest(introspect, auth, at)
                .toHTTPRequest()
                .send());
        assertThat(active.toSuccessResponse().isActive()).isTrue();
        assertThat(active.toSuccessResponse().getClientID()).isEqualTo(client.id());
        assertThat(active.toSuccessResponse().getScope().toStringList()).containsExactly("a");

        // RFC 7009 §2.1: another client's request is refused, and it revokes nothing.
        var other = register("client_secret_basic", "a");
        var foreign = new TokenRevocationRequest(
                        URI.create(server.base + "/oauth2/revoke"),
                        new ClientSecretBasic(other.id(), other.secret()),
                        at)
                .toHTTPRequest()
                .send();
        assertThat(foreign.getStatusCode()).isEqualTo(400);
        assertThat(foreign.getBodyAsJSONObject()).containsEntry("error", "unauthorized_client");
        assertThat(TokenIntrospectionResponse.parse(new TokenIntrospectionRequest(introspect, auth, at)
                                .toHTTPRequest()
                                .send())
                        .toSuccessResponse()
                        .isActive())
                .isTrue();

        var revoke = new TokenRevocationRequest(URI.create(server.base + "/oauth2/revoke"), auth, at)
                .toHTTPRequest()
                .send();
        assertThat(revoke.getStatusCode()).isEqualTo(200);

        var after = TokenIntrospectionResponse.parse(new TokenIntrospectionRequest(introspect, auth, at)
                .toHTTPRequest()
                .send());
        assertThat(after.toSuccessResponse().isActive()).isFalse();
        assertThat(after.toSuccessResponse().toJSONObject()).containsOnlyKeys("active");

        var garbage = TokenIntrospectionResponse.parse(
                new TokenIntrospectionRequest(introspect, auth, new BearerAccessToken("not-a-token"))
                        .toHTTPRequest()
                        .send());
        assertThat(garbage.toSuccessResponse().isActive()).isFalse();
    }

    @Test
    void whenRegeneratingTheSecret_thenTheOldOneStopsWorking() throws Exception {
        var client = register("client_secret_basic", "a");
        var r = server.http
                .post("/v1/admin/clients/" + client.id().getValue() + "/regenerate-secret")
                .bearer(admin)
                .send();
        assertThat(r.status()).isEqualTo(200);
        var fresh = new Registered(client.id(), new Secret(r.text("client_secret")));
        assertThat(token(client, null, false).indicatesSuccess()).isFalse();
        assertThat(token(fresh, null, false).indicatesSuccess()).isTrue();
        assertThat(server.http
                        .get("/v1/admin/clients/" + client.id().getValue())
                        .bearer(admin)
                        .send()
                        .json()
                        .has("client_secret"))
                .isFalse();
    }

    @Test
    void whenMetadataIsInvalid_thenRegistrationIsRefusedWithAProblem() {
        var publicCc = server.http
                .post("/v1/admin/clients")
                .bearer(admin)
                .json(map("grant_types", List.of("client_credentials"), "token_endpoint_auth_method", "none"))
                .send();
        assertThat(publicCc.status()).isEqualTo(422);
        var noRedirect = server.http
                .post("/v1/admin/clients")
                .bearer(admin)
                .json(map("grant_types", List.of("authorization_code")))
                .send();
        assertThat(noRedirect.status()).isEqualTo(422);
        assertThat(noRedirect.json().path("code").asText()).isEqualTo("invalid_redirect_uri");
        var httpRedirect = server.http
                .post("/v1/admin/clients")
                .bearer(admin)
                .json(map("redirect_uris", List.of("http://evil.example/cb")))
                .send();
        assertThat(httpRedirect.status()).isEqualTo(422);
        String user = server.register("eve@example.com", "Correct-Horse-Battery-9");
        var forbidden = server.http
                .post("/v1/admin/clients")
                .bearer(server.accessToken(user, "Correct-Horse-Battery-9"))
                .json(map("grant_types", List.of("client_credentials")))
                .send();
        assertThat(forbidden.status()).isEqualTo(403);
    }

    @Test
    void whenReadingRfc8414Metadata_thenNimbusParsesItAndItListsOnlyWhatExists() throws Exception {
        var raw = server.http.get("/.well-known/oauth-authorization-server").send();
        assertThat(raw.status()).isEqualTo(200);
        var metadata = com.nimbusds.oauth2.sdk.as.AuthorizationServerMetadata.parse(raw.body());
        assertThat(metadata.getIssuer().getValue()).isEqualTo(server.base);
        assertThat(metadata.getTokenEndpointURI()).isEqualTo(URI.create(server.base + "/oauth2/token"));
        assertThat(metadata.getGrantTypes())
                .extracting(Object::toString)
                .containsExactlyInAnyOrder(
                        "authorization_code",
                        "refresh_token",
                        "client_credentials",
                        "urn:ietf:params:oauth:grant-type:device_code",
                        "urn:ietf:params:oauth:grant-type:token-exchange",
                        // Not a token endpoint grant: what a code id_token client registers (OIDC Registration §2).
                        "implicit");
        assertThat(metadata.getAuthorizationEndpointURI()).isEqualTo(URI.create(server.base + "/oauth2/authorize"));
        for (URI endpoint : List.of(
                metadata.getTokenEndpointURI(),
                metadata.getIntrospectionEndpointURI(),
                metadata.getRevocationEndpointURI())) {
            var probe = server.http
                    .post(endpoint.getPath())
                    .raw("application/x-www-form-urlencoded", "")
                    .send();
            assertThat(probe.status()).as(endpoint.toString()).isIn(400, 401);
        }
        assertThat(server.http.get(metadata.getJWKSetURI().getPath()).send().status())
                .isEqualTo(200);
    }
}
