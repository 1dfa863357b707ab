package dev.gatehouse.auth;

import static dev.gatehouse.testkit.HttpJson.map;
import static dev.gatehouse.testkit.TestAccounts.NEW_PASSWORD;
import static dev.gatehouse.testkit.TestAccounts.PASSWORD;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.testkit.HttpJson;
import dev.gatehouse.testkit.ServerTest;
import dev.gatehouse.testkit.TestAccounts;
import dev.gatehouse.testkit.TestServer;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** GET /v1/auth/password-status (seed 000) and the administrator's require-password-change. */
@ServerTest
class PasswordStatusTest {
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

    private static JsonNode status(String access) {
        var r = server.http.get("/v1/auth/password-status").bearer(access).send();
        assertThat(r.status()).isEqualTo(200);
        return r.json();
    }

    private static HttpJson.Response requireChange(String userId, String access) {
        return server.http
                .post("/v1/admin/users/" + userId + "/require-password-change")
                .bearer(access)
                .send();
    }

    @Test
    void whenNothingWasRequired_thenPasswordChangeIsNotRequired() {
        var me = accounts.newUser("default");

        var s = status(me.accessToken());

        assertThat(s.path("password_change_required").isBoolean()).isTrue();
        assertThat(s.path("password_change_required").asBoolean()).isFalse();
        assertThat(s.path("password_changed_at").asText()).isNotBlank();
        assertThat(me.body().path("user").path("password_change_required").asBoolean())
                .isFalse();
    }

    @Test
    void whenAdminRequiresAChange_thenStatusAndNextLoginSayItIsRequired() {
        var me = accounts.newUser("required");
        String email = me.body().path("user").path("email").asText();

        var r = requireChange(me.userId(), server.adminToken());

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().path("message").asText()).isNotBlank();
        assertThat(status(me.accessToken()).path("password_change_required").asBoolean())
                .isTrue();
        var login = server.login(email, PASSWORD).json();
        assertThat(login.path("user").path("password_change_required").asBoolean())
                .isTrue();
    }

    @Test
    void whenSignInRehashesAnOldHash_thenTheRequirementAndTheChangeDatesStay() {
        var me = accounts.newUser("rehash");
        String email = me.body().path("user").path("email").asText();
        requireChange(me.userId(), server.adminToken());
        var before = status(me.accessToken());
        // The stored hash as an earlier configuration made it (other Argon2 parameters): the next sign-in rehashes.
        String old = new dev.gatehouse.platform.crypto.PasswordHasher(
                        new dev.gatehouse.platform.config.Config.Argon2(2048, 2, 1),
                        dev.gatehouse.platform.crypto.Secrets.system())
                .hash(PASSWORD);
        assertThat(server.database.update("UPDATE users SET password_hash = ? WHERE email = ?", old, email))
                .isEqualTo(1);
        server.clock.advance(java.time.Duration.ofMinutes(5));

        var login = server.login(email, PASSWORD);
        assertThat(login.status()).as(login.body()).isEqualTo(200);
        assertThat(server.database.count(
                        "SELECT COUNT(*) FROM users WHERE email = ? AND password_hash LIKE '$argon2id$v=19$m=1024,t=1,%'",
                        email))
                .as("rehashed with the current parameters")
                .isEqualTo(1);
        // A rehash is not a password change: the administrator's requirement and the dates stay as they were.
        var after = status(login.json().path("tokens").path("access_token").asText());
        assertThat(after.path("password_change_required").asBoolean()).isTrue();
        assertThat(after.path("password_changed_at").asText())
                .isEqualTo(before.path("password_changed_at").asText());
    }

    @Test
    void whenPasswordIsChangedAfterwards_thenTheRequirementIsCleared() {
        var me = accounts.newUser("cleared");
        requireChange(me.userId(), server.adminToken());

        var changed = server.http
                .post("/v1/auth/change-password")
                .bearer(me.accessToken())
                .json(map("current_password", PASSWORD, "new_password", NEW_PASSWORD))
                .send();

        assertThat(changed.status()).isEqualTo(200);
        assertThat(status(me.accessToken()).path("password_change_required").asBoolean())
                .isFalse();
    }

    @Test
    void whenPasswordIsResetAfterwards_thenTheRequirementIsCleared() {
        var me = accounts.newUser("reset");
        String email = me.body().path("user").path("email").asText();
        requireChange(me.userId(), server.adminToken());

        server.http.post("/v1/auth/forgot-password", map("email", email));
        String token = server.tokenFromMail(email, TestAccounts.isReset());
        assertThat(server.http
                        .post("/v1/auth/reset-password", map("token", token, "new_password", NEW_PASSWORD))
                        .status())
                .isEqualTo(200);

        var fresh = accounts.signIn(email, NEW_PASSWORD);
        assertThat(status(fresh.accessToken()).path("password_change_required").asBoolean())
                .isFalse();
    }

    @Test
    void whenNonAdminRequiresAChange_then403ProblemAndNothingChanges() {
        var victim = accounts.newUser("victim");
        var mallory = accounts.newUser("mallory");

        var r = requireChange(victim.userId(), mallory.accessToken());

        assertThat(r.status()).isEqualTo(403);
        assertThat(r.header("Content-Type")).startsWith("application/problem+json");
        assertThat(r.json().path("code").asText()).isEqualTo("forbidden");
        assertThat(r.json().path("status").asInt()).isEqualTo(403);
        assertThat(status(victim.accessToken()).path("password_change_required").asBoolean())
                .isFalse();
    }

    @Test
    void whenAdminRequiresAChangeForAnUnknownUser_then404() {
        var r = requireChange(UUID.randomUUID().toString(), server.adminToken());

        assertThat(r.status()).isEqualTo(404);
        assertThat(r.json().path("code").asText()).isEqualTo("not_found");
    }

    @Test
    void whenNoBearer_then401() {
        assertThat(server.http.get("/v1/auth/password-status").send().status()).isEqualTo(401);
    }
}
