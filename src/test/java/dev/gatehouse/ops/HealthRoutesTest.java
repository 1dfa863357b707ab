package dev.gatehouse.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.testkit.ServerTest;
import dev.gatehouse.testkit.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

@ServerTest
class HealthRoutesTest {
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
    void whenHealthIsRequested_then200WithDatabaseUp() {
        var r = server.http.get("/health").send();
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("Content-Type")).startsWith("application/json");
        assertThat(r.json().path("status").asText()).isEqualTo("ok");
        assertThat(r.json().path("checks").path("database").asText()).isEqualTo("up");
    }

    @Test
    void whenLivenessIsRequested_then200() {
        var r = server.http.get("/health/live").send();
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().path("status").asText()).isEqualTo("ok");
    }

    @Test
    void whenReadinessIsRequestedWithDatabaseUp_then200Serving() {
        var r = server.http.get("/health/ready").send();
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().path("checks").path("database").asText()).isEqualTo("up");
        assertThat(r.json().path("checks").path("node").asText()).isEqualTo("serving");
    }

    @Test
    void whenDetailedHealthHasNoToken_then401Problem() {
        var r = server.http.get("/health/detailed").send();
        assertThat(r.status()).isEqualTo(401);
        assertThat(r.header("Content-Type")).startsWith("application/problem+json");
        assertThat(r.header("WWW-Authenticate")).startsWith("Bearer");
    }

    @Test
    void whenDetailedHealthHasAnInvalidToken_then401() {
        var r = server.http.get("/health/detailed").bearer("not-a-token").send();
        assertThat(r.status()).isEqualTo(401);
    }

    @Test
    void whenDetailedHealthIsAskedByAnOrdinaryUser_then403Problem() {
        server.register("health-user@example.com", "Correct-Horse-Battery-9");
        String token = server.accessToken("health-user@example.com", "Correct-Horse-Battery-9");
        var r = server.http.get("/health/detailed").bearer(token).send();
        assertThat(r.status()).isEqualTo(403);
        assertThat(r.header("Content-Type")).startsWith("application/problem+json");
        assertThat(r.json().path("code").asText()).isEqualTo("forbidden");
    }

    @Test
    void whenDetailedHealthIsAskedByAnAdministrator_then200WithDatabaseAndComponents() {
        var r = server.http.get("/health/detailed").bearer(server.adminToken()).send();
        assertThat(r.status()).isEqualTo(200);
        var body = r.json();
        assertThat(body.path("status").asText()).isEqualTo("ok");
        assertThat(body.path("database").path("status").asText()).isEqualTo("up");
        assertThat(body.path("database").path("engine").asText())
                .isEqualTo(server.database.engine().equals("h2") ? "h2" : "postgresql");
        assertThat(body.path("database").path("max_pool_size").asInt()).isPositive();
        assertThat(body.path("memory").path("heap_used_bytes").asLong()).isPositive();
        assertThat(body.path("components").path("rate_limits").path("status").asText())
                .isEqualTo("off");
        assertThat(body.path("uptime_seconds").isIntegralNumber()).isTrue();
    }
}
