package dev.gatehouse.platform.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.testkit.HttpJson;
import dev.gatehouse.testkit.ServerTest;
import dev.gatehouse.testkit.TestServer;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** What every response gets from the HTTP front: security headers, the body size limit, problem documents. */
@ServerTest
class HttpServerTest {
    static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void whenApiAnswers_thenSecurityHeadersAreSet() {
        assertSecurityHeaders(server.http.get("/v1/auth/settings").send());
    }

    @Test
    void whenApiAnswersWithAnError_thenSecurityHeadersAreSetToo() {
        assertSecurityHeaders(server.http.get("/v1/auth/me").send());
        assertSecurityHeaders(server.http.get("/v1/does-not-exist").send());
        assertSecurityHeaders(server.http
                .post("/v1/auth/login")
                .raw("application/json", "{not json")
                .send());
    }

    @Test
    void whenRouteIsUnknown_then404ProblemJson() {
        var r = server.http.get("/v1/does-not-exist").send();
        assertThat(r.status()).isEqualTo(404);
        assertThat(r.header("Content-Type")).startsWith("application/problem+json");
        var body = r.json();
        assertThat(body.path("status").asInt()).isEqualTo(404);
        assertThat(body.path("title").asText()).isEqualTo("Not Found");
        assertThat(body.path("code").asText()).isEqualTo("not_found");
        assertThat(body.path("type").asText()).startsWith(server.base + "/problems/");
        assertThat(body.path("detail").asText()).contains("/v1/does-not-exist");
    }

    @Test
    void whenMethodIsNotServedOnAKnownPath_thenA4xxProblemJson() {
        var r = server.http.put("/v1/auth/login").json("{}").send();
        assertThat(r.status()).isIn(404, 405);
        assertThat(r.header("Content-Type")).startsWith("application/problem+json");
    }

    /** RFC 9110 §15.5.6: a 405 lists the methods the resource has, OPTIONS included (§9.3.7 asks the same). */
    @Test
    void whenOptionsIsSentToAnApiRoute_then405ListsTheAllowedMethods() {
        var login = server.http.options("/v1/auth/login").send();
        assertThat(login.status()).isEqualTo(405);
        assertThat(login.header("Content-Type")).startsWith("application/problem+json");
        assertThat(login.json().path("code").asText()).isEqualTo("method_not_allowed");
        assertThat(login.header("Allow")).isEqualTo("POST");

        var me = server.http.options("/v1/auth/me").send();
        assertThat(me.status()).isEqualTo(405);
        assertThat(me.header("Allow")).contains("GET").doesNotContain("OPTIONS");
        // Another method on the same path has said so all along.
        assertThat(server.http.put("/v1/auth/login").json("{}").send().header("Allow"))
                .isEqualTo(login.header("Allow"));
    }

    @Test
    void whenBodyIsOver1MiB_then413ProblemJson() throws Exception {
        String big = "{\"email\":\"" + "a".repeat((int) HttpServer.MAX_BODY_BYTES) + "@example.com\"}";
        // A raw socket reads the early 413 even when the server closes before taking the whole body.
        var r = new dev.gatehouse.testkit.RawHttp(server.base)
                .send(dev.gatehouse.testkit.RawHttp.request("POST", "/v1/auth/login")
                        .header("Content-Type", "application/json")
                        .body(big.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        assertThat(r.status()).isEqualTo(413);
        assertThat(r.header("Content-Type")).startsWith("application/problem+json");
        var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.body());
        assertThat(json.path("code").asText()).isEqualTo("payload_too_large");
        assertThat(json.path("status").asInt()).isEqualTo(413);
        assertThat(r.header("X-Request-Id")).isNotBlank();
    }

    @Test
    void whenBodyIsOver1MiBWithoutContentLength_then413ProblemJson() throws Exception {
        byte[] big = ("{\"email\":\"" + "a".repeat((int) HttpServer.MAX_BODY_BYTES) + "@example.com\"}")
                .getBytes(StandardCharsets.UTF_8);
        // A stream of unknown length goes out chunked: the limit must hold without a Content-Length.
        var request = HttpRequest.newBuilder(URI.create(server.base + "/v1/auth/login"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(big)))
                .build();
        var r = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(413);
        assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("application/problem+json");
        assertThat(r.body()).contains("payload_too_large");
    }

    @Test
    void whenBodyIsJustUnder1MiB_thenItIsParsedNot413() {
        String name = "a".repeat((int) HttpServer.MAX_BODY_BYTES - 100);
        var r = server.http
                .post("/v1/auth/login")
                .raw("application/json", "{\"email\":\"x@example.com\",\"password\":\"" + name + "\"}")
                .send();
        assertThat(r.status()).isNotEqualTo(413).isBetween(400, 499);
    }

    private static void assertSecurityHeaders(HttpJson.Response r) {
        assertThat(r.header("X-Content-Type-Options")).isEqualTo("nosniff");
        assertThat(r.header("X-Frame-Options")).isEqualTo("DENY");
        assertThat(r.header("Content-Security-Policy"))
                .contains("default-src 'none'")
                .contains("frame-ancestors 'none'");
        assertThat(r.header("Cache-Control")).isEqualTo("no-store");
        assertThat(r.header("Referrer-Policy")).isEqualTo("no-referrer");
        // Plain-HTTP issuer: no HSTS (it would be ignored, and pins nothing useful on localhost).
        assertThat(r.header("Strict-Transport-Security")).isNull();
    }
}
