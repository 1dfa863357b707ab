package dev.gatehouse;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.testkit.ProxiedDatabase;
import dev.gatehouse.testkit.RawHttp;
import dev.gatehouse.testkit.ServerTest;
import dev.gatehouse.testkit.TestServer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Each surface answers the refusals the server makes around its own code (a method not allowed, a body too large,
 * headers Jetty refuses, the database out of reach) in its own format. DESIGN.md section 4: the OAuth endpoints answer
 * RFC 6749 errors, so a client library reads {@code error} either way; the {@code /v1} API keeps RFC 9457 problems;
 * and a browser on a hosted page gets an error page in its language rather than JSON.
 */
@ServerTest
class SurfaceErrorsTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final List<String> ENDPOINTS = List.of(
            "/oauth2/token",
            "/oauth2/introspect",
            "/oauth2/revoke",
            "/oauth2/par",
            "/oauth2/device_authorization",
            "/oauth2/userinfo",
            "/oauth2/register",
            "/oauth2/register/gc_someone");
    static ProxiedDatabase db;
    static TestServer server;
    static RawHttp raw;

    @BeforeAll
    static void start() {
        db = new ProxiedDatabase();
        server = TestServer.start(Map.of("GATEHOUSE_DB_URL", db.url(), "GATEHOUSE_DB_USER", db.user()));
        raw = new RawHttp(server.base);
    }

    @AfterAll
    static void stop() {
        server.close();
        db.close();
    }

    /** An RFC 6749 §5.2 error: JSON (not a problem document) with {@code error}, and not cached. */
    static JsonNode oauthError(RawHttp.Response r) throws Exception {
        assertThat(r.header("Content-Type")).as(r.body()).isEqualTo("application/json");
        assertThat(r.header("Cache-Control")).isEqualTo("no-store");
        JsonNode body = JSON.readTree(r.body());
        assertThat(body.path("error").isTextual()).as(r.body()).isTrue();
        assertThat(body.has("type")).as("no problem members").isFalse();
        return body;
    }

    @Test
    void whenAnOAuthEndpointIsCalledWithAnotherMethod_then405InRfc6749Form_withAllow() throws Exception {
        for (String path : ENDPOINTS) {
            var r = raw.send(RawHttp.request("PATCH", path));
            assertThat(r.status()).as(path).isEqualTo(405);
            assertThat(r.header("Allow")).as(path).isNotBlank();
            assertThat(oauthError(r).path("error").asText()).isEqualTo("invalid_request");
        }
        var v1 = raw.send(RawHttp.request("PATCH", "/v1/auth/login"));
        assertThat(v1.status()).isEqualTo(405);
        assertThat(v1.header("Content-Type")).startsWith("application/problem+json");
    }

    @Test
    void whenTheBodyIsOver1MiB_then413InRfc6749Form() throws Exception {
        byte[] big = "a".repeat(1024 * 1024 + 1).getBytes(StandardCharsets.US_ASCII);
        var form = raw.send(RawHttp.request("POST", "/oauth2/token")
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body(big));
        assertThat(form.status()).isEqualTo(413);
        assertThat(oauthError(form).path("error_description").asText()).contains("1 MiB");
        var json = raw.send(RawHttp.request("POST", "/oauth2/register")
                .header("Content-Type", "application/json")
                .body(big));
        assertThat(json.status()).isEqualTo(413);
        oauthError(json);
    }

    @Test
    void whenJettyRefusesTheHeaders_thenTheRefusalIsInRfc6749FormToo() throws Exception {
        String huge = "x".repeat(64 * 1024);
        var oauth = raw.send(RawHttp.request("POST", "/oauth2/token").header("X-Huge", huge));
        assertThat(oauth.status()).isEqualTo(431);
        assertThat(oauthError(oauth).path("error").asText()).isEqualTo("invalid_request");
        var v1 = raw.send(RawHttp.request("POST", "/v1/auth/login").header("X-Huge", huge));
        assertThat(v1.status()).isEqualTo(431);
        assertThat(v1.header("Content-Type")).startsWith("application/problem+json");
    }

    @Test
    void whenAPathOnlyStartsLikeAnOAuthEndpoint_thenItIsNotOneOfThem() {
        var r = raw.send(RawHttp.request("GET", "/oauth2/registers"));
        assertThat(r.status()).isEqualTo(404);
        assertThat(r.header("Content-Type")).startsWith("application/problem+json");
    }

    @Test
    void whenTheDatabaseIsOutOfReach_thenABrowserOnAHostedPageGetsAnErrorPageInItsLanguage_andAScriptAProblem() {
        String authorize = "/oauth2/authorize?response_type=code&client_id=gc_unknown-client-0000000"
                + "&redirect_uri=https%3A%2F%2Fa.example%2Fcb&code_challenge_method=S256"
                + "&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGcSjV9Oa0";
        db.cut();
        try {
            var page = raw.send(RawHttp.request("GET", authorize)
                    .header("Accept", "text/html,application/xhtml+xml,*/*;q=0.8")
                    .header("Accept-Language", "de-DE,de;q=0.9")
                    .header("X-Request-Id", "outage-page"));
            assertThat(page.status()).as(page.body()).isEqualTo(503);
            assertThat(page.header("Retry-After")).isEqualTo("5");
            assertThat(page.header("Content-Type")).startsWith("text/html");
            assertThat(page.header("Content-Security-Policy")).contains("default-src 'none'");
            assertThat(page.header("Cache-Control")).isEqualTo("no-store");
            assertThat(page.body())
                    .contains("<html lang=\"de\">")
                    .contains("Vorübergehend nicht erreichbar")
                    .contains("outage-page")
                    .doesNotContain("jdbc")
                    .doesNotContain("temporarily");

            var script = raw.send(RawHttp.request("GET", authorize).header("Accept", "*/*"));
            assertThat(script.status()).isEqualTo(503);
            assertThat(script.header("Content-Type")).startsWith("application/problem+json");
        } finally {
            db.restore();
        }
    }

    @Test
    void whenABrowserSendsAHostedPageAMethodItDoesNotTake_thenAnEnglishErrorPage_withAllow() {
        var r = raw.send(RawHttp.request("PUT", "/login").header("Accept", "text/html"));
        assertThat(r.status()).isEqualTo(405);
        assertThat(r.header("Allow")).contains("GET");
        assertThat(r.header("Content-Type")).startsWith("text/html");
        assertThat(r.body()).contains("<html lang=\"en\">").contains("Request not handled");
    }

    @Test
    void whenTheDatabaseIsOutOfReach_thenOAuthEndpointsAnswerTemporarilyUnavailable_withRetryAfter() throws Exception {
        // An unknown client is looked up in the database: on the fast path (token) and on a Javalin route (PAR).
        String basic = "Basic "
                + java.util.Base64.getEncoder()
                        .encodeToString("gc_unknown-client-0000000:some-secret".getBytes(StandardCharsets.UTF_8));
        db.cut();
        try {
            for (String path : List.of("/oauth2/token", "/oauth2/par")) {
                var r = raw.send(RawHttp.request("POST", path)
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .header("Authorization", basic)
                        .header("X-Request-Id", "outage-" + path.substring(8))
                        .body(("grant_type=client_credentials&response_type=code&redirect_uri=https%3A%2F%2Fa.example"
                                        + "&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGcSjV9Oa0"
                                        + "&code_challenge_method=S256")
                                .getBytes(StandardCharsets.US_ASCII)));
                assertThat(r.status()).as(path + " " + r.body()).isEqualTo(503);
                assertThat(r.header("Retry-After")).as(path).isEqualTo("5");
                JsonNode error = oauthError(r);
                assertThat(error.path("error").asText()).isEqualTo("temporarily_unavailable");
                assertThat(error.path("error_description").asText()).contains("outage-" + path.substring(8));
                assertThat(r.body()).doesNotContain("some-secret").doesNotContain("jdbc");
            }
        } finally {
            db.restore();
        }
    }
}
