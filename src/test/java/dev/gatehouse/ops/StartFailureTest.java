package dev.gatehouse.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatehouse.App;
import dev.gatehouse.platform.config.Config;
import dev.gatehouse.testkit.ServerTest;
import dev.gatehouse.testkit.TestDatabase;
import dev.gatehouse.testkit.TestServer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A start that fails late (the port is taken) stops what it had started: no mail worker is left behind. */
@ServerTest
class StartFailureTest {
    @TempDir
    Path dataDir;

    @Test
    void whenThePortIsTaken_thenStartFails_andLeavesNoMailWorkerRunning() throws Exception {
        try (var database = TestDatabase.create();
                var taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            var env = Map.of(
                    "GATEHOUSE_HTTP_HOST", "127.0.0.1",
                    "GATEHOUSE_HTTP_PORT", Integer.toString(port),
                    "GATEHOUSE_ISSUER", "http://127.0.0.1:" + port,
                    "GATEHOUSE_DB_URL", database.url(),
                    "GATEHOUSE_DB_USER", database.user(),
                    "GATEHOUSE_DATA_DIR", dataDir.toString(),
                    "GATEHOUSE_ADMIN_PASSWORD", "Start-failure-Correct-Horse-1");
            long workersBefore = mailWorkers();

            assertThatThrownBy(() -> App.start(Config.fromEnv(env)))
                    .satisfies(e -> assertThat(TestServer.portTaken(e)).isTrue());

            // the worker's thread ends once closed; give it the moment its loop needs to notice
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (mailWorkers() > workersBefore && System.nanoTime() < deadline) Thread.sleep(20);
            assertThat(mailWorkers()).isEqualTo(workersBefore);
        }
    }

    private static long mailWorkers() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("mail-worker") && t.isAlive())
                .count();
    }
}
