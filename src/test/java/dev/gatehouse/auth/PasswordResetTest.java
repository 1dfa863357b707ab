package dev.gatehouse.auth;

import static dev.gatehouse.testkit.HttpJson.map;
import static dev.gatehouse.testkit.TestAccounts.NEW_PASSWORD;
import static dev.gatehouse.testkit.TestAccounts.PASSWORD;
import static dev.gatehouse.testkit.TestAccounts.WEAK_PASSWORD;
import static dev.gatehouse.testkit.TestAccounts.email;
import static dev.gatehouse.testkit.TestAccounts.isReset;
import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.platform.config.Config;
import dev.gatehouse.platform.crypto.PasswordHasher;
import dev.gatehouse.platform.crypto.Secrets;
import dev.gatehouse.testkit.HeldLock;
import dev.gatehouse.testkit.HttpJson;
import dev.gatehouse.testkit.Race;
import dev.gatehouse.testkit.ServerTest;
import dev.gatehouse.testkit.TestAccounts;
import dev.gatehouse.testkit.TestServer;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** POST /v1/auth/forgot-password and /v1/auth/reset-password. */
@ServerTest
class PasswordResetTest {
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

    private static HttpJson.Response forgot(String email) {
        return server.http.post("/v1/auth/forgot-password", map("email", email));
    }

    private static HttpJson.Response reset(String token, String password) {
        return server.http.post("/v1/auth/reset-password", map("token", token, "new_password", password));
    }

    /** Asks for a reset and returns the mailed token. */
    private static String resetToken(String email) {
        assertThat(forgot(email).status()).isEqualTo(202);
        return server.tokenFromMail(email, isReset());
    }

    @Test
    void whenKnownAndUnknownAddressAsk_thenSameAnswerButOnlyTheKnownGetsMail() {
        String known = accounts.registered("known");
        String unknown = email("unknown");

        var a = forgot(known);
        var b = forgot(unknown);

        assertThat(a.status()).isEqualTo(202);
        assertThat(b.status()).isEqualTo(202);
        assertThat(b.body()).isEqualTo(a.body());
        server.awaitMail(known, isReset());
        assertThat(accounts.queuedSubjects(unknown)).isEmpty();
        assertThat(server.mailCount(unknown)).isZero();
    }

    @Test
    void whenMailedTokenIsUsed_thenNewPasswordWorksAndOldDoesNot() {
        String email = accounts.registered("reset");
        var r = reset(resetToken(email), NEW_PASSWORD);

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().path("message").asText()).isNotBlank();
        assertThat(server.login(email, PASSWORD).status()).isEqualTo(401);
        assertThat(server.login(email, NEW_PASSWORD).status()).isEqualTo(200);
        server.awaitMail(email, s -> s.contains("password was changed"));
    }

    @Test
    void whenPasswordIsReset_thenEverySessionOfTheAccountEnds() {
        String email = accounts.registered("sessions");
        var laptop = accounts.signIn(email, PASSWORD);
        var phone = accounts.signIn(email, PASSWORD);

        assertThat(reset(resetToken(email), NEW_PASSWORD).status()).isEqualTo(200);

        for (var s : new TestAccounts.SignedIn[] {laptop, phone}) {
            assertThat(accounts.meStatus(s.accessToken())).isEqualTo(401);
            assertThat(accounts.refresh(s.refreshToken()).status()).isEqualTo(401);
        }
        var fresh = accounts.signIn(email, NEW_PASSWORD);
        var history = server.http
                .get("/v1/sessions/history")
                .bearer(fresh.accessToken())
                .send()
                .json()
                .path("sessions");
        assertThat(history.findValuesAsText("end_reason"))
                .containsExactlyInAnyOrder("password_reset", "password_reset");
    }

    /**
     * Resets the password while a sign-in with the old one is under way, in the order that used to let the sign-in
     * through: the reset has stored the new password and is ending the sessions (held there, at the session of {@code
     * signedIn} that the test locks) when the sign-in, which read the old password's hash before, reaches the account;
     * then the reset commits and the sign-in goes on. The reset must succeed; returns the sign-in's answer.
     */
    private static HttpJson.Response signInDuringReset(String email, TestAccounts.SignedIn signedIn) throws Exception {
        return duringReset(email, signedIn, () -> server.login(email, PASSWORD));
    }

    /**
     * {@code racer}'s answer when it runs while a reset of {@code email}'s password (to {@code NEW_PASSWORD}) has stored
     * the new password and not committed yet: it starts then and waits for the reset's lock on the account.
     */
    private static HttpJson.Response duringReset(
            String email, TestAccounts.SignedIn signedIn, java.util.function.Supplier<HttpJson.Response> racer)
            throws Exception {
        String token = resetToken(email);
        String lockSession = "SELECT id FROM sessions WHERE user_id = ? AND ended_at IS NULL FOR UPDATE";
        try (var requests = Executors.newVirtualThreadPerTaskExecutor()) {
            CompletableFuture<HttpJson.Response> resetting;
            CompletableFuture<HttpJson.Response> signingIn;
            try (var held = new HeldLock(server.database, lockSession, UUID.fromString(signedIn.userId()))) {
                resetting = CompletableFuture.supplyAsync(() -> reset(token, NEW_PASSWORD), requests);
                int reset = held.awaitWaiter(held.session());
                signingIn = CompletableFuture.supplyAsync(racer, requests);
                held.awaitWaiter(reset); // the racer waits for the reset's lock on the account
            }
            var r = resetting.get(30, TimeUnit.SECONDS);
            assertThat(r.status()).as(r.body()).isEqualTo(200);
            return signingIn.get(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void whenASignInWithTheOldPasswordFinishesDuringAReset_thenItIsRefusedAndNoSessionOutlivesTheReset()
            throws Exception {
        String email = accounts.registered("overtaken");
        var laptop = accounts.signIn(email, PASSWORD);

        var late = signInDuringReset(email, laptop);

        assertThat(late.status()).as(late.body()).isEqualTo(401);
        assertThat(late.json().path("code").asText()).isEqualTo("invalid_credentials");
        assertThat(accounts.meStatus(laptop.accessToken())).isEqualTo(401);
        var fresh = accounts.signIn(email, NEW_PASSWORD);
        var active = server.http.get("/v1/sessions").bearer(fresh.accessToken()).send();
        assertThat(active.json().path("sessions")).hasSize(1); // the one just opened with the new password
        assertThat(accounts.auditOf(fresh.userId()))
                .anySatisfy(e -> assertThat(e.path("reason").asText()).isEqualTo("credentials_changed"));
    }

    @Test
    void whenAPasswordChangeWithTheOldPasswordFinishesDuringAReset_thenItIsRefusedAndTheResetsPasswordStays()
            throws Exception {
        String email = accounts.registered("change-overtaken");
        var laptop = accounts.signIn(email, PASSWORD);
        String racing = "Racing-Change-Phrase-88";

        var late = duringReset(
                email,
                laptop,
                () -> server.http
                        .post("/v1/auth/change-password")
                        .bearer(laptop.accessToken())
                        .json(map("current_password", PASSWORD, "new_password", racing))
                        .send());

        assertThat(late.status()).as(late.body()).isEqualTo(422);
        assertThat(late.json().path("errors").path("current_password").asText()).isEqualTo("is not correct");
        assertThat(server.login(email, racing).status()).isEqualTo(401);
        assertThat(server.login(email, NEW_PASSWORD).status()).isEqualTo(200);
    }

    /**
     * A hash from an earlier configuration (or an import) is rehashed at the next sign-in. One that checked the old
     * password before a reset stored the new one must not write the old password back over it.
     */
    @Test
    void whenASignInRehashesTheOldPasswordDuringAReset_thenTheNewPasswordStays() throws Exception {
        String email = accounts.registered("rehash");
        var laptop = accounts.signIn(email, PASSWORD);
        String earlier = new PasswordHasher(new Config.Argon2(1024, 2, 1), Secrets.system()).hash(PASSWORD);
        assertThat(server.database.update(
                        "UPDATE users SET password_hash = ? WHERE id = ?", earlier, UUID.fromString(laptop.userId())))
                .isEqualTo(1);

        var late = signInDuringReset(email, laptop);

        assertThat(server.login(email, PASSWORD).status()).isEqualTo(401);
        assertThat(server.login(email, NEW_PASSWORD).status()).isEqualTo(200);
        assertThat(late.status()).as(late.body()).isEqualTo(401);
    }

    @Test
    void whenTokenIsUsedTwice_thenSecondUseIs400InvalidToken() {
        String email = accounts.registered("twice");
        String token = resetToken(email);
        assertThat(reset(token, NEW_PASSWORD).status()).isEqualTo(200);

        var again = reset(token, "Another-Strong-Phrase-77");

        assertThat(again.status()).isEqualTo(400);
        assertThat(again.json().path("code").asText()).isEqualTo("invalid_token");
        assertThat(server.login(email, NEW_PASSWORD).status()).isEqualTo(200);
    }

    @Test
    void whenTheSameTokenIsUsedConcurrently_thenExactlyOneResetSucceeds() {
        for (int round = 0; round < 5; round++) {
            String token = resetToken(accounts.registered("race" + round));

            var statuses = Race.run(2, () -> reset(token, NEW_PASSWORD).status());

            assertThat(statuses).as("round %d", round).containsExactlyInAnyOrder(200, 400);
        }
    }

    @Test
    void whenTokenIsYoungerThan30Minutes_thenItWorks() {
        String email = accounts.registered("young");
        String token = resetToken(email);

        server.clock.advance(Duration.ofMinutes(29));

        assertThat(reset(token, NEW_PASSWORD).status()).isEqualTo(200);
    }

    @Test
    void whenTokenIsOlderThan30Minutes_then400InvalidTokenAndPasswordIsUnchanged() {
        String email = accounts.registered("old");
        String token = resetToken(email);

        server.clock.advance(Duration.ofMinutes(31));

        var r = reset(token, NEW_PASSWORD);
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().path("code").asText()).isEqualTo("invalid_token");
        assertThat(server.login(email, PASSWORD).status()).isEqualTo(200);
    }

    @Test
    void whenNewPasswordIsWeak_then422AndTheTokenStillWorks() {
        String email = accounts.registered("weak");
        var before = accounts.signIn(email, PASSWORD);
        String token = resetToken(email);

        var weak = reset(token, WEAK_PASSWORD);

        assertThat(weak.status()).isEqualTo(422);
        assertThat(weak.json().path("errors").path("new_password").asText()).isNotBlank();
        // nothing happened: the session lives on and the same token still resets the password
        assertThat(accounts.meStatus(before.accessToken())).isEqualTo(200);
        assertThat(reset(token, NEW_PASSWORD).status()).isEqualTo(200);
        assertThat(server.login(email, NEW_PASSWORD).status()).isEqualTo(200);
    }

    @Test
    void whenAnotherResetIsRequested_thenOnlyTheNewestTokenWorks() {
        String email = accounts.registered("newest");
        assertThat(forgot(email).status()).isEqualTo(202);
        accounts.tokensFromMails(email, isReset(), 1); // the first mail is out before the second is asked for
        assertThat(forgot(email).status()).isEqualTo(202);
        var tokens = accounts.tokensFromMails(email, isReset(), 2);

        assertThat(reset(tokens.get(0), NEW_PASSWORD).status()).isEqualTo(400);
        assertThat(reset(tokens.get(1), NEW_PASSWORD).status()).isEqualTo(200);
    }

    @Test
    void whenResetTokenIsGarbage_then400InvalidToken() {
        var r = reset("pr_garbage", NEW_PASSWORD);

        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().path("code").asText()).isEqualTo("invalid_token");
    }
}
