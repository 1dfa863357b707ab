package dev.gatehouse.platform.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.testkit.GatehouseProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The real entry point in its own JVM: a bad variable stops start-up with one line and no stack trace. */
class MainConfigErrorTest {
    @TempDir
    Path dataDir;

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "GATEHOUSE_HTTP_PORT | abc",
                "GATEHOUSE_SMTP_TLS | bogus",
                "GATEHOUSE_MASTER_KEY | c2hvcnQ=",
            })
    void whenVariableIsBad_thenMainExitsNonZeroWithOneLineNamingIt(String variable, String value) {
        try (var p = GatehouseProcess.start(Map.of("GATEHOUSE_DATA_DIR", dataDir.toString(), variable, value))) {
            int exit = p.waitFor(Duration.ofSeconds(30));
            var lines = new ArrayList<String>();
            lines.addAll(p.stdout());
            lines.addAll(p.stderr());
            lines.removeIf(String::isBlank);

            assertThat(exit).isNotZero();
            assertThat(lines).hasSize(1);
            assertThat(lines.getFirst())
                    .contains(variable)
                    .doesNotContain("Exception")
                    .doesNotContain("\tat ");
        }
        // Nothing was started: no database or generated key in the data dir.
        assertThat(dataDir.resolve("gatehouse.mv.db")).doesNotExist();
        assertThat(Files.exists(dataDir.resolve("master.key"))).isFalse();
    }

    @Test
    void whenTheMasterKeyDiffersFromTheOneThatSealedTheKeys_thenMainExitsWithOneLineNamingIt() throws Exception {
        var env = new HashMap<String, String>(Map.of(
                "GATEHOUSE_HTTP_HOST", "127.0.0.1",
                "GATEHOUSE_HTTP_PORT", "0",
                "GATEHOUSE_DATA_DIR", dataDir.toString(),
                "GATEHOUSE_ADMIN_EMAIL", "admin@example.com",
                "GATEHOUSE_ADMIN_PASSWORD", "Adm1n-Correct-Horse-Battery",
                "GATEHOUSE_ARGON2_MEMORY_KIB", "1024",
                "GATEHOUSE_ARGON2_ITERATIONS", "1"));
        try (var first = GatehouseProcess.start(env)) {
            // The first start creates the database, the signing key and master.key in the data dir.
            first.awaitStdout(l -> l.contains("ready on"), Duration.ofSeconds(60));
            first.terminate();
            first.waitFor(Duration.ofSeconds(30));
        }
        assertThat(dataDir.resolve("master.key")).exists();

        env.put("GATEHOUSE_MASTER_KEY", Base64.getEncoder().encodeToString(new byte[32]));
        try (var second = GatehouseProcess.start(env)) {
            int exit = second.waitFor(Duration.ofSeconds(60));
            var lines = new ArrayList<String>(second.stdout());
            lines.addAll(second.stderr());
            lines.removeIf(l -> l.isBlank() || l.contains(" WARN ") || l.contains(" INFO "));

            assertThat(exit).isNotZero();
            assertThat(lines).hasSize(1);
            assertThat(lines.getFirst()).contains("GATEHOUSE_MASTER_KEY").doesNotContain("Exception");
        }
    }
}
