package dev.gatehouse.platform.http;

import static dev.gatehouse.testkit.HttpJson.map;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.gatehouse.testkit.LogCapture;
import dev.gatehouse.testkit.ProxiedDatabase;
import dev.gatehouse.testkit.ServerTest;
import dev.gatehouse.testkit.TestServer;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** X-Request-Id: taken when sane, generated otherwise, returned on every response, in every log line. */
@ServerTest
class RequestIdTest {
    private static final String UUID_PATTERN = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
    static ProxiedDatabase db;
    static TestServer server;

    @BeforeAll
    static void start() {
        db = new ProxiedDatabase();
        server = TestServer.start(Map.of("GATEHOUSE_DB_URL", db.url(), "GATEHOUSE_DB_USER", db.user()));
    }

    @AfterAll
    static void stop() {
        server.close();
        db.close();
    }

    @Test
    void whenRequestCarriesASaneId_thenTheResponseEchoesIt() {
        var r = server.http
                .get("/v1/auth/settings")
                .header("X-Request-Id", "req-42.a:B_c")
                .send();
        assertThat(r.header("X-Request-Id")).isEqualTo("req-42.a:B_c");
    }

    @Test
    void whenRequestHasNoId_thenOneIsGenerated() {
        var a = server.http.get("/health/live").send().header("X-Request-Id");
        var b = server.http.get("/health/live").send().header("X-Request-Id");
        assertThat(a).matches(UUID_PATTERN);
        assertThat(b).matches(UUID_PATTERN).isNotEqualTo(a);
    }

    @Test
    void whenTheIdIsNotSane_thenItIsReplaced() {
        for (String bad : new String[] {"a".repeat(129), "has spaces", "<script>", "\"quoted\"", "ümlaut"}) {
            var r = server.http.get("/health/live").header("X-Request-Id", bad).send();
            assertThat(r.header("X-Request-Id")).as(bad).matches(UUID_PATTERN);
        }
    }

    @Test
    void whenTheAnswerIsAnError_thenItCarriesTheIdToo() {
        assertThat(server.http
                        .get("/nope")
                        .header("X-Request-Id", "err-404")
                        .send()
                        .header("X-Request-Id"))
                .isEqualTo("err-404");
        assertThat(server.http
                        .get("/v1/auth/me")
                        .header("X-Request-Id", "err-401")
                        .send()
                        .header("X-Request-Id"))
                .isEqualTo("err-401");
        assertThat(server.http
                        .post("/v1/auth/login")
                        .header("X-Request-Id", "err-422")
                        .json(map("email", "not-an-email", "password", "x"))
                        .send()
                        .header("X-Request-Id"))
                .isEqualTo("err-422");
        // Over a raw socket: the server answers 413 before reading the body, and an HTTP client still writing it can
        // see the connection close (broken pipe) before it reads the answer.
        var tooBig = new dev.gatehouse.testkit.RawHttp(server.base)
                .send(dev.gatehouse.testkit.RawHttp.request("POST", "/v1/auth/login")
                        .header("Content-Type", "application/json")
                        .header("X-Request-Id", "err-413")
                        .body("x".repeat(2 * 1024 * 1024).getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        assertThat(tooBig.status()).isEqualTo(413);
        assertThat(tooBig.header("X-Request-Id")).isEqualTo("err-413");
    }

    @Test
    void whenARequestIsServed_thenItsAccessLogLineCarriesTheId() {
        try (var logs = new LogCapture("gatehouse.access")) {
            server.http
                    .get("/v1/auth/settings")
                    .header("X-Request-Id", "log-ok-1")
                    .send();
            server.http.get("/v1/missing").header("X-Request-Id", "log-404-1").send();

            var ok = logs.await(e -> "log-ok-1".equals(requestId(e)));
            assertThat(ok).singleElement().satisfies(e -> {
                assertThat(e.getLoggerName()).isEqualTo("gatehouse.access");
                assertThat(e.getFormattedMessage()).contains("GET /v1/auth/settings 200");
            });
            assertThat(logs.await(e -> "log-404-1".equals(requestId(e))))
                    .singleElement()
                    .satisfies(e -> assertThat(e.getFormattedMessage()).contains("/v1/missing 404"));
        }
    }

    @Test
    void whenTheDatabaseIsLostDuringARequest_then503_andEveryLogLineOfItCarriesTheId_andTheAnswerQuotesIt() {
        try (var logs = new LogCapture("gatehouse.access")) {
            db.cut();
            var r = server.http
                    .post("/v1/auth/login")
                    .header("X-Request-Id", "log-5xx-1")
                    .json(map("email", "someone@example.com", "password", "whatever-password"))
                    .send();
            db.restore();

            // Losing the database is an outage to retry, not an internal error.
            assertThat(r.status()).isEqualTo(503);
            assertThat(r.header("Retry-After")).isNotNull();
            assertThat(r.header("X-Request-Id")).isEqualTo("log-5xx-1");
            assertThat(r.header("Content-Type")).startsWith("application/problem+json");
            assertThat(r.json().path("detail").asText()).contains("log-5xx-1");
            assertThat(r.body()).doesNotContain("Exception").doesNotContain("jdbc");

            logs.await(e -> e.getLoggerName().equals("gatehouse.access") && "log-5xx-1".equals(requestId(e)));
            // Only this request ran meanwhile; the mail worker and the cluster-event listener (their own threads, no
            // request) also fail while cut.
            var ofRequest = logs.events(e -> !e.getThreadName().equals("mail-worker")
                    && !e.getThreadName().equals("gatehouse-cluster-events"));
            assertThat(ofRequest)
                    .extracting(ILoggingEvent::getLoggerName)
                    .contains(HttpServer.class.getName(), "gatehouse.access");
            assertThat(ofRequest)
                    .allSatisfy(e ->
                            assertThat(requestId(e)).as(e.getFormattedMessage()).isEqualTo("log-5xx-1"));
        } finally {
            db.restore();
        }
    }

    @Test
    void whenTheDatabaseIsLostDuringAFormRequestOnTheFastPath_then503_andItsLogLinesCarryTheId() {
        // An unknown client is looked up in the database, which is gone: the same 503 as on the Javalin routes, in the
        // OAuth surface's RFC 6749 format (DESIGN.md section 4).
        String unknown = java.util.Base64.getEncoder()
                .encodeToString(
                        "gc_unknown-client-0000000:some-secret".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        try (var logs = new LogCapture("gatehouse.access")) {
            db.cut();
            var r = server.http
                    .post("/oauth2/token")
                    .header("X-Request-Id", "log-5xx-2")
                    .header("Authorization", "Basic " + unknown)
                    .raw("application/x-www-form-urlencoded", "grant_type=client_credentials")
                    .send();
            db.restore();

            assertThat(r.status()).as(r.body()).isEqualTo(503);
            assertThat(r.header("Retry-After")).isEqualTo("5");
            assertThat(r.header("X-Request-Id")).isEqualTo("log-5xx-2");
            assertThat(r.header("Content-Type")).isEqualTo("application/json");
            assertThat(r.header("Cache-Control")).isEqualTo("no-store");
            assertThat(r.json().path("error").asText()).isEqualTo("temporarily_unavailable");
            assertThat(r.json().path("error_description").asText()).contains("log-5xx-2");
            assertThat(r.body())
                    .doesNotContain("Exception")
                    .doesNotContain("jdbc")
                    .doesNotContain("some-secret");

            logs.await(e -> e.getLoggerName().equals("gatehouse.access") && "log-5xx-2".equals(requestId(e)));
            assertThat(logs.events(e -> e.getLoggerName().equals(HttpServer.class.getName())))
                    .isNotEmpty()
                    .allSatisfy(e ->
                            assertThat(requestId(e)).as(e.getFormattedMessage()).isEqualTo("log-5xx-2"));
        } finally {
            db.restore();
        }
    }

    private static String requestId(ILoggingEvent e) {
        return e.getMDCPropertyMap().get("request_id");
    }
}
