package dev.gatehouse.platform.ratelimit;

import static dev.gatehouse.testkit.HttpJson.map;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.testkit.HttpJson;
import dev.gatehouse.testkit.Prometheus;
import dev.gatehouse.testkit.ServerTest;
import dev.gatehouse.testkit.TestRedis;
import dev.gatehouse.testkit.TestServer;
import java.io.IOException;
import java.net.ServerSocket;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Rate limits of a two-node cluster with {@code GATEHOUSE_REDIS_URL}: the nodes share each bucket, so spreading calls
 * over them buys nothing (DESIGN.md: rate-limit buckets live in Redis when it is configured). A node whose Redis does
 * not answer still limits on its own and serves every call.
 */
@ServerTest
class RateLimitClusterTest {
    static TestServer a;
    static TestServer b;

    @BeforeAll
    static void start() {
        a = TestServer.start(Map.of("GATEHOUSE_RATE_LIMITS", "on", "GATEHOUSE_REDIS_URL", TestRedis.url()));
        b = a.otherNode();
    }

    @AfterAll
    static void stop() {
        if (b != null) b.close();
        if (a != null) a.close();
    }

    @Test
    void whenOneIpSpreadsLoginsOverTwoNodes_thenTheyCountTogetherAndTheEleventhIsRefusedOnEither() {
        for (int i = 0; i < 10; i++) {
            TestServer node = i % 2 == 0 ? a : b;
            var r = login(node.http.from(61), "spread-" + i + "@example.com");
            assertThat(r.status())
                    .as("attempt %d on node %s", i + 1, node == a ? "a" : "b")
                    .isEqualTo(401);
            assertThat(r.header("X-RateLimit-Remaining")).isEqualTo(Integer.toString(9 - i));
        }
        for (TestServer node : new TestServer[] {a, b}) {
            var refused = login(node.http.from(61), "spread-x@example.com");
            assertThat(refused.status()).isEqualTo(429);
            assertThat(refused.json().path("code").asText()).isEqualTo("rate_limited");
            assertThat(refused.header("Retry-After")).isNotNull();
        }
    }

    @Test
    void whenAnAdministratorAsksDetailedHealth_thenRateLimitsSayTheyAreInRedisAndItAnswers() {
        login(a.http.from(62), "health-probe@example.com"); // one limited call, so the node has talked to Redis
        JsonNode limits = detailed(a).path("components").path("rate_limits");
        assertThat(limits.path("status").asText()).isEqualTo("on");
        assertThat(limits.path("store").asText()).isEqualTo("redis");
        assertThat(limits.path("redis").asText()).isEqualTo("up");
    }

    @Test
    void whenRedisDoesNotAnswer_thenTheNodeLimitsOnItsOwnWithoutFailingACall() throws IOException {
        int closed;
        try (var s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        try (var alone = TestServer.start(
                Map.of("GATEHOUSE_RATE_LIMITS", "on", "GATEHOUSE_REDIS_URL", "redis://127.0.0.1:" + closed))) {
            for (int i = 0; i < 10; i++) {
                var r = login(alone.http.from(63), "alone-" + i + "@example.com");
                assertThat(r.status()).as("attempt %d", i + 1).isEqualTo(401);
            }
            assertThat(login(alone.http.from(63), "alone-x@example.com").status())
                    .isEqualTo(429);
            JsonNode limits = detailed(alone).path("components").path("rate_limits");
            assertThat(limits.path("store").asText()).isEqualTo("redis");
            assertThat(limits.path("redis").asText()).isEqualTo("down");
            var metrics = Prometheus.parse(alone.http.get("/metrics").send().body());
            assertThat(metrics.value("gatehouse_rate_limit_redis_up", Map.of())).hasValue(0.0);
            // The eleven logins above and the administrator's sign-in for the health check (one per call, though a
            // login takes from two buckets: its address's and its account's).
            assertThat(metrics.value("gatehouse_rate_limit_redis_fallbacks_total", Map.of()))
                    .hasValue(12.0);
        }
    }

    private static JsonNode detailed(TestServer node) {
        var r = node.http.get("/health/detailed").bearer(node.adminToken()).send();
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json();
    }

    private static HttpJson.Response login(HttpJson http, String email) {
        return http.post("/v1/auth/login", map("email", email, "password", "Not-The-Password-1"));
    }
}
