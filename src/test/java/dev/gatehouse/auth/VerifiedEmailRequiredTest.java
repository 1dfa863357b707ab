package dev.gatehouse.auth;

import static dev.gatehouse.testkit.HttpJson.map;
import static dev.gatehouse.testkit.TestAccounts.PASSWORD;
import static dev.gatehouse.testkit.TestAccounts.email;
import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.testkit.ServerTest;
import dev.gatehouse.testkit.TestAccounts;
import dev.gatehouse.testkit.TestServer;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** GATEHOUSE_REQUIRE_VERIFIED_EMAIL=true: password sign-in waits for a verified address. */
@ServerTest
class VerifiedEmailRequiredTest {
    static TestServer server;
    static TestAccounts accounts;

    @BeforeAll
    static void start() {
        server = TestServer.start(Map.of("GATEHOUSE_REQUIRE_VERIFIED_EMAIL", "true"));
        accounts = new TestAccounts(server);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void whenAddressIsUnverified_thenLoginIs403AndAudited() {
        String email = accounts.registered("unverified");

        var r = server.login(email, PASSWORD);

        assertThat(r.status()).isEqualTo(403);
        assertThat(r.header("Content-Type")).startsWith("application/problem+json");
        assertThat(r.json().has("tokens")).isFalse();
        assertThat(accounts.auditOf(accounts.idOf(email)))
                .filteredOn(e -> e.path("event_type").asText().equals("login.failure"))
                .extracting(e -> e.path("reason").asText())
                .containsExactly("email_not_verified");
    }

    @Test
    void whenPasswordIsWrongForAnUnverifiedAddress_thenAnswerIsTheUnknownEmailAnswer() {
        String email = accounts.registered("guess");

        var wrong = server.login(email, "Not-The-Password-1");
        var unknown = server.login(email("nobody"), "Not-The-Password-1");

        assertThat(wrong.status()).isEqualTo(401);
        assertThat(wrong.body()).isEqualTo(unknown.body());
    }

    @Test
    void whenAddressIsVerified_thenLoginSucceeds() {
        String email = accounts.verified("verified");

        assertThat(server.login(email, PASSWORD).status()).isEqualTo(200);
    }

    @Test
    void whenSettingsAreRead_thenVerificationIsRequired() {
        assertThat(server.http
                        .get("/v1/auth/settings")
                        .send()
                        .json()
                        .path("email_verification_required")
                        .asBoolean())
                .isTrue();
    }

    @Test
    void whenUnverifiedAccountUsesAMagicLink_thenItSignsInAndTheUnprovenPasswordIsDropped() {
        String email = accounts.registered("magic");
        server.http.post("/v1/auth/magic-link/send", map("email", email));
        String token = server.tokenFromMail(email, TestAccounts.isMagicLink());

        var r = server.http.post("/v1/auth/magic-link/verify", map("token", token));

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().path("user").path("is_email_verified").asBoolean()).isTrue();
        // the password was set before anyone proved the address (see AccountTakeoverTest): it no longer works
        assertThat(server.login(email, PASSWORD).status()).isEqualTo(401);
    }
}
