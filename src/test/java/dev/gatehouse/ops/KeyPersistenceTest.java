package dev.gatehouse.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatehouse.App;
import dev.gatehouse.platform.config.Config;
import dev.gatehouse.platform.config.ConfigException;
import dev.gatehouse.testkit.HttpJson;
import dev.gatehouse.testkit.ServerTest;
import dev.gatehouse.testkit.TestDatabase;
import dev.gatehouse.testkit.TestServer;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A restart on the same database and data directory keeps the signing keys; another master key cannot start. */
@ServerTest
class KeyPersistenceTest {
    @TempDir
    Path dataDir;

    @Test
    void whenRestartedWithTheSameDataDir_thenTheSameKeysArePublishedAndOldTokensWork_andAnotherMasterKeyFailsClearly()
            throws IOException {
        try (var database = TestDatabase.create()) {
            int port;
            try (var s = new ServerSocket(0)) {
                port = s.getLocalPort();
            }
            // Same port and issuer for both runs: tokens name their issuer.
            var env = Map.of(
                    "GATEHOUSE_DB_URL", database.url(),
                    "GATEHOUSE_DB_USER", database.user(),
                    "GATEHOUSE_DATA_DIR", dataDir.toString(),
                    "GATEHOUSE_HTTP_PORT", Integer.toString(port),
                    "GATEHOUSE_ISSUER", "http://127.0.0.1:" + port);

            // TestServer's own client targets the port it picked; this test fixes the port, so it calls it directly.
            var http = new HttpJson("http://127.0.0.1:" + port);
            List<String> kidsBefore;
            String token;
            try (var first = TestServer.start(env)) {
                kidsBefore = kids(http);
                var login = http.post(
                        "/v1/auth/login",
                        HttpJson.map("email", TestServer.ADMIN_EMAIL, "password", TestServer.ADMIN_PASSWORD));
                assertThat(login.status()).isEqualTo(200);
                token = login.json().path("tokens").path("access_token").asText();
            }
            assertThat(dataDir.resolve("master.key")).exists();

            try (var second = TestServer.start(env)) {
                assertThat(kids(http)).isEqualTo(kidsBefore);
                assertThat(http.get("/v1/auth/me").bearer(token).send().status())
                        .isEqualTo(200);
            }

            var wrong = new java.util.HashMap<>(env);
            wrong.put("GATEHOUSE_HTTP_PORT", "0");
            wrong.put("GATEHOUSE_MASTER_KEY", Base64.getEncoder().encodeToString(new byte[32]));
            assertThatThrownBy(() -> App.start(Config.fromEnv(wrong)).close())
                    .isInstanceOf(ConfigException.class)
                    .hasMessageStartingWith("GATEHOUSE_MASTER_KEY: ")
                    .hasMessageContaining("sealed");
        }
    }

    private static List<String> kids(HttpJson http) {
        var kids = new ArrayList<String>();
        http.get("/.well-known/jwks.json")
                .send()
                .json()
                .path("keys")
                .forEach(k -> kids.add(k.path("kid").asText()));
        return kids;
    }
}
