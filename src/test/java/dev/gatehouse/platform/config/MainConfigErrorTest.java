package dev.gatehouse.platform.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.testkit.GatehouseProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Map;
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
}
