package dev.gatehouse.auth;

import static dev.gatehouse.testkit.HttpJson.map;
import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.testkit.ServerTest;
import dev.gatehouse.testkit.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Defences against taking over an account through an address its registrant never proved, or through stored mail. */
@ServerTest
class AccountTakeoverTest {
    static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void whenOwnerProvesAnAddressSomeoneElseRegistered_thenTheRegistrantsPasswordAndSessionsAreGone() {
        String victim = "victim@example.com";
        server.register(victim, "Attacker-Chosen-Pass-77");
        String attackerAccess = server.accessToken(victim, "Attacker-Chosen-Pass-77");

        assertThat(server.http
                        .post("/v1/auth/magic-link/send", map("email", victim))
                        .status())
                .isEqualTo(202);
        String link = server.tokenFromMail(victim, s -> s.contains("sign-in link"));
        var signedIn = server.http.post("/v1/auth/magic-link/verify", map("token", link));
        assertThat(signedIn.status()).isEqualTo(200);
        assertThat(signedIn.json().path("user").path("is_email_verified").asBoolean())
                .isTrue();

        assertThat(server.login(victim, "Attacker-Chosen-Pass-77").status()).isEqualTo(401);
        assertThat(server.http.get("/v1/auth/me").bearer(attackerAccess).send().status())
                .isEqualTo(401);
        String ownerAccess = signedIn.json().path("tokens").path("access_token").asText();
        assertThat(server.http.get("/v1/auth/me").bearer(ownerAccess).send().status())
                .isEqualTo(200);
    }

    @Test
    void whenMailWasDeliveredOverSmtp_thenTheOutboxNoLongerHoldsItsLink() {
        server.register("outbox@example.com", "Correct-Horse-Battery-9");
        String token = server.tokenFromMail("outbox@example.com", s -> s.contains("Confirm"));
        String admin = server.adminToken();
        var outbox =
                server.http.get("/v1/admin/mail/outbox?limit=100").bearer(admin).send();
        // GreenMail can hold the message a moment before the worker commits that it was sent
        for (int i = 0; i < 100 && outbox.body().contains(token); i++) {
            sleep();
            outbox = server.http
                    .get("/v1/admin/mail/outbox?limit=100")
                    .bearer(admin)
                    .send();
        }
        assertThat(outbox.status()).isEqualTo(200);
        assertThat(outbox.json().path("messages").findValuesAsText("recipient")).contains("outbox@example.com");
        assertThat(outbox.body()).doesNotContain(token);
    }

    private static void sleep() {
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
