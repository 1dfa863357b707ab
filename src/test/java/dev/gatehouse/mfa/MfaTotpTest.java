package dev.gatehouse.mfa;

import static dev.gatehouse.testkit.HttpJson.map;
import static dev.gatehouse.testkit.TestAccounts.PASSWORD;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.testkit.HttpJson;
import dev.gatehouse.testkit.Race;
import dev.gatehouse.testkit.ServerTest;
import dev.gatehouse.testkit.TestAccounts;
import dev.gatehouse.testkit.TestServer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** TOTP enrolment and the mfa_token sign-in: /v1/auth/mfa/{setup,enable,disable,status,preferred}, login/mfa. */
@ServerTest
class MfaTotpTest {
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

    /** An account with TOTP enabled: its email, base32 secret and backup codes. */
    record Enrolled(String email, String secret, List<String> backupCodes, String accessToken) {}

    static Enrolled enrolled(String label) {
        String email = accounts.registered(label);
        String token = accounts.signIn(email, PASSWORD).accessToken();
        // TestAccounts.enableTotp moves the clock on: the app's next code belongs to a later step
        var totp = accounts.enableTotp(token);
        return new Enrolled(email, totp.secret(), totp.backupCodes(), token);
    }

    static String mfaToken(String email) {
        var r = server.login(email, PASSWORD);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().path("mfa_required").asBoolean()).isTrue();
        return r.text("mfa_token");
    }

    static HttpJson.Response loginMfa(String mfaToken, String code) {
        return server.http.post("/v1/auth/login/mfa", map("mfa_token", mfaToken, "code", code));
    }

    static String now(Enrolled e) {
        return TotpCodes.at(e.secret(), server.clock.instant());
    }

    @Test
    void whenNoFactorIsEnrolled_thenLoginAnswersTokensAsBefore() {
        var r = server.login(accounts.registered("plain"), PASSWORD);

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().has("mfa_required")).isFalse();
        assertThat(r.json().path("tokens").path("access_token").asText()).isNotBlank();
    }

    @Test
    void whenSetupIsCalled_thenSecretUrlAndQrCodeDescribeTheSameSecret() throws Exception {
        String email = accounts.registered("setup");
        String token = accounts.signIn(email, PASSWORD).accessToken();

        var r = server.http.post("/v1/auth/mfa/setup").bearer(token).send();

        assertThat(r.status()).isEqualTo(200);
        String secret = r.text("secret");
        assertThat(secret).matches("[A-Z2-7]{32}");
        assertThat(r.text("url"))
                .startsWith("otpauth://totp/127.0.0.1:")
                .contains(java.net.URLEncoder.encode(email, StandardCharsets.UTF_8))
                .contains("secret=" + secret)
                .contains("issuer=127.0.0.1")
                .contains("digits=6")
                .contains("period=30");
        String qr = r.text("qr_code");
        assertThat(qr).startsWith("data:image/svg+xml;base64,");
        String svg = new String(Base64.getDecoder().decode(qr.substring(qr.indexOf(',') + 1)), StandardCharsets.UTF_8);
        assertThat(svg).startsWith("<svg").contains("<path d=\"M");
        // not enabled until a code proves the app has the secret
        var status = server.http.get("/v1/auth/mfa/status").bearer(token).send();
        assertThat(status.json().path("totp_enabled").asBoolean()).isFalse();
        assertThat(server.login(email, PASSWORD).json().has("mfa_required")).isFalse();
    }

    @Test
    void whenEnableGetsAWrongCode_thenTotpStaysOff() {
        String email = accounts.registered("wrongenable");
        String token = accounts.signIn(email, PASSWORD).accessToken();
        String secret =
                server.http.post("/v1/auth/mfa/setup").bearer(token).send().text("secret");
        String good = TotpCodes.at(secret, server.clock.instant());
        String wrong = good.equals("000000") ? "111111" : "000000";

        var r = server.http
                .post("/v1/auth/mfa/enable")
                .bearer(token)
                .json(map("code", wrong))
                .send();

        assertThat(r.status()).isEqualTo(400);
        assertThat(r.text("code")).isEqualTo("invalid_code");
        assertThat(server.login(email, PASSWORD).json().has("mfa_required")).isFalse();
    }

    @Test
    void whenEnableComesBeforeSetup_thenConflict() {
        String token = accounts.newUser("nosetup").accessToken();

        var r = server.http
                .post("/v1/auth/mfa/enable")
                .bearer(token)
                .json(map("code", "123456"))
                .send();

        assertThat(r.status()).isEqualTo(409);
        assertThat(r.text("code")).isEqualTo("mfa_setup_required");
    }

    @Test
    void whenTotpIsEnabled_thenLoginAsksForTheSecondFactorAndIssuesNoTokens() {
        var e = enrolled("asks");

        var r = server.login(e.email(), PASSWORD);

        assertThat(r.status()).isEqualTo(200);
        JsonNode body = r.json();
        assertThat(body.path("mfa_required").asBoolean()).isTrue();
        assertThat(body.path("mfa_token").asText()).startsWith("mfa_").hasSizeGreaterThan(40);
        assertThat(body.path("methods").toString()).isEqualTo("[\"totp\",\"backup_code\"]");
        assertThat(body.has("tokens")).isFalse();
        assertThat(body.has("user")).isFalse();
        assertThat(e.backupCodes()).hasSize(10).doesNotHaveDuplicates();
    }

    @Test
    void whenTheCodeIsRight_thenLoginMfaAnswersTheLoginShapeWithAMfaSession() {
        var e = enrolled("right");
        String mfaToken = mfaToken(e.email());

        var r = loginMfa(mfaToken, now(e));

        assertThat(r.status()).as(r.body()).isEqualTo(200);
        var signedIn = TestAccounts.signedIn(r);
        assertThat(signedIn.body().path("user").path("email").asText()).isEqualTo(e.email());
        assertThat(signedIn.refreshToken()).startsWith("rt_");
        assertThat(accounts.meStatus(signedIn.accessToken())).isEqualTo(200);
        var sessions =
                server.http.get("/v1/sessions").bearer(signedIn.accessToken()).send();
        assertThat(sessions.json().path("sessions").toString()).contains("\"auth_method\":\"password+totp\"");
        var types = accounts.auditOf(signedIn.userId()).stream()
                .map(n -> n.path("event_type").asText())
                .toList();
        assertThat(types).contains("mfa.enabled", "mfa.challenged", "mfa.success");
    }

    @Test
    void whenAMfaTokenIsUsedTwice_thenTheSecondUseIsRefused() {
        var e = enrolled("twice");
        String mfaToken = mfaToken(e.email());
        assertThat(loginMfa(mfaToken, now(e)).status()).isEqualTo(200);
        server.clock.advance(Duration.ofSeconds(30));

        var r = loginMfa(mfaToken, now(e));

        assertThat(r.status()).isEqualTo(401);
        assertThat(r.text("code")).isEqualTo("invalid_mfa_token");
    }

    @Test
    void whenACodeIsReused_thenItIsRefusedEvenWithAFreshMfaToken() {
        var e = enrolled("reuse");
        String code = now(e);
        assertThat(loginMfa(mfaToken(e.email()), code).status()).isEqualTo(200);

        var r = loginMfa(mfaToken(e.email()), code);

        assertThat(r.status()).isEqualTo(401);
        assertThat(r.text("code")).isEqualTo("invalid_mfa_code");
    }

    @Test
    void whenOneCodeRacesOnSeveralPendingSignIns_thenExactlyOneSignInCompletes() {
        var e = enrolled("coderace");
        String code = now(e);
        var tokens = new java.util.concurrent.ConcurrentLinkedQueue<String>();
        for (int i = 0; i < 6; i++) tokens.add(mfaToken(e.email()));

        var statuses = Race.run(6, () -> loginMfa(tokens.poll(), code).status());

        assertThat(statuses).containsOnlyOnce(200);
        assertThat(statuses.stream().filter(s -> s == 401).count()).isEqualTo(5);
    }

    @Test
    void whenTheAccountIsDisabledWhileTheSignInWaits_thenTheRightCodeIsRefusedAndTheTokenDies() {
        var e = enrolled("disabled");
        String mfaToken = mfaToken(e.email());
        setStatus(e.email(), "disabled");

        var r = loginMfa(mfaToken, now(e));

        assertThat(r.status()).isEqualTo(401);
        assertThat(r.text("code")).isEqualTo("invalid_mfa_token");
        setStatus(e.email(), "active");
        assertThat(loginMfa(mfaToken, now(e)).text("code")).isEqualTo("invalid_mfa_token");
    }

    @Test
    void whenEverySessionEndsWhileTheSignInWaits_thenTheRightCodeIsRefused() {
        var e = enrolled("everywhere");
        String mfaToken = mfaToken(e.email());
        var revoked = server.http
                .post("/v1/auth/revoke-all-sessions")
                .bearer(e.accessToken())
                .send();
        assertThat(revoked.status()).as(revoked.body()).isEqualTo(200);

        var r = loginMfa(mfaToken, now(e));

        assertThat(r.status()).isEqualTo(401);
        assertThat(r.text("code")).isEqualTo("invalid_mfa_token");
        server.clock.advance(Duration.ofSeconds(30)); // a fresh code, whatever became of the refused one
        assertThat(loginMfa(mfaToken(e.email()), now(e)).status())
                .as("a sign-in begun afterwards completes")
                .isEqualTo(200);
    }

    /** An operator's change in the database: the API has no call that disables an account yet. */
    static void setStatus(String email, String status) {
        assertThat(server.database.update("UPDATE users SET status = ? WHERE email = ?", status, email))
                .isEqualTo(1);
    }

    @Test
    void whenTheCodeIsOneStepOff_thenItIsAcceptedButTwoStepsOffIsNot() {
        var e = enrolled("drift");
        var t = server.clock.instant();

        assertThat(loginMfa(mfaToken(e.email()), TotpCodes.at(e.secret(), t.minusSeconds(60)))
                        .status())
                .isEqualTo(401);
        assertThat(loginMfa(mfaToken(e.email()), TotpCodes.at(e.secret(), t.plusSeconds(60)))
                        .status())
                .isEqualTo(401);
        assertThat(loginMfa(mfaToken(e.email()), TotpCodes.at(e.secret(), t.plusSeconds(30)))
                        .status())
                .isEqualTo(200);
    }

    @Test
    void whenTheMfaTokenIsOlderThanFiveMinutes_thenItIsExpired() {
        var e = enrolled("expired");
        String mfaToken = mfaToken(e.email());
        server.clock.advance(Duration.ofMinutes(5).plusSeconds(1));

        var r = loginMfa(mfaToken, now(e));

        assertThat(r.status()).isEqualTo(401);
        assertThat(r.text("code")).isEqualTo("invalid_mfa_token");
    }

    @Test
    void whenFiveWrongCodesAreTried_thenTheMfaTokenDiesAndTheRightCodeNoLongerWorks() {
        var e = enrolled("brute");
        String mfaToken = mfaToken(e.email());
        String good = now(e);
        for (int i = 0; i < 5; i++) {
            String wrong = String.format("%06d", (Integer.parseInt(good) + 1 + i) % 1_000_000);
            var r = loginMfa(mfaToken, wrong);
            assertThat(r.status()).isEqualTo(401);
            assertThat(r.text("code")).isEqualTo("invalid_mfa_code");
        }

        var r = loginMfa(mfaToken, good);

        assertThat(r.status()).isEqualTo(401);
        assertThat(r.text("code")).isEqualTo("invalid_mfa_token");
        // a fresh sign-in still works with the same code: only the guessed-at token died
        assertThat(loginMfa(mfaToken(e.email()), good).status()).isEqualTo(200);
    }

    @Test
    void whenManyWrongCodesRaceAgainstOneToken_thenAtMostFiveAreChecked() {
        var e = enrolled("race");
        String mfaToken = mfaToken(e.email());
        String good = now(e);
        String wrong = good.equals("000000") ? "111111" : "000000";

        var statuses = Race.run(12, () -> loginMfa(mfaToken, wrong).text("code"));

        assertThat(statuses.stream().filter("invalid_mfa_code"::equals).count()).isEqualTo(5);
        assertThat(loginMfa(mfaToken, good).text("code")).isEqualTo("invalid_mfa_token");
    }

    @Test
    void whenTheMfaTokenIsUnknownOrMalformed_thenTheAnswerIsTheSame() {
        var unknown = loginMfa("mfa_" + "A".repeat(43), "123456");
        var other = loginMfa("rt_nope", "123456");

        assertThat(unknown.status()).isEqualTo(401);
        assertThat(other.status()).isEqualTo(401);
        assertThat(unknown.text("code")).isEqualTo("invalid_mfa_token");
        assertThat(other.text("code")).isEqualTo("invalid_mfa_token");
    }

    @Test
    void whenTheMfaTokenIsPresentedAsABearerToken_thenItIsNotAnAccessToken() {
        var e = enrolled("bearer");

        assertThat(accounts.meStatus(mfaToken(e.email()))).isEqualTo(401);
    }

    @Test
    void whenThePasswordIsWrong_thenNoMfaTokenIsIssued() {
        var e = enrolled("wrongpw");

        var r = server.login(e.email(), "Not-The-Password-1");

        assertThat(r.status()).isEqualTo(401);
        assertThat(r.body()).doesNotContain("mfa");
    }

    @Test
    void whenDisableGetsAWrongCode_thenTotpStaysOn() {
        var e = enrolled("disablewrong");

        var r = server.http
                .post("/v1/auth/mfa/disable")
                .bearer(e.accessToken())
                .json(map("code", "12345"))
                .send();

        assertThat(r.status()).isEqualTo(400);
        assertThat(server.login(e.email(), PASSWORD).json().path("mfa_required").asBoolean())
                .isTrue();
    }

    @Test
    void whenDisableGetsACurrentCode_thenLoginNoLongerAsksAndBackupCodesAreGone() {
        var e = enrolled("disable");

        var r = server.http
                .post("/v1/auth/mfa/disable")
                .bearer(e.accessToken())
                .json(map("code", now(e)))
                .send();

        assertThat(r.status()).isEqualTo(200);
        assertThat(server.login(e.email(), PASSWORD).json().has("mfa_required")).isFalse();
        var count = server.http
                .get("/v1/auth/mfa/backup-codes/count")
                .bearer(e.accessToken())
                .send();
        assertThat(count.json().path("count").asInt()).isZero();
        assertThat(server.http
                        .post("/v1/auth/mfa/disable")
                        .bearer(e.accessToken())
                        .json(map("code", now(e)))
                        .send()
                        .status())
                .isEqualTo(409);
    }

    @Test
    void whenDisableGetsABackupCode_thenItWorksToo() {
        var e = enrolled("disablebackup");

        var r = server.http
                .post("/v1/auth/mfa/disable")
                .bearer(e.accessToken())
                .json(map("code", e.backupCodes().get(3)))
                .send();

        assertThat(r.status()).isEqualTo(200);
    }

    @Test
    void whenStatusIsAsked_thenItListsTheEnabledMethods() {
        var e = enrolled("status");

        var r = server.http.get("/v1/auth/mfa/status").bearer(e.accessToken()).send();

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().path("mfa_enabled").asBoolean()).isTrue();
        assertThat(r.json().path("totp_enabled").asBoolean()).isTrue();
        assertThat(r.json().path("email_enabled").asBoolean()).isFalse();
        assertThat(r.json().path("backup_codes_remaining").asInt()).isEqualTo(10);
        assertThat(r.json().path("preferred_method").asText()).isEqualTo("totp");
    }

    @Test
    void whenPreferredIsNotAnEnabledMethod_thenItIsRejected() {
        var e = enrolled("preferred");

        var bad = server.http
                .post("/v1/auth/mfa/preferred")
                .bearer(e.accessToken())
                .json(map("method", "email"))
                .send();
        var good = server.http
                .post("/v1/auth/mfa/preferred")
                .bearer(e.accessToken())
                .json(map("method", "totp"))
                .send();

        assertThat(bad.status()).isEqualTo(422);
        assertThat(good.status()).isEqualTo(200);
        assertThat(good.json().path("preferred_method").asText()).isEqualTo("totp");
    }

    @Test
    void whenSetupIsCalledWhileEnabled_thenConflictAndTheSecretStays() {
        var e = enrolled("resetup");

        var r = server.http.post("/v1/auth/mfa/setup").bearer(e.accessToken()).send();

        assertThat(r.status()).isEqualTo(409);
        assertThat(loginMfa(mfaToken(e.email()), now(e)).status()).isEqualTo(200);
    }

    @Test
    void whenMfaCallsHaveNoBearer_thenUnauthorized() {
        assertThat(server.http.get("/v1/auth/mfa/status").send().status()).isEqualTo(401);
        assertThat(server.http.post("/v1/auth/mfa/setup").send().status()).isEqualTo(401);
    }

    @Test
    void whenAnMfaLoginHappens_thenTheMetricCountsItByMethodAndOutcome() {
        var e = enrolled("metric");
        loginMfa(mfaToken(e.email()), now(e));

        var scrape = server.http.get("/metrics").send();

        var p = dev.gatehouse.testkit.Prometheus.parse(scrape.body());
        assertThat(p.samples("gatehouse_mfa_total", java.util.Map.of("method", "totp", "outcome", "success")))
                .isNotEmpty()
                .allSatisfy(s -> assertThat(s.value()).isGreaterThanOrEqualTo(1));
    }
}
