package dev.gatehouse.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.testkit.GatehouseProcess;
import dev.gatehouse.testkit.HttpJson;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * GATEHOUSE_LOG_FORMAT=json on the real entry point: Main in its own JVM (the test class path, not the shaded jar, so
 * the test needs no package step), embedded database in a temp dir, stopped with SIGTERM.
 */
class JsonLogsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dataDir;

    @Test
    void whenLogFormatIsJson_thenEveryStdoutLineIsAJsonObject_andRequestLinesCarryTheRequestId() throws IOException {
        int port;
        try (var s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        var env = Map.of(
                "GATEHOUSE_HTTP_HOST", "127.0.0.1",
                "GATEHOUSE_HTTP_PORT", Integer.toString(port),
                "GATEHOUSE_DATA_DIR", dataDir.toString(),
                "GATEHOUSE_LOG_FORMAT", "json",
                "GATEHOUSE_LOG_LEVEL", "INFO",
                "GATEHOUSE_ACCESS_LOG_LEVEL", "INFO",
                "GATEHOUSE_ARGON2_MEMORY_KIB", "1024",
                "GATEHOUSE_ARGON2_ITERATIONS", "1");
        try (var process = GatehouseProcess.start(env)) {
            process.awaitStdout(l -> l.contains("ready on"), Duration.ofSeconds(60));
            var http = new HttpJson("http://127.0.0.1:" + port);
            assertThat(http.get("/v1/auth/settings")
                            .header("X-Request-Id", "json-log-1")
                            .send()
                            .status())
                    .isEqualTo(200);
            assertThat(http.get("/nope")
                            .header("X-Request-Id", "json-log-2")
                            .send()
                            .status())
                    .isEqualTo(404);
            process.awaitStdout(l -> l.contains("json-log-2"), Duration.ofSeconds(10));

            process.terminate();
            int exit = process.waitFor(Duration.ofSeconds(30));
            assertThat(exit)
                    .as("SIGTERM: clean stop (143 = terminated by the signal)")
                    .isIn(0, 143);

            List<JsonNode> lines = new ArrayList<>();
            for (String line : process.stdout()) {
                if (line.isBlank()) continue;
                JsonNode node = JSON.readTree(line); // throws on a line that is not JSON
                assertThat(node.isObject()).as(line).isTrue();
                assertThat(node.has("level")).as(line).isTrue();
                assertThat(node.has("timestamp")).as(line).isTrue();
                lines.add(node);
            }
            assertThat(process.stderr()).as("nothing on stderr").isEmpty();

            JsonNode ready = find(lines, "ready on");
            assertThat(message(ready))
                    .as("arguments are formatted into the message")
                    .contains(Integer.toString(port));
            JsonNode access = lines.stream()
                    .filter(n ->
                            "json-log-1".equals(n.path("mdc").path("request_id").asText()))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("no line with request id json-log-1: " + lines));
            assertThat(access.path("loggerName").asText()).isEqualTo("gatehouse.access");
            assertThat(message(access)).contains("GET /v1/auth/settings 200");
            assertThat(lines)
                    .anySatisfy(n -> assertThat(n.path("mdc").path("request_id").asText())
                            .isEqualTo("json-log-2"));
            assertThat(lines).anySatisfy(n -> assertThat(message(n)).contains("First administrator created"));
        }
    }

    @Test
    void whenTheAccessLogLevelIsNotSet_thenRequestsLogNoAccessLine() throws IOException {
        int port;
        try (var s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        // GatehouseProcess passes on none of the build's GATEHOUSE_ variables: this is the shipped default (ADR 0015).
        var env = Map.of(
                "GATEHOUSE_HTTP_HOST", "127.0.0.1",
                "GATEHOUSE_HTTP_PORT", Integer.toString(port),
                "GATEHOUSE_DATA_DIR", dataDir.toString(),
                "GATEHOUSE_ARGON2_MEMORY_KIB", "1024",
                "GATEHOUSE_ARGON2_ITERATIONS", "1");
        try (var process = GatehouseProcess.start(env)) {
            process.awaitStdout(l -> l.contains("ready on"), Duration.ofSeconds(60));
            var http = new HttpJson("http://127.0.0.1:" + port);
            assertThat(http.get("/v1/auth/settings")
                            .header("X-Request-Id", "quiet-1")
                            .send()
                            .status())
                    .isEqualTo(200);
            assertThat(http.get("/.well-known/jwks.json")
                            .header("X-Request-Id", "quiet-2")
                            .send()
                            .status())
                    .isEqualTo(200);

            process.terminate();
            process.waitFor(Duration.ofSeconds(30)); // a clean stop writes out what the logger had queued
            assertThat(process.stdout()).anySatisfy(l -> assertThat(l).contains("ready on"));
            assertThat(process.stdout()).noneSatisfy(l -> assertThat(l).contains("gatehouse.access"));
        }
    }

    private static JsonNode find(List<JsonNode> lines, String text) {
        return lines.stream()
                .filter(n -> message(n).contains(text))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no line containing '" + text + "': " + lines));
    }

    private static String message(JsonNode line) {
        return line.has("formattedMessage")
                ? line.path("formattedMessage").asText()
                : line.path("message").asText();
    }
}
