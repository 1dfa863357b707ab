package dev.gatehouse.auth;

import static dev.gatehouse.testkit.HttpJson.map;
import static dev.gatehouse.testkit.TestAccounts.NEW_PASSWORD;
import static dev.gatehouse.testkit.TestAccounts.PASSWORD;
import static dev.gatehouse.testkit.TestAccounts.WEAK_PASSWORD;
import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.testkit.HttpJson;
import dev.gatehouse.testkit.ServerTest;
import dev.gatehouse.testkit.TestAccounts;
import dev.gatehouse.testkit.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** POST /v1/auth/change-password: proves the current password, keeps the calling session, ends the others. */
@ServerTest
class ChangePasswordTest {
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

    private static HttpJson.Response change(String access, String current, String next) {
        return server.http
                .post("/v1/auth/change-password")
                .bearer(access)
                .json(map("current_password", current, "new_password", next))
                .send();
    }

    @Test
    void whenCurrentPasswordIsWrong_then422NamesCurrentPasswordAndNothingChanges() {
        var me = accounts.newUser("wrong");

        var r = change(me.accessToken(), "Not-My-Password-12", NEW_PASSWORD);

        assertThat(r.status()).isEqualTo(422);
        assertThat(r.header("Content-Type")).startsWith("application/problem+json");
        assertThat(r.json().path("errors").has("current_password")).isTrue();
        assertThat(r.json().path("errors").has("new_password")).isFalse();
        String email = me.body().path("user").path("email").asText();
        assertThat(server.login(email, PASSWORD).status()).isEqualTo(200);
    }

    @Test
    void whenNewPasswordIsWeak_then422NamesNewPassword() {
        var me = accounts.newUser("weak");

        var r = change(me.accessToken(), PASSWORD, WEAK_PASSWORD);

        assertThat(r.status()).isEqualTo(422);
        assertThat(r.json().path("errors").has("new_password")).isTrue();
    }

    @Test
    void whenPasswordChanges_thenCallingSessionKeepsWorkingAndOtherSessionsEnd() {
        String email = accounts.registered("change");
        var caller = accounts.signIn(email, PASSWORD);
        var other = accounts.signIn(email, PASSWORD);

        var r = change(caller.accessToken(), PASSWORD, NEW_PASSWORD);

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().path("message").asText()).isNotBlank();
        assertThat(accounts.meStatus(caller.accessToken())).isEqualTo(200);
        assertThat(accounts.refresh(caller.refreshToken()).status()).isEqualTo(200);
        assertThat(accounts.meStatus(other.accessToken())).isEqualTo(401);
        assertThat(accounts.refresh(other.refreshToken()).status()).isEqualTo(401);
        assertThat(server.login(email, PASSWORD).status()).isEqualTo(401);
        assertThat(server.login(email, NEW_PASSWORD).status()).isEqualTo(200);
    }

    @Test
    void whenPasswordChanges_thenOwnerIsNotifiedByMail() {
        var me = accounts.newUser("notify");
        String email = me.body().path("user").path("email").asText();

        assertThat(change(me.accessToken(), PASSWORD, NEW_PASSWORD).status()).isEqualTo(200);

        var mail = server.awaitMail(email, s -> s.contains("Your password was changed"));
        assertThat(mail).isNotNull();
    }

    @Test
    void whenPasswordChanges_thenOtherSessionsShowPasswordChangedInHistory() {
        String email = accounts.registered("history");
        var caller = accounts.signIn(email, PASSWORD);
        String otherId = sessionIdOf(accounts.signIn(email, PASSWORD));

        change(caller.accessToken(), PASSWORD, NEW_PASSWORD);

        var history = server.http
                .get("/v1/sessions/history")
                .bearer(caller.accessToken())
                .send()
                .json()
                .path("sessions");
        assertThat(history).hasSize(2);
        for (var s : history) {
            boolean isOther = s.path("id").asText().equals(otherId);
            assertThat(s.path("end_reason").asText(null)).isEqualTo(isOther ? "password_changed" : null);
        }
    }

    @Test
    void whenNoBearer_then401() {
        var r = server.http
                .post("/v1/auth/change-password")
                .json(map("current_password", PASSWORD, "new_password", NEW_PASSWORD))
                .send();

        assertThat(r.status()).isEqualTo(401);
    }

    /** The session id the access token belongs to, as /v1/sessions marks it current. */
    private static String sessionIdOf(TestAccounts.SignedIn s) {
        for (var x : server.http
                .get("/v1/sessions")
                .bearer(s.accessToken())
                .send()
                .json()
                .path("sessions")) {
            if (x.path("current").asBoolean()) return x.path("id").asText();
        }
        throw new AssertionError("no current session");
    }
}
