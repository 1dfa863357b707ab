package dev.gatehouse.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.testkit.HttpJson;
import dev.gatehouse.testkit.Prometheus;
import dev.gatehouse.testkit.ServerTest;
import dev.gatehouse.testkit.TestServer;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * What the SIGTERM hook does (App.close): a request already being served completes with its answer, readiness turns
 * 503 meanwhile so a balancer stops sending, and the server stops afterwards. The slow request is a real login with a
 * deliberately expensive Argon2 setting.
 */
@ServerTest
class ShutdownDrainTest {

    @Test
    void whenClosingWhileALoginIsInFlight_thenTheLoginCompletes_readinessDrains_andTheServerStops() throws Exception {
        var server = TestServer.start(Map.of(
                "GATEHOUSE_ARGON2_MEMORY_KIB", "19456",
                "GATEHOUSE_ARGON2_ITERATIONS", "12"));
        try {
            var client = HttpClient.newHttpClient();
            String body = new ObjectMapper()
                    .writeValueAsString(Map.of("email", TestServer.ADMIN_EMAIL, "password", TestServer.ADMIN_PASSWORD));
            CompletableFuture<HttpResponse<String>> login = client.sendAsync(
                    HttpRequest.newBuilder(URI.create(server.base + "/v1/auth/login"))
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(body))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            awaitInFlight(server.http, 2); // the login and the scrape itself

            var closed = CompletableFuture.runAsync(server.app::close);
            var ready = server.http.get("/health/ready").send();
            for (int i = 0; i < 100 && ready.status() == 200; i++) { // close() runs on another thread: let it begin
                Thread.sleep(10);
                ready = server.http.get("/health/ready").send();
            }
            assertThat(ready.status()).isEqualTo(503);
            assertThat(ready.json().path("checks").path("node").asText()).isEqualTo("draining");
            assertThat(login).as("still hashing while the server drains").isNotDone();

            HttpResponse<String> answer = login.get(60, TimeUnit.SECONDS);
            assertThat(answer.statusCode()).isEqualTo(200);
            assertThat(new ObjectMapper()
                            .readTree(answer.body())
                            .path("tokens")
                            .path("access_token")
                            .asText())
                    .isNotBlank();

            closed.get(30, TimeUnit.SECONDS);
            assertThatThrownBy(() -> client.send(
                            HttpRequest.newBuilder(URI.create(server.base + "/health/live"))
                                    .timeout(Duration.ofSeconds(5))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString()))
                    .isInstanceOf(ConnectException.class);
        } finally {
            server.close();
        }
    }

    private static void awaitInFlight(HttpJson http, int atLeast) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            var m = Prometheus.parse(http.get("/metrics").send().body());
            if (m.value("gatehouse_http_in_flight", Map.of()).orElse(0) >= atLeast) return;
            Thread.sleep(5);
        }
        throw new AssertionError("the login never showed up as in flight");
    }
}
