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
        assertThat(after.value("gatehouse_logins_total", Map.of("outcome", "failure", "reason", "wrong_password")))
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

    private static double delta(Prometheus before, Prometheus after, String name, Map<String, String> labels) {
        return after.value(name, labels).orElse(0) - before.value(name, labels).orElse(0);
    }
}
