package dev.gatehouse.oidc;

import static dev.gatehouse.testkit.HttpJson.map;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.oauth2.sdk.AuthorizationResponse;
import com.nimbusds.oauth2.sdk.ResponseType;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.id.State;
import com.nimbusds.oauth2.sdk.pkce.CodeChallengeMethod;
import com.nimbusds.oauth2.sdk.pkce.CodeVerifier;
import com.nimbusds.openid.connect.sdk.AuthenticationRequest;
import com.nimbusds.openid.connect.sdk.Nonce;
import dev.gatehouse.testkit.HeldLock;
import dev.gatehouse.testkit.HttpJson;
import dev.gatehouse.testkit.ServerTest;
import dev.gatehouse.testkit.TestAccounts;
import dev.gatehouse.testkit.TestServer;
import java.net.HttpCookie;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** GET /session and POST /session/validate: the browser's sign-in at the hosted login, as its SSO cookie shows it. */
@ServerTest
class BrowserSessionTest {
    static final URI CALLBACK = URI.create("https://app.example/cb");
    static final String PASSWORD = "Correct-Horse-Battery-9";
    static final ObjectMapper JSON = new ObjectMapper();
    static TestServer server;
    static ClientID client;

    @BeforeAll
    static void start() {
        server = TestServer.start();
        var r = server.registerClient(
                "client_name",
                "app",
                "grant_types",
                List.of("authorization_code"),
                "redirect_uris",
                List.of(CALLBACK.toString()),
                "token_endpoint_auth_method",
                "none",
                "scope",
                "openid email");
        client = new ClientID(r.text("client_id"));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** The login page a new browser reaches through the authorization endpoint. */
    static HttpResponse<String> loginPage(Browser b) throws Exception {
        var request = new AuthenticationRequest.Builder(
                        ResponseType.CODE, new Scope("openid", "email"), client, CALLBACK)
                .endpointURI(URI.create(server.base + "/oauth2/authorize"))
                .state(new State())
                .nonce(new Nonce())
                .codeChallenge(new CodeVerifier(), CodeChallengeMethod.S256)
                .build();
        return b.follow(b.get(request.toURI()));
    }

    /** A browser that signed in through the authorization endpoint. */
    static Browser signedIn(String email) throws Exception {
        var b = new Browser(server.base);
        var r = b.signIn(loginPage(b), email, PASSWORD);
        if (r.body().contains("name=\"decision\"")) r = b.consent(r, "allow");
        assertThat(AuthorizationResponse.parse(Browser.location(r)).indicatesSuccess())
                .isTrue();
        return b;
    }

    static JsonNode info(Browser b) throws Exception {
        var r = b.get(URI.create(server.base + "/session"));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("Cache-Control")).contains("no-store");
        return JSON.readTree(r.body());
    }

    static JsonNode validate(Browser b) throws Exception {
        var r = b.post(URI.create(server.base + "/session/validate"), Map.of());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    @Test
    void whenTheBrowserSignedIn_thenItsSessionSaysWhoSinceWhenAndHow() throws Exception {
        String email = server.register("session" + System.nanoTime() + "@example.com", PASSWORD);
        long before = server.clock.instant().getEpochSecond();
        var b = signedIn(email);

        var info = info(b);
        assertThat(info.path("authenticated").asBoolean()).isTrue();
        assertThat(info.path("email").asText()).isEqualTo(email);
        assertThat(info.path("sub").asText()).isNotBlank();
        assertThat(info.path("session_id").asText()).isNotBlank();
        assertThat(info.path("auth_time").asLong()).isBetween(before, before + 5);
        assertThat(info.path("expires_at").asLong())
                .isGreaterThan(info.path("auth_time").asLong());
        assertThat(info.path("amr").get(0).asText()).isEqualTo("pwd");
        assertThat(info.path("acr").asText()).isEqualTo("urn:gatehouse:acr:pwd");

        var valid = validate(b);
        assertThat(valid.path("valid").asBoolean()).isTrue();
        assertThat(valid.path("expires_at").asLong())
                .isEqualTo(info.path("expires_at").asLong());
    }

    @Test
    void whenNoOneIsSignedIn_thenTheSessionIsNotAuthenticatedAndNotValid() throws Exception {
        var b = new Browser(server.base);
        assertThat(info(b).path("authenticated").asBoolean()).isFalse();
        assertThat(info(b).has("email")).isFalse();
        assertThat(validate(b).path("valid").asBoolean()).isFalse();

        // a made-up cookie is no sign-in either
        var forged = new HttpCookie("gh_sso", "forged-value");
        forged.setPath("/");
        b.cookies.getCookieStore().add(URI.create(server.base), forged);
        assertThat(info(b).path("authenticated").asBoolean()).isFalse();
        assertThat(validate(b).path("valid").asBoolean()).isFalse();
    }

    @Test
    void whenTheSignInExpires_thenItIsNoLongerValid() throws Exception {
        String email = server.register("expiring" + System.nanoTime() + "@example.com", PASSWORD);
        var b = signedIn(email);
        long expires = info(b).path("expires_at").asLong();
        server.clock.advance(Duration.ofSeconds(expires - server.clock.instant().getEpochSecond() + 1));
        assertThat(info(b).path("authenticated").asBoolean()).isFalse();
        assertThat(validate(b).path("valid").asBoolean()).isFalse();
    }

    /**
     * A browser that sent the old password before a reset committed, and reaches the account after the reset stored
     * the new one (the reset is held while it ends the first browser's sign-in, whose row the test locks): it is not
     * signed in, and neither is the first browser.
     */
    @Test
    void whenABrowserSignsInWithTheOldPasswordDuringAReset_thenNoBrowserIsSignedInAfterIt() throws Exception {
        String email = server.register("overtaken" + System.nanoTime() + "@example.com", PASSWORD);
        var first = signedIn(email);
        assertThat(server.http
                        .post("/v1/auth/forgot-password", map("email", email))
                        .status())
                .isEqualTo(202);
        String token = server.tokenFromMail(email, TestAccounts.isReset());
        var late = new Browser(server.base);
        var page = loginPage(late);
        String lockSignIn = "SELECT id FROM sso_sessions WHERE ended_at IS NULL AND user_id ="
                + " (SELECT id FROM users WHERE email_normalized = ?) FOR UPDATE";

        try (var requests = Executors.newVirtualThreadPerTaskExecutor()) {
            CompletableFuture<HttpJson.Response> resetting;
            CompletableFuture<HttpResponse<String>> signingIn;
            try (var held = new HeldLock(server.database, lockSignIn, email)) {
                resetting = CompletableFuture.supplyAsync(
                        () -> server.http.post(
                                "/v1/auth/reset-password",
                                map("token", token, "new_password", TestAccounts.NEW_PASSWORD)),
                        requests);
                int reset = held.awaitWaiter(held.session());
                signingIn = CompletableFuture.supplyAsync(
                        () -> {
                            try {
                                return late.submitSignIn(page, email, PASSWORD);
                            } catch (Exception e) {
                                throw new IllegalStateException(e);
                            }
                        },
                        requests);
                held.awaitWaiter(reset); // the sign-in waits for the reset's lock on the account
            }
            assertThat(resetting.get(30, TimeUnit.SECONDS).status()).isEqualTo(200);
            var answer = signingIn.get(30, TimeUnit.SECONDS);
            assertThat(answer.statusCode()).as(answer.body()).isEqualTo(400); // the login page again, refused
        }

        assertThat(info(late).path("authenticated").asBoolean()).isFalse();
        assertThat(info(first).path("authenticated").asBoolean()).isFalse();
    }

    @Test
    void whenAnotherOriginAsks_thenNothingLetsItReadTheAnswer() throws Exception {
        String email = server.register("origin" + System.nanoTime() + "@example.com", PASSWORD);
        var b = signedIn(email);
        var r = b.http.send(
                HttpRequest.newBuilder(URI.create(server.base + "/session"))
                        .header("Origin", "https://evil.example")
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
        var preflight = b.http.send(
                HttpRequest.newBuilder(URI.create(server.base + "/session/validate"))
                        .header("Origin", "https://evil.example")
                        .header("Access-Control-Request-Method", "POST")
                        .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(preflight.headers().firstValue("Access-Control-Allow-Origin"))
                .isEmpty();
    }
}
