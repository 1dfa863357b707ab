package dev.gatehouse.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.gatehouse.platform.config.DataDirectory;
import dev.gatehouse.platform.crypto.MasterKey;
import dev.gatehouse.platform.crypto.Secrets;
import dev.gatehouse.testkit.LogCapture;
import dev.gatehouse.testkit.ServerTest;
import dev.gatehouse.testkit.TestServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The data directory holds the embedded database (which can hold live reset and sign-in links) and the generated
 * master key: on the real file system, Gatehouse makes it for its owner alone, and says so when an existing one, or the
 * key in it, is open to other users.
 */
@ServerTest
class DataDirectoryTest {
    @TempDir
    Path tmp;

    @BeforeEach
    void posixOnly() {
        assumeTrue(DataDirectory.posix(tmp), "permissions are POSIX ones");
    }

    static String permissions(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    @Test
    void whenTheServerStartsWithoutADataDirectory_thenItMakesOneForItsOwnerAlone_withTheDatabaseAndKeyInside()
            throws IOException {
        Path data = tmp.resolve("new").resolve("data");
        var env = new HashMap<String, String>();
        env.put("GATEHOUSE_DATA_DIR", data.toString());
        env.put("GATEHOUSE_DB_URL", null); // the embedded database, in the data directory
        env.put("GATEHOUSE_DB_USER", null);
        try (var server = TestServer.start(env)) {
            assertThat(server.http.get("/health/ready").send().status()).isEqualTo(200);
            assertThat(permissions(data)).isEqualTo("rwx------");
            assertThat(permissions(data.resolve("master.key"))).isEqualTo("rw-------");
            assertThat(data.resolve("gatehouse.mv.db")).exists();
        }
    }

    @Test
    void whenTheDataDirectoryExistsOpenToOthers_thenItIsLeftAsItIs_withAWarning() throws IOException {
        Path data = Files.createDirectory(tmp.resolve("data"));
        Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwxr-xr-x"));
        try (var logs = new LogCapture()) {
            DataDirectory.prepare(data);
            assertThat(logs.events(e -> e.getFormattedMessage().contains(data.toString())))
                    .singleElement()
                    .satisfies(e -> assertThat(e.getFormattedMessage())
                            .contains("open to other users", "rwxr-xr-x", "chmod 700"));
        }
        assertThat(permissions(data)).isEqualTo("rwxr-xr-x");

        Path closed = Files.createDirectory(tmp.resolve("closed"));
        Files.setPosixFilePermissions(closed, PosixFilePermissions.fromString("rwx------"));
        try (var logs = new LogCapture()) {
            DataDirectory.prepare(closed);
            assertThat(logs.events(e -> e.getFormattedMessage().contains(closed.toString())))
                    .isEmpty();
        }
    }

    @Test
    void whenTheMasterKeyIsGenerated_thenOnlyItsOwnerCanReadIt_andAnExistingOneOpenToOthersIsWarnedOf()
            throws IOException {
        Path data = tmp.resolve("data");
        var first = MasterKey.load(Optional.empty(), data, Secrets.system());
        Path file = data.resolve("master.key");
        assertThat(permissions(data)).isEqualTo("rwx------");
        assertThat(permissions(file)).isEqualTo("rw-------");

        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        try (var logs = new LogCapture()) {
            var again = MasterKey.load(Optional.empty(), data, Secrets.system());
            assertThat(again.derive("x")).isEqualTo(first.derive("x"));
            assertThat(logs.events(e -> e.getFormattedMessage().contains(file.toString())))
                    .singleElement()
                    .satisfies(e -> assertThat(e.getFormattedMessage())
                            .contains("open to other users", "chmod 600")
                            .doesNotContain(Files.readString(file).trim()));
        }
        assertThat(permissions(file)).isEqualTo("rw-r--r--");
    }
}
