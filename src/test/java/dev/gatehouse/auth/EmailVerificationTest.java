package dev.gatehouse.auth;

import static dev.gatehouse.testkit.HttpJson.map;
import static dev.gatehouse.testkit.TestAccounts.PASSWORD;
import static dev.gatehouse.testkit.TestAccounts.isConfirm;
import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.testkit.HttpJson;
import dev.gatehouse.testkit.ServerTest;
import dev.gatehouse.testkit.TestAccounts;
import dev.gatehouse.testkit.TestServer;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** POST /v1/auth/verify-email and /v1/auth/send-verification: single use, 24 hours, one live token per address. */
@ServerTest
class EmailVerificationTest {
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

    private static HttpJson.Response verify(String token) {
        return server.http.post("/v1/auth/verify-email", map("token", token));
    }

    private static void assertInvalidToken(HttpJson.Response r) {
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.header("Content-Type")).startsWith("application/problem+json");
        assertThat(r.json().path("code").asText()).isEqualTo("invalid_token");
    }

    @Test
    void whenMailedTokenIsSent_thenAddressIsVerified() {
        String email = accounts.registered("good");
        var r = verify(server.tokenFromMail(email, isConfirm()));

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().path("message").asText()).isNotBlank();
        assertThat(r.json().path("user").path("email").asText()).isEqualTo(email);
        assertThat(r.json().path("user").path("is_email_verified").asBoolean()).isTrue();
        var me = server.http
                .get("/v1/auth/me")
                .bearer(server.accessToken(email, PASSWORD))
                .send();
        assertThat(me.json().path("is_email_verified").asBoolean()).isTrue();
    }

    @Test
    void whenTokenIsReused_then400InvalidToken() {
        String email = accounts.registered("reuse");
        String token = server.tokenFromMail(email, isConfirm());
        assertThat(verify(token).status()).isEqualTo(200);

        assertInvalidToken(verify(token));
    }

    @Test
    void whenTokenIsOlderThan24Hours_then400InvalidTokenAndAddressStaysUnverified() {
        String email = accounts.registered("expired");
        String token = server.tokenFromMail(email, isConfirm());

        server.clock.advance(Duration.ofHours(24).plusMinutes(1));

        assertInvalidToken(verify(token));
        var login = server.login(email, PASSWORD);
        assertThat(login.json().path("user").path("is_email_verified").asBoolean())
                .isFalse();
    }

    @Test
    void whenTokenIsGarbage_then400InvalidToken() {
        assertInvalidToken(verify("ve_not-a-real-token"));
        assertInvalidToken(verify("garbage"));
        assertInvalidToken(verify("pr_" + "x".repeat(43)));
    }

    @Test
    void whenTokenIsMissing_then422NamingToken() {
        var r = server.http.post("/v1/auth/verify-email", map("nothing", "here"));

        assertThat(r.status()).isEqualTo(422);
        assertThat(r.json().path("errors").has("token")).isTrue();
    }

    @Test
    void whenVerificationIsResent_thenNewMailArrivesAndOnlyTheNewTokenWorks() {
        String email = accounts.registered("resend");
        String access = server.accessToken(email, PASSWORD);
        String first = accounts.tokensFromMails(email, isConfirm(), 1).get(0);

        var sent = server.http.post("/v1/auth/send-verification").bearer(access).send();
        assertThat(sent.status()).isEqualTo(202);
        assertThat(sent.json().path("message").asText()).isNotBlank();

        var tokens = accounts.tokensFromMails(email, isConfirm(), 2);
        assertThat(tokens).hasSize(2);
        String second = tokens.get(1);
        assertThat(second).isNotEqualTo(first);
        assertInvalidToken(verify(first));
        assertThat(verify(second).status()).isEqualTo(200);
    }

    @Test
    void whenAlreadyVerified_thenSendVerificationIs409() {
        String email = accounts.verified("done");

        var r = server.http
                .post("/v1/auth/send-verification")
                .bearer(server.accessToken(email, PASSWORD))
                .send();

        assertThat(r.status()).isEqualTo(409);
        assertThat(r.header("Content-Type")).startsWith("application/problem+json");
        assertThat(r.json().path("code").asText()).isEqualTo("already_verified");
    }

    @Test
    void whenSendVerificationHasNoBearer_then401() {
        var r = server.http.post("/v1/auth/send-verification").send();

        assertThat(r.status()).isEqualTo(401);
        assertThat(r.json().path("code").asText()).isEqualTo("unauthorized");
    }
}
