package dev.gatehouse.auth;

import static dev.gatehouse.testkit.HttpJson.map;
import static dev.gatehouse.testkit.TestAccounts.NEW_PASSWORD;
import static dev.gatehouse.testkit.TestAccounts.PASSWORD;
import static dev.gatehouse.testkit.TestAccounts.WEAK_PASSWORD;
import static dev.gatehouse.testkit.TestAccounts.email;
import static dev.gatehouse.testkit.TestAccounts.isConfirm;
import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.testkit.Race;
import dev.gatehouse.testkit.ServerTest;
import dev.gatehouse.testkit.TestAccounts;
import dev.gatehouse.testkit.TestServer;
import java.util.Locale;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** POST /v1/auth/register: no account enumeration, nothing changes for a taken address, password policy, roles. */
@ServerTest
class RegistrationTest {
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

    @Test
    void whenNewAndExistingAddressRegister_thenStatusAndBodyAreTheSame() {
        String email = email("same");
        var fresh = server.http.post("/v1/auth/register", map("email", email, "password", PASSWORD));
        var again = server.http.post("/v1/auth/register", map("email", email, "password", NEW_PASSWORD));

        assertThat(fresh.status()).isEqualTo(202);
        assertThat(again.status()).isEqualTo(202);
        assertThat(again.body()).isEqualTo(fresh.body());
        assertThat(fresh.json().path("message").asText()).isNotBlank();
        assertThat(fresh.json().has("tokens")).isFalse();
        assertThat(fresh.json().has("user")).isFalse();
    }

    @Test
    void whenExistingAddressRegistersAgain_thenNothingChangesAndTheOwnerIsTold() {
        String email = accounts.verified("taken");

        var again = server.http.post(
                "/v1/auth/register",
                map("email", email.toUpperCase(Locale.ROOT), "password", NEW_PASSWORD, "first_name", "Eve"));
        assertThat(again.status()).isEqualTo(202);

        server.awaitMail(email, s -> s.contains("Someone tried to register"));
        // no second verification token was issued: the only confirmation mail is the first one
        assertThat(accounts.queuedSubjects(email))
                .filteredOn(s -> s.contains("Confirm"))
                .hasSize(1);
        // the password, the verified flag and the name are still the owner's
        assertThat(server.login(email, NEW_PASSWORD).status()).isEqualTo(401);
        var login = server.login(email, PASSWORD);
        assertThat(login.status()).isEqualTo(200);
        assertThat(login.json().path("user").path("is_email_verified").asBoolean())
                .isTrue();
        assertThat(login.json().path("user").has("first_name")).isFalse();
    }

    @Test
    void whenTheSameNewAddressRegistersConcurrently_thenEveryCallGets202AndOneAccountExists() {
        for (int round = 0; round < 5; round++) {
            String email = email("race" + round);

            var responses =
                    Race.run(3, () -> server.http.post("/v1/auth/register", map("email", email, "password", PASSWORD)));

            assertThat(responses)
                    .as("round %d", round)
                    .allSatisfy(r -> assertThat(r.status()).as(r.body()).isEqualTo(202));
            assertThat(responses)
                    .extracting(r -> r.body())
                    .containsOnly(responses.get(0).body());
            assertThat(server.login(email, PASSWORD).status()).isEqualTo(200);
        }
    }

    @Test
    void whenPasswordIsWeak_then422NamesPasswordAndNothingIsStored() {
        String email = email("weak");
        var r = server.http.post("/v1/auth/register", map("email", email, "password", WEAK_PASSWORD));

        assertThat(r.status()).isEqualTo(422);
        assertThat(r.header("Content-Type")).startsWith("application/problem+json");
        assertThat(r.json().path("code").asText()).isEqualTo("validation_failed");
        assertThat(r.json().path("errors").path("password").asText()).isNotBlank();
        assertThat(accounts.accountExists(email)).isFalse();
        assertThat(accounts.queuedSubjects(email)).isEmpty();
    }

    @Test
    void whenPasswordContainsTheAddress_then422NamesPassword() {
        String email = email("mirror");
        String local = email.substring(0, email.indexOf('@'));
        var r = server.http.post("/v1/auth/register", map("email", email, "password", local + "-Zebra-Quartz-71"));

        assertThat(r.status()).isEqualTo(422);
        assertThat(r.json().path("errors").path("password").asText()).contains("email");
    }

    @Test
    void whenEmailIsInvalid_then422NamesEmail() {
        var r = server.http.post("/v1/auth/register", map("email", "not-an-address", "password", PASSWORD));

        assertThat(r.status()).isEqualTo(422);
        assertThat(r.json().path("errors").path("email").asText()).isNotBlank();
    }

    @Test
    void whenUserRegisters_thenAccountHoldsTheUserRoleAndIsUnverified() {
        String email = accounts.registered("role");

        assertThat(accounts.rolesOf(email)).containsExactly("user");
        var login = server.login(email, PASSWORD);
        assertThat(login.json().path("user").path("is_email_verified").asBoolean())
                .isFalse();
        server.awaitMail(email, isConfirm());
    }

    @Test
    void whenUserRegistersWithNames_thenProfileShowsThem() {
        String email = email("named");
        server.http.post(
                "/v1/auth/register",
                map("email", email, "password", PASSWORD, "first_name", "Ada", "last_name", "Byron"));

        var me = server.http
                .get("/v1/auth/me")
                .bearer(server.accessToken(email, PASSWORD))
                .send()
                .json();
        assertThat(me.path("first_name").asText()).isEqualTo("Ada");
        assertThat(me.path("last_name").asText()).isEqualTo("Byron");
    }
}
