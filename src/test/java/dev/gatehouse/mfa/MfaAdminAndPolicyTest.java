package dev.gatehouse.mfa;

import static dev.gatehouse.testkit.HttpJson.map;
import static dev.gatehouse.testkit.TestAccounts.PASSWORD;
import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.testkit.ServerTest;
import dev.gatehouse.testkit.TestAccounts;
import dev.gatehouse.testkit.TestServer;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** /v1/admin/users/{id}/mfa (see and reset a user's factors) and GATEHOUSE_MFA_REQUIRED (enrol during sign-in). */
@ServerTest
class MfaAdminAndPolicyTest {
    static TestServer server;
    static TestAccounts accounts;

    @BeforeAll
    static void start() {
        server = TestServer.start();
        accounts = new TestAccounts(server);
        MfaTotpTest.server = server;
        MfaTotpTest.accounts = accounts;
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static String userId(MfaTotpTest.Enrolled e) {
        return server.http.get("/v1/auth/me").bearer(e.accessToken()).send().text("id");
    }

    @Test
    void whenAnAdminLooksAtAUser_thenTheFactorsAreListed() {
        var e = MfaTotpTest.enrolled("seen");

        var r = server.http
                .get("/v1/admin/users/" + userId(e) + "/mfa")
                .bearer(server.adminToken())
                .send();

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().path("totp_enabled").asBoolean()).isTrue();
        assertThat(r.json().path("backup_codes_remaining").asInt()).isEqualTo(10);
        assertThat(r.json().toString()).doesNotContain(e.secret());
    }

    @Test
    void whenAnAdminResetsAUser_thenLoginNoLongerAsksAndTheResetIsAudited() {
        var e = MfaTotpTest.enrolled("reset");
        String id = userId(e);

        var r = server.http
                .delete("/v1/admin/users/" + id + "/mfa")
                .bearer(server.adminToken())
                .send();

        assertThat(r.status()).isEqualTo(204);
        assertThat(server.login(e.email(), PASSWORD).json().has("mfa_required")).isFalse();
        var reset = accounts.auditOf(id).stream()
                .filter(n -> n.path("event_type").asText().equals("mfa.reset"))
                .findFirst()
                .orElseThrow();
        assertThat(reset.path("actor_id").asText()).isNotBlank().isNotEqualTo(id);
        // the user can enrol again from scratch
        assertThat(server.http
                        .post("/v1/auth/mfa/setup")
                        .bearer(e.accessToken())
                        .send()
                        .status())
                .isEqualTo(200);
    }

    @Test
    void whenTheAdminsSignInIsOlderThan15Minutes_thenTheResetAsksForANewOneAndKeepsTheFactors() {
        var e = MfaTotpTest.enrolled("stale-admin");
        String id = userId(e);
        var signIn = server.login(TestServer.ADMIN_EMAIL, TestServer.ADMIN_PASSWORD);
        String refreshToken = signIn.json().path("tokens").path("refresh_token").asText();
        server.clock.advance(Duration.ofMinutes(16));
        var refreshed = accounts.refresh(refreshToken);
        assertThat(refreshed.status()).as(refreshed.body()).isEqualTo(200);
        String stale = refreshed.json().path("tokens").path("access_token").asText();

        var r = server.http
                .delete("/v1/admin/users/" + id + "/mfa")
                .bearer(stale)
                .send();

        assertThat(r.status()).as(r.body()).isEqualTo(401);
        assertThat(r.text("code")).isEqualTo("insufficient_user_authentication");
        assertThat(r.header("WWW-Authenticate")).startsWith("Bearer error=\"insufficient_user_authentication\"");
        var kept =
                server.http.get("/v1/admin/users/" + id + "/mfa").bearer(stale).send();
        assertThat(kept.json().path("totp_enabled").asBoolean()).isTrue();
        assertThat(kept.json().path("backup_codes_remaining").asInt()).isEqualTo(10);

        // A new sign-in of the administrator is recent.
        var fresh = server.http
                .delete("/v1/admin/users/" + id + "/mfa")
                .bearer(server.adminToken())
                .send();
        assertThat(fresh.status()).as(fresh.body()).isEqualTo(204);
    }

    @Test
    void whenANonAdminCallsTheAdminRoutes_thenForbiddenAndNothingChanges() {
        var e = MfaTotpTest.enrolled("victim");
        String other = accounts.newUser("other").accessToken();

        assertThat(server.http
                        .get("/v1/admin/users/" + userId(e) + "/mfa")
                        .bearer(other)
                        .send()
                        .status())
                .isEqualTo(403);
        assertThat(server.http
                        .delete("/v1/admin/users/" + userId(e) + "/mfa")
                        .bearer(other)
                        .send()
                        .status())
                .isEqualTo(403);
        assertThat(server.login(e.email(), PASSWORD).json().path("mfa_required").asBoolean())
                .isTrue();
    }

    @Test
    void whenTheUserDoesNotExist_thenNotFound() {
        var r = server.http
                .delete("/v1/admin/users/" + UUID.randomUUID() + "/mfa")
                .bearer(server.adminToken())
                .send();

        assertThat(r.status()).isEqualTo(404);
    }

    @Test
    void whenPolicyRequiresMfa_thenAUserWithoutAFactorEnrolsDuringSignIn() {
        try (var strict = TestServer.start(Map.of("GATEHOUSE_MFA_REQUIRED", "true"))) {
            String email = new TestAccounts(strict).registered("policy");

            var login = strict.login(email, PASSWORD);
            assertThat(login.status()).isEqualTo(200);
            assertThat(login.json().path("mfa_required").asBoolean()).isTrue();
            assertThat(login.json().path("mfa_setup_required").asBoolean()).isTrue();
            assertThat(login.json().path("methods").toString()).isEqualTo("[\"totp\"]");
            assertThat(login.json().has("tokens")).isFalse();
            String mfaToken = login.text("mfa_token");

            // without enrolment no code can pass
            var early = strict.http.post("/v1/auth/login/mfa", map("mfa_token", mfaToken, "code", "123456"));
            assertThat(early.status()).isEqualTo(401);
            var setup = strict.http.post("/v1/auth/login/mfa/setup", map("mfa_token", mfaToken));
            assertThat(setup.status()).as(setup.body()).isEqualTo(200);
            String secret = setup.text("secret");
            var done = strict.http.post(
                    "/v1/auth/login/mfa",
                    map("mfa_token", mfaToken, "code", TotpCodes.at(secret, strict.clock.instant())));
            assertThat(done.status()).as(done.body()).isEqualTo(200);
            assertThat(done.json().path("tokens").path("access_token").asText()).isNotBlank();

            // from now on the enrolled factor is asked for, and setup is refused
            strict.clock.advance(Duration.ofSeconds(30));
            var next = strict.login(email, PASSWORD);
            assertThat(next.json().path("mfa_setup_required").asBoolean()).isFalse();
            assertThat(next.json().path("methods").toString()).isEqualTo("[\"totp\"]");
            assertThat(strict.http
                            .post("/v1/auth/login/mfa/setup", map("mfa_token", next.text("mfa_token")))
                            .status())
                    .isEqualTo(409);
            assertThat(strict.http
                            .post(
                                    "/v1/auth/login/mfa",
                                    map(
                                            "mfa_token",
                                            next.text("mfa_token"),
                                            "code",
                                            TotpCodes.at(secret, strict.clock.instant())))
                            .status())
                    .isEqualTo(200);
        }
    }
}
