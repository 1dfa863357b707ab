package dev.gatehouse.ops;

import static dev.gatehouse.testkit.HttpJson.map;
import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.testkit.Prometheus;
import dev.gatehouse.testkit.ServerTest;
import dev.gatehouse.testkit.TestServer;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

@ServerTest
class MetricsTest {
    static TestServer server;
    /** The first scrape, taken before any sign-in, refresh or refusal happened. */
    static Prometheus atStart;

    @BeforeAll
    static void start() {
        server = TestServer.start(Map.of("GATEHOUSE_RATE_LIMITS", "on"));
        atStart = scrape();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static Prometheus scrape() {
        var r = server.http.get("/metrics").send();
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("Content-Type")).startsWith("text/plain");
        return Prometheus.parse(r.body());
    }

    @Test
    void whenNothingHappenedYet_thenEveryDomainCounterIsExposedAtZero() {
        assertThat(atStart.value("gatehouse_logins_total", Map.of("outcome", "success")))
                .hasValue(0.0);
        assertThat(atStart.value("gatehouse_logins_total", Map.of("outcome", "failure")))
                .hasValue(0.0);
        assertThat(atStart.value("gatehouse_tokens_issued_total", Map.of())).hasValue(0.0);
        assertThat(atStart.value("gatehouse_refresh_reuse_detected_total", Map.of()))
                .hasValue(0.0);
        assertThat(atStart.value("gatehouse_rate_limited_total", Map.of())).hasValue(0.0);
    }

    @Test
    void whenScraped_thenJvmAndConnectionPoolMetricsArePresent() {
        var m = scrape();
        assertThat(m.samples("jvm_memory_used_bytes")).isNotEmpty();
        assertThat(m.samples("jvm_threads_live_threads")).isNotEmpty();
        assertThat(m.samples("jvm_gc_memory_allocated_bytes_total")).isNotEmpty();
        assertThat(m.samples("process_uptime_seconds")).isNotEmpty();
        assertThat(m.samples("hikaricp_connections", Map.of("pool", "gatehouse")))
                .isNotEmpty();
        assertThat(m.samples("hikaricp_connections_max")).isNotEmpty();
        assertThat(m.samples("hikaricp_connections_acquire_seconds_count")).isNotEmpty();
    }

    @Test
    void whenRequestsAreServed_thenLatencyHistogramIsLabelledByRouteMethodAndStatus() {
        server.http.get("/v1/auth/settings").send();
        server.http.get("/v1/sessions").send(); // 401
        server.http.get("/v1/no-such-thing/12345").send(); // 404, must not become its own series

        var m = scrape();
        var settings = Map.of("route", "/v1/auth/settings", "method", "GET", "status", "200");
        assertThat(m.samples("http_server_requests_seconds_bucket", settings))
                .as("histogram buckets")
                .hasSizeGreaterThan(5)
                .allSatisfy(s -> assertThat(s.labels()).containsKey("le"));
        assertThat(m.value("http_server_requests_seconds_count", settings)).hasValue(1.0);
        assertThat(m.samples("http_server_requests_seconds_sum", settings)).hasSize(1);
        assertThat(m.value(
                        "http_server_requests_seconds_count",
                        Map.of("route", "/v1/sessions", "method", "GET", "status", "401")))
                .hasValue(1.0);
        assertThat(m.samples("http_server_requests_seconds_count"))
                .extracting(s -> s.labels().get("route"))
                .doesNotContain("/v1/no-such-thing/12345")
                .doesNotContain("*");
    }

    @Test
    void whenRouteHasAPathParameter_thenTheRouteLabelIsTheTemplate() {
        String token = server.adminToken();
        server.http
                .delete("/v1/sessions/" + java.util.UUID.randomUUID())
                .bearer(token)
                .send();
        assertThat(scrape().samples("http_server_requests_seconds_count", Map.of("route", "/v1/sessions/{id}")))
                .isNotEmpty();
    }

    @Test
    void whenLoginsSucceedAndFail_thenCountedByOutcomeAndTokensIssuedGrows() {
        server.register("metrics-login@example.com", "Correct-Horse-Battery-9");
        var before = scrape();
        var http = server.http.from(21);
        assertThat(http.post("/v1/auth/login", map("email", "metrics-login@example.com", "password", "wrong-password"))
                        .status())
                .isEqualTo(401);
        assertThat(http.post(
                                "/v1/auth/login",
                                map("email", "metrics-login@example.com", "password", "Correct-Horse-Battery-9"))
                        .status())
                .isEqualTo(200);

        var after = scrape();
        assertThat(delta(before, after, "gatehouse_logins_total", Map.of("outcome", "failure")))
                .isEqualTo(1.0);
        assertThat(delta(before, after, "gatehouse_logins_total", Map.of("outcome", "success")))
                .isEqualTo(1.0);
        assertThat(after.value("gatehouse_logins_total", Map.of("outcome", "failure", "reason", "invalid_credentials")))
                .isPresent();
        assertThat(delta(before, after, "gatehouse_tokens_issued_total", Map.of("type", "access_token")))
                .isEqualTo(1.0);
    }

    @Test
    void whenRotatedRefreshTokenIsReused_thenReuseDetectedIsCounted() {
        server.register("metrics-reuse@example.com", "Correct-Horse-Battery-9");
        var login = server.login("metrics-reuse@example.com", "Correct-Horse-Battery-9");
        String first = login.json().path("tokens").path("refresh_token").asText();
        assertThat(server.http
                        .post("/v1/auth/refresh", map("refresh_token", first))
                        .status())
                .isEqualTo(200);
        var before = scrape();

        assertThat(server.http
                        .post("/v1/auth/refresh", map("refresh_token", first))
                        .status())
                .isEqualTo(401);

        assertThat(delta(before, scrape(), "gatehouse_refresh_reuse_detected_total", Map.of()))
                .isEqualTo(1.0);
    }

    @Test
    void whenACallIsRateLimited_thenRateLimitedIsCounted() {
        var http = server.http.from(22);
        var before = scrape();
        int refused = 0;
        for (int i = 0; i < 11; i++) {
            var r = http.post("/v1/auth/login", map("email", "nobody" + i + "@example.com", "password", "whatever-1"));
            if (r.status() == 429) refused++;
        }
        assertThat(refused).isEqualTo(1);
        assertThat(delta(before, scrape(), "gatehouse_rate_limited_total", Map.of()))
                .isEqualTo(1.0);
    }

    /** DESIGN.md §6: /metrics is public, so it must not tell which of two identical 401s named an unknown address. */
    @Test
    void whenALoginNamesAnUnknownAddressOrAWrongPassword_thenTheMetricsMoveAlike() {
        String known = server.register("metrics-known@example.com", "Correct-Horse-Battery-9");
        var http = server.http.from(23);
        var before = scrape();
        assertThat(http.post("/v1/auth/login", map("email", known, "password", "Wrong-Password-1"))
                        .status())
                .isEqualTo(401);
        var afterWrongPassword = scrape();
        assertThat(http.post(
                                "/v1/auth/login",
                                map("email", "metrics-ghost@example.com", "password", "Wrong-Password-1"))
                        .status())
                .isEqualTo(401);
        var afterUnknownEmail = scrape();

        assertThat(changes(afterWrongPassword, afterUnknownEmail))
                .containsEntry(
                        "gatehouse_logins_total{outcome=failure,reason=invalid_credentials,service=gatehouse}", 1.0)
                .isEqualTo(changes(before, afterWrongPassword));
        assertThat(afterUnknownEmail.samples("gatehouse_logins_total"))
                .extracting(s -> s.labels().get("reason"))
                .doesNotContain("unknown_email", "wrong_password");
    }

    /** Registering a taken address answers as a new one does (202); the metrics must not tell them apart either. */
    @Test
    void whenATakenOrANewAddressIsRegistered_thenTheMetricsMoveAlike() {
        var http = server.http.from(24);
        String password = "Correct-Horse-Battery-9";
        assertThat(http.post("/v1/auth/register", map("email", "metrics-taken@example.com", "password", password))
                        .status())
                .isEqualTo(202);
        var before = scrape();
        assertThat(http.post("/v1/auth/register", map("email", "metrics-new@example.com", "password", password))
                        .status())
                .isEqualTo(202);
        var afterNew = scrape();
        assertThat(http.post("/v1/auth/register", map("email", "metrics-taken@example.com", "password", password))
                        .status())
                .isEqualTo(202);
        var afterTaken = scrape();

        assertThat(changes(afterNew, afterTaken))
                .containsKey(
                        "http_server_requests_seconds_count{method=POST,route=/v1/auth/register,service=gatehouse,status=202}")
                .isEqualTo(changes(before, afterNew));
        assertThat(afterTaken.hasPrefix("db_table"))
                .as("a gauge counting accounts")
                .isFalse();
    }

    /**
     * The series that moved (or appeared) between two scrapes, by name and labels, with how far. The JVM and process meters, the
     * connection pool's (the mail worker and the cleanup job borrow connections in the background, at their own
     * times) and every duration move with the machine, not with what a request did, and are left out.
     */
    private static Map<String, Double> changes(Prometheus before, Prometheus after) {
        var moved = new java.util.TreeMap<String, Double>();
        for (var s : after.samples()) {
            if (s.name().matches("(jvm|process|system|jdk|executor|hikaricp)_.*|.*_seconds_(sum|max|bucket)")) continue;
            String series =
                    s.name() + new java.util.TreeMap<>(s.labels()).toString().replace(" ", "");
            var was = before.samples(s.name(), s.labels()).stream()
                    .filter(b -> b.labels().equals(s.labels()))
                    .mapToDouble(Prometheus.Sample::value)
                    .findFirst();
            // A series that appeared counts as moved, even at zero: its labels alone say something happened.
            if (was.isEmpty() || s.value() != was.getAsDouble()) moved.put(series, s.value() - was.orElse(0));
        }
        return moved;
    }

    private static double delta(Prometheus before, Prometheus after, String name, Map<String, String> labels) {
        return after.value(name, labels).orElse(0) - before.value(name, labels).orElse(0);
    }
}
