package dev.gatehouse.auth;

import static dev.gatehouse.testkit.HttpJson.map;
import static dev.gatehouse.testkit.TestAccounts.PASSWORD;
import static dev.gatehouse.testkit.TestAccounts.email;
import static dev.gatehouse.testkit.TestAccounts.isMagicLink;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.testkit.HttpJson;
import dev.gatehouse.testkit.Race;
import dev.gatehouse.testkit.ServerTest;
import dev.gatehouse.testkit.TestAccounts;
import dev.gatehouse.testkit.TestServer;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** POST /v1/auth/magic-link/send and /verify: passwordless sign-in, single use, 15 minutes, opt-in registration. */
@ServerTest
class MagicLinkTest {
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

    private static HttpJson.Response send(String email) {
        return server.http.post("/v1/auth/magic-link/send", map("email", email));
    }

    private static HttpJson.Response verify(String token, Boolean allowRegistration) {
        return server.http.post(
                "/v1/auth/magic-link/verify",
                allowRegistration == null
                        ? map("token", token)
                        : map("token", token, "allow_registration", allowRegistration));
    }

    /** Sends a link and returns the mailed token. */
    private static String link(String email) {
        assertThat(send(email).status()).isEqualTo(202);
        return server.tokenFromMail(email, isMagicLink());
    }

    @Test
    void whenKnownAndUnknownAddressAsk_thenStatusAndBodyAreTheSame() {
        var known = send(accounts.registered("known"));
        var unknown = send(email("unknown"));

        assertThat(known.status()).isEqualTo(202);
        assertThat(unknown.status()).isEqualTo(202);
        assertThat(unknown.body()).isEqualTo(known.body());
    }

    @Test
    void whenLinkIsVerified_thenAnswerHasUserTokensAndDeviceId() {
        String email = accounts.registered("signin");

        var r = verify(link(email), false);

        assertThat(r.status()).isEqualTo(200);
        JsonNode body = r.json();
        assertThat(body.path("user").path("email").asText()).isEqualTo(email);
        assertThat(body.path("user").path("id").asText()).isNotBlank();
        assertThat(body.path("user").path("created_at").asText()).isNotBlank();
        // a link mailed to the address proves it
        assertThat(body.path("user").path("is_email_verified").asBoolean()).isTrue();
        JsonNode tokens = body.path("tokens");
        assertThat(tokens.path("access_token").asText()).isNotBlank();
        assertThat(tokens.path("refresh_token").asText()).startsWith("rt_");
        assertThat(tokens.path("token_type").asText()).isEqualTo("Bearer");
        assertThat(tokens.path("expires_in").asInt()).isEqualTo(900);
        assertThat(body.path("device_id").asText()).isNotBlank();
        assertThat(r.header("Set-Cookie"))
                .contains("gh_device=" + body.path("device_id").asText());
        assertThat(accounts.meStatus(tokens.path("access_token").asText())).isEqualTo(200);
        var sessions = server.http
                .get("/v1/sessions")
                .bearer(tokens.path("access_token").asText())
                .send()
                .json()
                .path("sessions");
        assertThat(sessions.findValuesAsText("auth_method")).containsExactly("magic_link");
    }

    @Test
    void whenLinkIsUsedTwice_thenSecondUseIs400InvalidToken() {
        String token = link(accounts.registered("twice"));
        assertThat(verify(token, false).status()).isEqualTo(200);

        var again = verify(token, false);

        assertThat(again.status()).isEqualTo(400);
        assertThat(again.json().path("code").asText()).isEqualTo("invalid_token");
    }

    @Test
    void whenTheSameLinkIsVerifiedConcurrently_thenExactlyOneSessionStarts() {
        for (int round = 0; round < 5; round++) {
            String token = link(accounts.registered("race" + round));

            var statuses = Race.run(2, () -> verify(token, false).status());

            assertThat(statuses).as("round %d", round).containsExactlyInAnyOrder(200, 400);
        }
    }

    @Test
    void whenTwoLinksForTheSameNewAddressAreVerifiedConcurrently_thenNoServerErrorAndOneAccount() {
        for (int round = 0; round < 6; round++) {
            String email = email("twolinks" + round);
            // sends that race can both leave a live link
            Race.run(2, () -> send(email));
            var tokens = accounts.tokensFromMails(email, isMagicLink(), 2);
            var next = new AtomicInteger();

            var statuses = Race.run(
                    2, () -> verify(tokens.get(next.getAndIncrement()), true).status());

            assertThat(statuses)
                    .as("round %d", round)
                    .allSatisfy(s -> assertThat(s).isIn(200, 400));
            assertThat(statuses).as("round %d", round).contains(200);
            assertThat(accounts.accountExists(email)).isTrue();
        }
    }

    @Test
    void whenMagicLinkSignUpRacesPasswordRegistration_thenNoServerError() {
        for (int round = 0; round < 6; round++) {
            String email = email("signup" + round);
            String token = link(email);
            var next = new AtomicInteger();

            var statuses = Race.run(
                    2,
                    () -> next.getAndIncrement() == 0
                            ? verify(token, true).status()
                            : server.http
                                    .post("/v1/auth/register", map("email", email, "password", PASSWORD))
                                    .status());

            assertThat(statuses).as("round %d", round).containsExactlyInAnyOrder(200, 202);
        }
    }

    @Test
    void whenLinkIsOlderThan15Minutes_then400InvalidToken() {
        String token = link(accounts.registered("expired"));

        server.clock.advance(Duration.ofMinutes(16));

        var r = verify(token, false);
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().path("code").asText()).isEqualTo("invalid_token");
    }

    @Test
    void whenLinkIsYoungerThan15Minutes_thenItWorks() {
        String token = link(accounts.registered("young"));

        server.clock.advance(Duration.ofMinutes(14));

        assertThat(verify(token, false).status()).isEqualTo(200);
    }

    @Test
    void whenUnknownAddressVerifiesWithoutAllowRegistration_then400AndNoAccountIsCreated() {
        String email = email("stranger");
        String token = link(email);

        for (Boolean allow : new Boolean[] {false, null}) {
            var r = verify(token, allow);
            assertThat(r.status()).isEqualTo(400);
            assertThat(r.header("Content-Type")).startsWith("application/problem+json");
            assertThat(r.json().has("tokens")).isFalse();
        }
        assertThat(accounts.accountExists(email)).isFalse();
    }

    @Test
    void whenUnknownAddressVerifiesWithAllowRegistration_thenVerifiedAccountIsCreated() {
        String email = email("newcomer");

        var r = verify(link(email), true);

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().path("user").path("email").asText()).isEqualTo(email);
        assertThat(r.json().path("user").path("is_email_verified").asBoolean()).isTrue();
        assertThat(accounts.accountExists(email)).isTrue();
        assertThat(accounts.rolesOf(email)).containsExactly("user");
        var me = server.http
                .get("/v1/auth/me")
                .bearer(r.json().path("tokens").path("access_token").asText())
                .send();
        assertThat(me.json().path("is_email_verified").asBoolean()).isTrue();
    }

    @Test
    void whenPasswordlessAccountTriesAPassword_then401LikeAnyWrongPassword() {
        String email = email("passwordless");
        assertThat(verify(link(email), true).status()).isEqualTo(200);

        var r = server.login(email, PASSWORD);
        var unknown = server.login(email("nobody"), PASSWORD);

        assertThat(r.status()).isEqualTo(401);
        assertThat(r.body()).isEqualTo(unknown.body());
        // refused after the same hash work as a wrong password (no timing tell), and audited as such
        assertThat(accounts.auditOf(accounts.idOf(email)))
                .filteredOn(e -> e.path("event_type").asText().equals("login.failure"))
                .extracting(e -> e.path("reason").asText())
                .containsExactly("no_password");
    }

    @Test
    void whenANewLinkIsSent_thenTheEarlierOneStopsWorking() {
        String email = accounts.registered("newest");
        String first = link(email);
        assertThat(send(email).status()).isEqualTo(202);
        var tokens = accounts.tokensFromMails(email, isMagicLink(), 2);

        assertThat(verify(first, false).status()).isEqualTo(400);
        assertThat(verify(tokens.get(1), false).status()).isEqualTo(200);
    }
}
