package dev.gatehouse.auth;

import static dev.gatehouse.testkit.HttpJson.map;
import static dev.gatehouse.testkit.TestAccounts.PASSWORD;
import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.testkit.HttpJson;
import dev.gatehouse.testkit.ServerTest;
import dev.gatehouse.testkit.TestAccounts;
import dev.gatehouse.testkit.TestServer;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The /v1 API's factor changes need a sign-in of the last 15 minutes (RFC 9470's challenge otherwise): an access
 * token refreshed from an older sign-in can neither add nor remove a factor, nor make backup codes.
 */
@ServerTest
class RecentSignInTest {
    static TestServer server;
    static TestAccounts accounts;

    @BeforeAll
    static void start() {
        server = TestServer.start();
        accounts = new TestAccounts(server);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** Each factor change, sent with {@code token}. */
    static List<Function<String, HttpJson.Response>> factorChanges() {
        String unknown = UUID.randomUUID().toString();
        return List.of(
                t -> server.http.post("/v1/auth/mfa/setup").bearer(t).send(),
                t -> server.http.post("/v1/auth/mfa/backup-codes").bearer(t).send(),
                t -> server.http.post("/v1/auth/mfa/email/enable").bearer(t).send(),
                t -> server.http.post("/v1/auth/mfa/email/disable").bearer(t).send(),
                t -> server.http
                        .post("/v1/auth/mfa/webauthn/register/begin")
                        .bearer(t)
                        .send(),
                t -> server.http
                        .delete("/v1/auth/mfa/webauthn/credentials/" + unknown)
                        .bearer(t)
                        .send(),
                t -> server.http
                        .delete("/v1/auth/mfa/webauthn/credentials")
                        .bearer(t)
                        .json(map("id", unknown))
                        .send());
    }

    @Test
    void whenTheSignInIsOlderThan15Minutes_thenFactorChangesAskForANewOne() {
        String email = accounts.verified("stale");
        var old = accounts.signIn(email, PASSWORD);
        server.clock.advance(Duration.ofMinutes(16));
        var refreshed = accounts.refresh(old.refreshToken());
        assertThat(refreshed.status()).as(refreshed.body()).isEqualTo(200);
        String token = refreshed.json().path("tokens").path("access_token").asText();
        assertThat(accounts.meStatus(token)).isEqualTo(200);

        for (var change : factorChanges()) {
            var r = change.apply(token);
            assertThat(r.status()).as(r.body()).isEqualTo(401);
            assertThat(r.text("code")).isEqualTo("insufficient_user_authentication");
            assertThat(r.header("WWW-Authenticate"))
                    .startsWith("Bearer error=\"insufficient_user_authentication\"")
                    .endsWith("max_age=900");
        }
        // Nothing changed.
        var status = server.http.get("/v1/auth/mfa/status").bearer(token).send();
        assertThat(status.json().path("totp_enabled").asBoolean()).isFalse();
        assertThat(status.json().path("email_enabled").asBoolean()).isFalse();

        // A new sign-in is recent: each change then gets its own answer.
        String fresh = accounts.signIn(email, PASSWORD).accessToken();
        var answers = factorChanges().stream()
                .map(change -> change.apply(fresh).status())
                .toList();
        assertThat(answers).containsExactly(200, 409, 200, 200, 200, 404, 404);
    }
}
