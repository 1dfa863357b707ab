package dev.gatehouse.auth;

import static dev.gatehouse.testkit.HttpJson.map;
import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.mfa.TotpCodes;
import dev.gatehouse.testkit.HttpJson;
import dev.gatehouse.testkit.ServerTest;
import dev.gatehouse.testkit.SoftAuthenticator;
import dev.gatehouse.testkit.TestAccounts;
import dev.gatehouse.testkit.TestServer;
import java.time.Duration;
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

        var signedIn = signInWithLink(victim);
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
    void whenOwnerSignsInWithALink_thenTheRegistrantsSecondFactorsAndPasskeysAreGoneToo() {
        String victim = "victim-factors@example.com";
        var attacker = registrantWithFactors(victim);

        var signedIn = signInWithLink(victim);

        // The owner is signed in at once: the registrant's TOTP and passkey no longer stand in the way.
        assertThat(signedIn.status()).as(signedIn.body()).isEqualTo(200);
        assertThat(signedIn.json().has("mfa_required")).isFalse();
        String ownerAccess = signedIn.json().path("tokens").path("access_token").asText();
        assertRegistrantLockedOut(attacker, ownerAccess);
    }

    @Test
    void whenOwnerResetsThePassword_thenTheRegistrantsSecondFactorsAndPasskeysAreGoneToo() {
        String victim = "victim-reset@example.com";
        var attacker = registrantWithFactors(victim);

        assertThat(server.http
                        .post("/v1/auth/forgot-password", map("email", victim))
                        .status())
                .isEqualTo(202);
        String reset = server.tokenFromMail(victim, TestAccounts.isReset());
        var done = server.http.post(
                "/v1/auth/reset-password", map("token", reset, "new_password", "Owners-Own-Pass-2024"));
        assertThat(done.status()).as(done.body()).isEqualTo(200);

        var signedIn = server.login(victim, "Owners-Own-Pass-2024");
        assertThat(signedIn.status()).as(signedIn.body()).isEqualTo(200);
        assertThat(signedIn.json().has("mfa_required")).isFalse();
        String ownerAccess = signedIn.json().path("tokens").path("access_token").asText();
        assertRegistrantLockedOut(attacker, ownerAccess);
        assertThat(server.http
                        .get("/v1/auth/me")
                        .bearer(ownerAccess)
                        .send()
                        .json()
                        .path("is_email_verified")
                        .asBoolean())
                .isTrue();
    }

    @Test
    void whenTheOwnerOfAProvenAddressSignsInWithALink_thenTheirSecondFactorStays() {
        String owner = "proven-owner@example.com";
        server.register(owner, "Owners-Own-Pass-2024");
        assertThat(server.http
                        .post(
                                "/v1/auth/verify-email",
                                map("token", server.tokenFromMail(owner, s -> s.contains("Confirm"))))
                        .status())
                .isEqualTo(200);
        String access = server.accessToken(owner, "Owners-Own-Pass-2024");
        enrolTotp(access);

        var signedIn = signInWithLink(owner);
        assertThat(signedIn.status()).as(signedIn.body()).isEqualTo(200);
        assertThat(signedIn.json().path("mfa_required").asBoolean()).isTrue();
        assertThat(signedIn.json().path("methods").toString()).contains("totp");
        assertThat(server.login(owner, "Owners-Own-Pass-2024")
                        .json()
                        .path("mfa_required")
                        .asBoolean())
                .isTrue();
    }

    /** Asks for a sign-in link to {@code address} and redeems the one mailed there. */
    private static HttpJson.Response signInWithLink(String address) {
        assertThat(server.http
                        .post("/v1/auth/magic-link/send", map("email", address))
                        .status())
                .isEqualTo(202);
        String link = server.tokenFromMail(address, TestAccounts.isMagicLink());
        return server.http.post("/v1/auth/magic-link/verify", map("token", link));
    }

    /** What the registrant of an address it does not own holds: a TOTP secret and a passkey. */
    private record Registrant(String totpSecret, SoftAuthenticator passkey) {}

    private static Registrant registrantWithFactors(String address) {
        server.register(address, "Attacker-Chosen-Pass-77");
        String access = server.accessToken(address, "Attacker-Chosen-Pass-77");
        String secret = enrolTotp(access);
        var passkey = new SoftAuthenticator(server.base);
        var begin = server.http
                .post("/v1/auth/mfa/webauthn/register/begin")
                .bearer(access)
                .send();
        assertThat(begin.status()).as(begin.body()).isEqualTo(200);
        var finish = server.http
                .post("/v1/auth/mfa/webauthn/register/finish")
                .bearer(access)
                .json(passkey.create(begin.json()))
                .send();
        assertThat(finish.status()).as(finish.body()).isEqualTo(201);
        // The passkey signs the registrant in before the owner proves the address.
        assertThat(passkeySignIn(passkey).status()).isEqualTo(200);
        return new Registrant(secret, passkey);
    }

    private static String enrolTotp(String access) {
        String secret =
                server.http.post("/v1/auth/mfa/setup").bearer(access).send().text("secret");
        var enable = server.http
                .post("/v1/auth/mfa/enable")
                .bearer(access)
                .json(map("code", TotpCodes.at(secret, server.clock.instant())))
                .send();
        assertThat(enable.status()).as(enable.body()).isEqualTo(200);
        server.clock.advance(Duration.ofSeconds(30));
        return secret;
    }

    private static HttpJson.Response passkeySignIn(SoftAuthenticator passkey) {
        var begin = server.http.post("/v1/auth/passkeys/login/begin").send();
        assertThat(begin.status()).as(begin.body()).isEqualTo(200);
        return server.http
                .post("/v1/auth/passkeys/login/finish")
                .json(passkey.get(begin.json()))
                .send();
    }

    private static void assertRegistrantLockedOut(Registrant attacker, String ownerAccess) {
        assertThat(passkeySignIn(attacker.passkey()).status()).isEqualTo(401);
        var status = server.http.get("/v1/auth/mfa/status").bearer(ownerAccess).send();
        assertThat(status.status()).as(status.body()).isEqualTo(200);
        assertThat(status.json().path("mfa_enabled").asBoolean())
                .as(status.body())
                .isFalse();
        assertThat(status.json().path("backup_codes_remaining").asInt())
                .as(status.body())
                .isZero();
        var passkeys = server.http
                .get("/v1/auth/mfa/webauthn/credentials")
                .bearer(ownerAccess)
                .send();
        assertThat(passkeys.json().path("credentials").size())
                .as(passkeys.body())
                .isZero();
        // The registrant's TOTP secret is no use to set up again with either: enrolment starts from a new secret.
        String fresh = server.http
                .post("/v1/auth/mfa/setup")
                .bearer(ownerAccess)
                .send()
                .text("secret");
        assertThat(fresh).isNotEqualTo(attacker.totpSecret());
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

    /**
     * With SMTP configured, mail not delivered yet (its mail server is down here; it stays so through 8 attempts in an
     * outage) holds live links: the outbox lists it, for monitoring, without its body. Without SMTP, the dev outbox
     * shows bodies: they are the only copy a developer has.
     */
    @Test
    void whenMailCannotBeDeliveredYet_thenTheOutboxListsItWithoutItsBody() {
        try (var down = TestServer.start()) {
            down.mail.stop();
            down.register("undelivered@example.com", "Correct-Horse-Battery-9");

            var failed = outboxEntry(
                    down, "undelivered@example.com", m -> m.path("attempts").asInt() > 0);
            assertThat(failed.path("subject").asText()).isNotBlank();
            assertThat(failed.path("last_error").asText()).isNotBlank();
            assertThat(failed.has("sent_at")).isFalse();
            assertThat(failed.has("text_body")).as(failed.toString()).isFalse();
        }
        var noSmtp = new java.util.HashMap<String, String>();
        noSmtp.put("GATEHOUSE_SMTP_HOST", null);
        try (var dev = TestServer.start(noSmtp)) {
            dev.register("dev-outbox@example.com", "Correct-Horse-Battery-9");

            var logged = outboxEntry(dev, "dev-outbox@example.com", m -> m.has("sent_at"));
            assertThat(logged.path("text_body").asText()).contains("/verify-email?token=ve_");
        }
    }

    /** The first message to {@code to} in the admin outbox that satisfies {@code ready}, within five seconds. */
    private static com.fasterxml.jackson.databind.JsonNode outboxEntry(
            TestServer on, String to, java.util.function.Predicate<com.fasterxml.jackson.databind.JsonNode> ready) {
        String admin = on.adminToken();
        for (int i = 0; i < 100; i++) {
            var r = on.http.get("/v1/admin/mail/outbox?limit=100").bearer(admin).send();
            assertThat(r.status()).as(r.body()).isEqualTo(200);
            for (var m : r.json().path("messages")) {
                if (m.path("recipient").asText().equals(to) && ready.test(m)) return m;
            }
            sleep();
        }
        throw new AssertionError("no such mail to " + to + " in the outbox");
    }

    private static void sleep() {
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
