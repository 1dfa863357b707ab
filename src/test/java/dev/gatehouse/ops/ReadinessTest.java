package dev.gatehouse.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.testkit.HttpJson;
import dev.gatehouse.testkit.ProxiedDatabase;
import dev.gatehouse.testkit.ServerTest;
import dev.gatehouse.testkit.TestServer;
import java.time.Duration;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Readiness follows the database: the server runs against the engine under test through a TCP proxy that the test
 * cuts and restores, without restarting anything.
 */
@ServerTest
class ReadinessTest {

    @Test
    void whenDatabaseBecomesUnreachable_thenReady503_andWhenItReturns_then200WithoutRestart() {
        try (var db = new ProxiedDatabase();
                var server = TestServer.start(Map.of("GATEHOUSE_DB_URL", db.url(), "GATEHOUSE_DB_USER", db.user()))) {
            assertThat(server.http.get("/health/ready").send().status()).isEqualTo(200);

            db.cut();
            var down = eventually(() -> server.http.get("/health/ready").send(), r -> r.status() == 503);
            assertThat(down.json().path("checks").path("database").asText()).isEqualTo("down");
            assertThat(down.json().path("status").asText()).isEqualTo("unavailable");
            assertThat(server.http.get("/health").send().status()).isEqualTo(503);
            // Liveness does not depend on the database: the process is fine, restarting it would not help.
            assertThat(server.http.get("/health/live").send().status()).isEqualTo(200);

            db.restore();
            var up = eventually(() -> server.http.get("/health/ready").send(), r -> r.status() == 200);
            assertThat(up.json().path("checks").path("database").asText()).isEqualTo("up");
            // And the server really serves from the database again.
            assertThat(server.login(TestServer.ADMIN_EMAIL, TestServer.ADMIN_PASSWORD)
                            .status())
                    .isEqualTo(200);
        }
    }

    private static HttpJson.Response eventually(
            Supplier<HttpJson.Response> call, java.util.function.Predicate<HttpJson.Response> done) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        HttpJson.Response last = null;
        while (System.nanoTime() < deadline) {
            last = call.get();
            if (done.test(last)) return last;
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        throw new AssertionError("condition not reached within 30 s; last answer " + last.status() + " " + last.body());
    }
}
