package dev.gatehouse.oidc;

import static dev.gatehouse.testkit.HttpJson.map;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.oauth2.sdk.AuthorizationCodeGrant;
import com.nimbusds.oauth2.sdk.AuthorizationRequest;
import com.nimbusds.oauth2.sdk.AuthorizationResponse;
import com.nimbusds.oauth2.sdk.PushedAuthorizationRequest;
import com.nimbusds.oauth2.sdk.PushedAuthorizationResponse;
import com.nimbusds.oauth2.sdk.ResponseType;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.TokenRequest;
import com.nimbusds.oauth2.sdk.TokenResponse;
import com.nimbusds.oauth2.sdk.auth.ClientAuthentication;
import com.nimbusds.oauth2.sdk.auth.ClientSecretBasic;
import com.nimbusds.oauth2.sdk.auth.ClientSecretPost;
import com.nimbusds.oauth2.sdk.auth.Secret;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.id.State;
import com.nimbusds.oauth2.sdk.pkce.CodeChallengeMethod;
import com.nimbusds.oauth2.sdk.pkce.CodeVerifier;
import com.nimbusds.openid.connect.sdk.AuthenticationRequest;
import com.nimbusds.openid.connect.sdk.Nonce;
import com.nimbusds.openid.connect.sdk.Prompt;
import dev.gatehouse.testkit.ServerTest;
import dev.gatehouse.testkit.TestServer;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Pushed authorization requests (RFC 9126) at /oauth2/par, with Nimbus as the client. */
@ServerTest
class PushedAuthorizationRequestTest {
    static final URI CALLBACK = URI.create("http://localhost:9999/cb");
    static final String PASSWORD = "Correct-Horse-Battery-9";
    static TestServer server;
    static String admin;
    static URI parUri;
    static URI authorizeUri;

    @BeforeAll
    static void start() {
        server = TestServer.start();
        admin = server.adminToken();
        parUri = URI.create(server.base + "/oauth2/par");
        authorizeUri = URI.create(server.base + "/oauth2/authorize");
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

    static Client register(Map<String, Object> extra) {
        var body = TestServer.webClient("par app", CALLBACK, "openid email", "authorization_code");
        body.putAll(extra);
        var r = server.registerClientAs(admin, body);
        return new Client(new ClientID(r.text("client_id")), new Secret(r.text("client_secret")));
    }

    static String newUser() {
        return server.register("u" + System.nanoTime() + "@example.com", PASSWORD);
    }

    static AuthenticationRequest.Builder request(Client c, CodeVerifier verifier) {
        return new AuthenticationRequest.Builder(ResponseType.CODE, new Scope("openid", "email"), c.id(), CALLBACK)
                .state(new State())
                .nonce(new Nonce())
                .codeChallenge(verifier, CodeChallengeMethod.S256);
    }

    static PushedAuthorizationResponse push(ClientAuthentication auth, AuthorizationRequest request) throws Exception {
        return PushedAuthorizationResponse.parse(new PushedAuthorizationRequest(parUri, auth, request)
                .toHTTPRequest()
                .send());
    }

    static URI byReference(Client c, URI requestUri) {
        return new AuthorizationRequest.Builder(requestUri, c.id())
                .endpointURI(authorizeUri)
                .build()
                .toURI();
    }

    static HttpResponse<String> through(Browser b, URI request, String email) throws Exception {
        var r = b.follow(b.get(request));
        if (r.statusCode() == 200 && r.body().contains("name=\"password\"")) r = b.signIn(r, email, PASSWORD);
        if (r.statusCode() == 200 && r.body().contains("name=\"decision\"")) r = b.consent(r, "allow");
        return r;
    }

    static AuthorizationResponse redirected(HttpResponse<String> r) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isIn(302, 303);
        return AuthorizationResponse.parse(Browser.location(r));
    }

    @Test
    void whenARequestIsPushed_thenItsRequestUriDrivesTheFlowAndIsSpentByIt() throws Exception {
        var client = register(Map.of());
        var verifier = new CodeVerifier();
        var req = request(client, verifier).build();
        var pushed = push(client.auth(), req);
        assertThat(pushed.indicatesSuccess()).isTrue();
        var ok = pushed.toSuccessResponse();
        assertThat(ok.getRequestURI().toString()).startsWith("urn:ietf:params:oauth:request_uri:");
        assertThat(ok.getLifetime()).isEqualTo(60);

        var b = new Browser(server.base);
        // Parameters beside client_id and request_uri are ignored: the pushed ones count.
        URI uri = URI.create(byReference(client, ok.getRequestURI()) + "&scope=profile&state=forged");
        var response = redirected(through(b, uri, newUser()));
        assertThat(response.indicatesSuccess()).isTrue();
        assertThat(response.getState()).isEqualTo(req.getState());
        var tokens = TokenResponse.parse(new TokenRequest.Builder(
                        URI.create(server.base + "/oauth2/token"),
                        client.auth(),
                        new AuthorizationCodeGrant(
                                response.toSuccessResponse().getAuthorizationCode(), CALLBACK, verifier))
                .build()
                .toHTTPRequest()
                .send());
        assertThat(tokens.indicatesSuccess()).isTrue();
        assertThat(tokens.toSuccessResponse()
                        .getTokens()
                        .getAccessToken()
                        .getScope()
                        .toStringList())
                .containsExactlyInAnyOrder("openid", "email");

        // Single use: the same request_uri again gets invalid_request_uri, sent to the client it belongs to.
        var again = redirected(b.get(byReference(client, ok.getRequestURI())));
        assertThat(again.toErrorResponse().getErrorObject().getCode()).isEqualTo("invalid_request_uri");
        assertThat(again.getState()).isEqualTo(req.getState());
    }

    @Test
    void whenTheRequestUriIsOlderThanSixtySeconds_thenInvalidRequestUri() throws Exception {
        var client = register(Map.of());
        var pushed =
                push(client.auth(), request(client, new CodeVerifier()).build()).toSuccessResponse();
        server.clock.advance(Duration.ofSeconds(61));
        var r = redirected(new Browser(server.base).get(byReference(client, pushed.getRequestURI())));
        assertThat(r.toErrorResponse().getErrorObject().getCode()).isEqualTo("invalid_request_uri");
    }

    @Test
    void whenAnotherClientOrAnUnknownRequestUriIsUsed_thenAnErrorPageAndNoRedirect() throws Exception {
        var owner = register(Map.of());
        var other = register(Map.of());
        var pushed =
                push(owner.auth(), request(owner, new CodeVerifier()).build()).toSuccessResponse();
        for (URI uri : List.of(
                byReference(other, pushed.getRequestURI()),
                byReference(owner, URI.create("urn:ietf:params:oauth:request_uri:unknown")))) {
            var r = new Browser(server.base).get(uri);
            assertThat(r.statusCode()).isEqualTo(400);
            assertThat(r.headers().firstValue("Location")).isEmpty();
            assertThat(r.body()).contains("invalid_request_uri");
        }
        // Not one of ours: a request object by reference (OIDC Core §6.2), which the client is told is not supported,
        // at its one registered redirect URI.
        var byValue = redirected(
                new Browser(server.base).get(byReference(owner, URI.create("https://evil.example/request"))));
        assertThat(byValue.toErrorResponse().getErrorObject().getCode()).isEqualTo("request_uri_not_supported");
        // The owner can still use it: the foreign attempt did not spend it.
        var r = redirected(through(new Browser(server.base), byReference(owner, pushed.getRequestURI()), newUser()));
        assertThat(r.indicatesSuccess()).isTrue();
    }

    @Test
    void whenThePushIsNotAuthenticatedOrInvalid_thenTokenEndpointStyleErrors() throws Exception {
        var client = register(Map.of());
        var wrong = push(
                new ClientSecretBasic(client.id(), new Secret("not-the-secret")),
                request(client, new CodeVerifier()).build());
        assertThat(wrong.toErrorResponse().getErrorObject().getCode()).isEqualTo("invalid_client");
        assertThat(wrong.toErrorResponse().getErrorObject().getHTTPStatusCode()).isEqualTo(401);

        var plain = push(
                client.auth(),
                request(client, new CodeVerifier())
                        .codeChallenge(new CodeVerifier(), CodeChallengeMethod.PLAIN)
                        .build());
        assertThat(plain.toErrorResponse().getErrorObject().getCode()).isEqualTo("invalid_request");
        assertThat(plain.toErrorResponse().getErrorObject().getHTTPStatusCode()).isEqualTo(400);

        var scope = push(
                client.auth(),
                new AuthenticationRequest.Builder(
                                ResponseType.CODE, new Scope("openid", "admin"), client.id(), CALLBACK)
                        .nonce(new Nonce())
                        .codeChallenge(new CodeVerifier(), CodeChallengeMethod.S256)
                        .build());
        assertThat(scope.toErrorResponse().getErrorObject().getCode()).isEqualTo("invalid_scope");

        // A resource the client is not registered for (RFC 8707 §2, ADR 0025).
        var resource = push(
                client.auth(),
                new AuthenticationRequest.Builder(ResponseType.CODE, new Scope("openid"), client.id(), CALLBACK)
                        .nonce(new Nonce())
                        .codeChallenge(new CodeVerifier(), CodeChallengeMethod.S256)
                        .resources(URI.create("https://payroll.example/"))
                        .build());
        assertThat(resource.toErrorResponse().getErrorObject().getCode()).isEqualTo("invalid_target");
        assertThat(resource.toErrorResponse().getErrorObject().getHTTPStatusCode())
                .isEqualTo(400);

        var redirect = push(
                client.auth(),
                new AuthenticationRequest.Builder(
                                ResponseType.CODE,
                                new Scope("openid"),
                                client.id(),
                                URI.create("https://evil.example/cb"))
                        .nonce(new Nonce())
                        .codeChallenge(new CodeVerifier(), CodeChallengeMethod.S256)
                        .build());
        assertThat(redirect.toErrorResponse().getErrorObject().getCode()).isEqualTo("invalid_request");

        var withUri = server.http
                .post("/oauth2/par")
                .header("Authorization", client.auth().toHTTPAuthorizationHeader())
                .raw(
                        "application/x-www-form-urlencoded",
                        "response_type=code&redirect_uri=" + CALLBACK
                                + "&request_uri=urn%3Aietf%3Aparams%3Aoauth%3Arequest_uri%3Ax")
                .send();
        assertThat(withUri.text("error")).isEqualTo("invalid_request");
        assertThat(withUri.status()).isEqualTo(400);
    }

    @Test
    void whenTheClientAuthenticatesWithClientSecretPost_thenThePushWorksToo() throws Exception {
        var client = register(Map.of("token_endpoint_auth_method", "client_secret_post"));
        var pushed = push(
                new ClientSecretPost(client.id(), client.secret()),
                request(client, new CodeVerifier()).build());
        assertThat(pushed.indicatesSuccess()).isTrue();
    }

    @Test
    void whenTheClientRequiresPushedRequests_thenADirectRequestIsRefused() throws Exception {
        var client = register(Map.of("require_pushed_authorization_requests", true));
        var shown = server.http
                .get("/v1/admin/clients/" + client.id().getValue())
                .bearer(admin)
                .send();
        assertThat(shown.body()).contains("\"require_pushed_authorization_requests\":true");

        var direct = redirected(new Browser(server.base)
                .get(request(client, new CodeVerifier())
                        .endpointURI(authorizeUri)
                        .build()
                        .toURI()));
        assertThat(direct.toErrorResponse().getErrorObject().getCode()).isEqualTo("invalid_request");
        assertThat(direct.toErrorResponse().getErrorObject().getDescription()).contains("pushed");

        var pushed =
                push(client.auth(), request(client, new CodeVerifier()).build()).toSuccessResponse();
        var r = redirected(through(new Browser(server.base), byReference(client, pushed.getRequestURI()), newUser()));
        assertThat(r.indicatesSuccess()).isTrue();
    }

    @Test
    void whenAClientRegistersDynamicallyWithRequiredPushedRequests_thenTheSettingIsKept() {
        var r = server.http
                .post("/oauth2/register")
                .bearer(admin)
                .json(map(
                        "redirect_uris",
                        List.of(CALLBACK.toString()),
                        "grant_types",
                        List.of("authorization_code"),
                        "require_pushed_authorization_requests",
                        true))
                .send();
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        assertThat(r.body()).contains("\"require_pushed_authorization_requests\":true");

        var bad = server.http
                .post("/oauth2/register")
                .bearer(admin)
                .json(map(
                        "redirect_uris", List.of(CALLBACK.toString()), "require_pushed_authorization_requests", "yes"))
                .send();
        assertThat(bad.status()).isEqualTo(400);
    }

    @Test
    void whenThePushedRequestAsksForPromptLogin_thenTheUserSignsInOnceAndGetsACode() throws Exception {
        var client = register(Map.of());
        String email = newUser();
        var b = new Browser(server.base);
        assertThat(redirected(through(
                                b,
                                request(client, new CodeVerifier())
                                        .endpointURI(authorizeUri)
                                        .build()
                                        .toURI(),
                                email))
                        .indicatesSuccess())
                .isTrue();
        server.clock.advance(Duration.ofSeconds(5));
        var pushed = push(
                        client.auth(),
                        request(client, new CodeVerifier())
                                .prompt(Prompt.Type.LOGIN)
                                .build())
                .toSuccessResponse();
        var login = b.follow(b.get(byReference(client, pushed.getRequestURI())));
        assertThat(login.body()).contains("name=\"password\"");
        // A marker added by hand to the URL does not count for a pushed request: the sign-in must really happen.
        var forged =
                b.follow(b.get(URI.create(byReference(client, pushed.getRequestURI()) + "&gh_after=99999999999999")));
        assertThat(forged.body()).contains("name=\"password\"");
        server.clock.advance(Duration.ofSeconds(2));
        var r = redirected(b.signIn(forged, email, PASSWORD));
        assertThat(r.indicatesSuccess()).isTrue();
    }

    @Test
    void whenThePushedRequestAsksForGerman_thenItsPagesAreGermanThoughTheUrlDoesNotSaySo() throws Exception {
        var client = register(Map.of());
        var pushed = push(
                        client.auth(),
                        request(client, new CodeVerifier())
                                .responseMode(com.nimbusds.oauth2.sdk.ResponseMode.FORM_POST)
                                .prompt(Prompt.Type.NONE)
                                .uiLocales(List.of(new com.nimbusds.langtag.LangTag("de")))
                                .build())
                .toSuccessResponse();
        URI uri = byReference(client, pushed.getRequestURI());
        assertThat(uri.getQuery()).doesNotContain("ui_locales");
        var page = new Browser(server.base).get(uri);
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body())
                .contains("<html lang=\"de\">")
                .contains("<button type=\"submit\">Weiter</button>")
                .contains("name=\"error\" value=\"login_required\"");
    }

    @Test
    void whenTwoBrowsersRaceWithOneRequestUri_thenExactlyOneGetsACode() throws Exception {
        var client = register(Map.of());
        String email = newUser();
        // Two browsers of the same user, both signed in and consented, so each goes straight to issuing.
        var browsers = new java.util.ArrayList<Browser>();
        for (int i = 0; i < 2; i++) {
            var b = new Browser(server.base);
            var first = push(client.auth(), request(client, new CodeVerifier()).build())
                    .toSuccessResponse();
            assertThat(redirected(through(b, byReference(client, first.getRequestURI()), email))
                            .indicatesSuccess())
                    .isTrue();
            browsers.add(b);
        }
        var pushed =
                push(client.auth(), request(client, new CodeVerifier()).build()).toSuccessResponse();
        var next = new java.util.concurrent.atomic.AtomicInteger();
        var results = dev.gatehouse.testkit.Race.run(
                2,
                () -> redirected(
                        browsers.get(next.getAndIncrement()).get(byReference(client, pushed.getRequestURI()))));
        assertThat(results.stream().filter(AuthorizationResponse::indicatesSuccess))
                .hasSize(1);
        assertThat(results.stream()
                        .filter(r -> !r.indicatesSuccess())
                        .map(r -> r.toErrorResponse().getErrorObject().getCode()))
                .containsExactly("invalid_request_uri");
    }
}
