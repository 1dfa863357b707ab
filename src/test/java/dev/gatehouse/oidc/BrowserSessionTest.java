package dev.gatehouse.oidc;

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
import dev.gatehouse.testkit.ServerTest;
import dev.gatehouse.testkit.TestServer;
import java.net.HttpCookie;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
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

    /** A browser that signed in through the authorization endpoint. */
    static Browser signedIn(String email) throws Exception {
        var request = new AuthenticationRequest.Builder(
                        ResponseType.CODE, new Scope("openid", "email"), client, CALLBACK)
                .endpointURI(URI.create(server.base + "/oauth2/authorize"))
                .state(new State())
                .nonce(new Nonce())
                .codeChallenge(new CodeVerifier(), CodeChallengeMethod.S256)
                .build();
        var b = new Browser(server.base);
        var r = b.follow(b.get(request.toURI()));
        r = b.signIn(r, email, PASSWORD);
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
