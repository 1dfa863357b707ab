package dev.gatehouse.mfa;

import static dev.gatehouse.testkit.HttpJson.map;
import static dev.gatehouse.testkit.TestAccounts.PASSWORD;
import static org.assertj.core.api.Assertions.assertThat;

import com.icegreen.greenmail.util.GreenMailUtil;
import dev.gatehouse.testkit.HttpJson;
import dev.gatehouse.testkit.ServerTest;
import dev.gatehouse.testkit.TestAccounts;
import dev.gatehouse.testkit.TestServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Backup codes (/v1/auth/mfa/backup-codes*, login/mfa/backup) and email codes (mfa/email/*, login/mfa/email*). */
@ServerTest
class MfaBackupAndEmailTest {
    static TestServer server;
    static TestAccounts accounts;
    private static final Pattern CODE = Pattern.compile("\\b(\\d{6})\\b");

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

    static HttpJson.Response loginBackup(String mfaToken, String code) {
        return server.http.post("/v1/auth/login/mfa/backup", map("mfa_token", mfaToken, "code", code));
    }

    static HttpJson.Response sendEmail(String mfaToken) {
        return server.http.post("/v1/auth/login/mfa/email/send", map("mfa_token", mfaToken));
    }

    static HttpJson.Response loginEmail(String mfaToken, String code) {
        return server.http.post("/v1/auth/login/mfa/email", map("mfa_token", mfaToken, "code", code));
    }

    /** A verified account with email codes on: its address and an access token. */
    static String[] emailEnrolled(String label) {
        String email = accounts.verified(label);
        String token = accounts.signIn(email, PASSWORD).accessToken();
        var r = server.http.post("/v1/auth/mfa/email/enable").bearer(token).send();
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.json().path("backup_codes")).hasSize(10);
        return new String[] {email, token};
    }

    /** The codes mailed to {@code email}, oldest first, once {@code count} arrived. */
    static List<String> mailedCodes(String email, int count) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            var out = new ArrayList<String>();
            for (var m : accounts.matching(email, s -> s.contains("sign-in code"))) {
                Matcher c = CODE.matcher(GreenMailUtil.getBody(m));
                if (c.find()) out.add(c.group(1));
            }
            if (out.size() >= count) return out;
            if (System.nanoTime() > deadline) throw new AssertionError("only " + out.size() + " codes mailed");
            try {
                Thread.sleep(25);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
    }

    @Test
    void whenABackupCodeCompletesTheLogin_thenItWorksOnceAndTheCountDrops() {
        var e = MfaTotpTest.enrolled("backup");
        String code = e.backupCodes().get(0);

        var first = loginBackup(MfaTotpTest.mfaToken(e.email()), code);
        var again = loginBackup(MfaTotpTest.mfaToken(e.email()), code);

        assertThat(first.status()).as(first.body()).isEqualTo(200);
        assertThat(first.json().path("tokens").path("access_token").asText()).isNotBlank();
        assertThat(again.status()).isEqualTo(401);
        assertThat(again.text("code")).isEqualTo("invalid_mfa_code");
        var count = server.http
                .get("/v1/auth/mfa/backup-codes/count")
                .bearer(e.accessToken())
                .send();
        assertThat(count.json().path("count").asInt()).isEqualTo(9);
    }

    @Test
    void whenABackupCodeIsTypedLoosely_thenCaseAndDashesDoNotMatter() {
        var e = MfaTotpTest.enrolled("loose");
        String code = e.backupCodes().get(1).toUpperCase(Locale.ROOT).replace("-", " ");

        assertThat(loginBackup(MfaTotpTest.mfaToken(e.email()), code).status()).isEqualTo(200);
    }

    @Test
    void whenBackupCodesAreRegenerated_thenTheOldOnesStopWorking() {
        var e = MfaTotpTest.enrolled("regen");

        var r = server.http
                .post("/v1/auth/mfa/backup-codes")
                .bearer(e.accessToken())
                .send();

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().path("backup_codes")).hasSize(10);
        assertThat(r.json().path("backup_codes").get(0).asText()).matches("[0-9a-z]{4}(-[0-9a-z]{4}){3}");
        assertThat(loginBackup(MfaTotpTest.mfaToken(e.email()), e.backupCodes().get(0))
                        .status())
                .isEqualTo(401);
        assertThat(loginBackup(
                                MfaTotpTest.mfaToken(e.email()),
                                r.json().path("backup_codes").get(0).asText())
                        .status())
                .isEqualTo(200);
    }

    @Test
    void whenNoFactorIsEnabled_thenBackupCodesCannotBeMade() {
        var token = accounts.newUser("nofactor").accessToken();

        var r = server.http.post("/v1/auth/mfa/backup-codes").bearer(token).send();

        assertThat(r.status()).isEqualTo(409);
        assertThat(server.http
                        .get("/v1/auth/mfa/backup-codes/count")
                        .bearer(token)
                        .send()
                        .json()
                        .path("count")
                        .asInt())
                .isZero();
    }

    @Test
    void whenATotpCodeIsSentToTheBackupRoute_thenItIsWrong() {
        var e = MfaTotpTest.enrolled("crossroute");

        var r = loginBackup(MfaTotpTest.mfaToken(e.email()), MfaTotpTest.now(e));

        assertThat(r.status()).isEqualTo(401);
        assertThat(r.text("code")).isEqualTo("invalid_mfa_code");
    }

    @Test
    void whenEmailCodesAreEnabled_thenLoginOffersEmailAndTheMailedCodeCompletesIt() {
        String email = emailEnrolled("email")[0];
        var login = server.login(email, PASSWORD);
        assertThat(login.json().path("methods").toString()).isEqualTo("[\"email\",\"backup_code\"]");
        String mfaToken = login.text("mfa_token");

        var send = sendEmail(mfaToken);
        String code = mailedCodes(email, 1).get(0);
        var r = loginEmail(mfaToken, code);

        assertThat(send.status()).isEqualTo(202);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.json().path("user").path("email").asText()).isEqualTo(email);
    }

    @Test
    void whenTheEmailCodeIsWrongOrWasNeverSent_thenItIsRefused() {
        String email = emailEnrolled("emailwrong")[0];
        String mfaToken = server.login(email, PASSWORD).text("mfa_token");

        var unsent = loginEmail(mfaToken, "123456");
        sendEmail(mfaToken);
        String code = mailedCodes(email, 1).get(0);
        String wrong = code.equals("000000") ? "111111" : "000000";
        var r = loginEmail(mfaToken, wrong);

        assertThat(unsent.status()).isEqualTo(401);
        assertThat(r.status()).isEqualTo(401);
        assertThat(r.text("code")).isEqualTo("invalid_mfa_code");
        assertThat(loginEmail(mfaToken, code).status()).isEqualTo(200);
    }

    @Test
    void whenANewEmailCodeIsSent_thenTheOlderOneNoLongerWorks() {
        String email = emailEnrolled("emailnewer")[0];
        String mfaToken = server.login(email, PASSWORD).text("mfa_token");
        sendEmail(mfaToken);
        String first = mailedCodes(email, 1).get(0);
        sendEmail(mfaToken);
        String second = mailedCodes(email, 2).get(1);

        if (!first.equals(second))
            assertThat(loginEmail(mfaToken, first).status()).isEqualTo(401);
        assertThat(loginEmail(mfaToken, second).status()).isEqualTo(200);
    }

    @Test
    void whenMoreThanThreeCodesAreAskedForOneToken_thenTheFourthIsRateLimited() {
        String email = emailEnrolled("emaillimit")[0];
        String mfaToken = server.login(email, PASSWORD).text("mfa_token");

        for (int i = 0; i < 3; i++) assertThat(sendEmail(mfaToken).status()).isEqualTo(202);
        var fourth = sendEmail(mfaToken);

        assertThat(fourth.status()).isEqualTo(429);
        assertThat(fourth.header("Retry-After")).isNotBlank();
    }

    @Test
    void whenTheEmailFactorIsNotEnabled_thenNoCodeIsSent() {
        var e = MfaTotpTest.enrolled("emailoff");

        var r = sendEmail(MfaTotpTest.mfaToken(e.email()));

        assertThat(r.status()).isEqualTo(409);
        assertThat(accounts.queuedSubjects(e.email())).noneMatch(s -> s.contains("sign-in code"));
    }

    @Test
    void whenSendIsCalledWithAnUnknownToken_thenUnauthorizedAndNothingIsSent() {
        var r = sendEmail("mfa_" + "B".repeat(43));

        assertThat(r.status()).isEqualTo(401);
        assertThat(r.text("code")).isEqualTo("invalid_mfa_token");
    }

    @Test
    void whenTheAddressIsNotVerified_thenEmailCodesCannotBeEnabled() {
        var token = accounts.newUser("unverified").accessToken();

        var r = server.http.post("/v1/auth/mfa/email/enable").bearer(token).send();

        assertThat(r.status()).isEqualTo(409);
        assertThat(r.text("code")).isEqualTo("email_not_verified");
    }

    @Test
    void whenEmailCodesAreDisabled_thenLoginNoLongerAsks() {
        String[] e = emailEnrolled("emaildisable");

        var r = server.http.post("/v1/auth/mfa/email/disable").bearer(e[1]).send();
        var again = server.http.post("/v1/auth/mfa/email/disable").bearer(e[1]).send();

        assertThat(r.status()).isEqualTo(200);
        assertThat(again.status()).isEqualTo(409);
        assertThat(server.login(e[0], PASSWORD).json().has("mfa_required")).isFalse();
    }

    @Test
    void whenASecondFactorIsTurnedOnAndTheFirstOff_thenThePreferredMethodFollows() {
        String[] e = emailEnrolled("preferredfollows");
        var setup = server.http.post("/v1/auth/mfa/setup").bearer(e[1]).send();
        String secret = setup.text("secret");

        var totpOn = server.http
                .post("/v1/auth/mfa/enable")
                .bearer(e[1])
                .json(map("code", TotpCodes.at(secret, server.clock.instant())))
                .send();
        var both = server.http.get("/v1/auth/mfa/status").bearer(e[1]).send();
        var emailOff =
                server.http.post("/v1/auth/mfa/email/disable").bearer(e[1]).send();
        var totpOnly = server.http.get("/v1/auth/mfa/status").bearer(e[1]).send();

        assertThat(totpOn.status()).as(totpOn.body()).isEqualTo(200);
        assertThat(totpOn.json().path("backup_codes")).hasSize(10);
        assertThat(both.json().path("preferred_method").asText()).isEqualTo("email");
        assertThat(both.json().path("totp_enabled").asBoolean()).isTrue();
        assertThat(both.json().path("email_enabled").asBoolean()).isTrue();
        assertThat(emailOff.status()).isEqualTo(200);
        assertThat(totpOnly.json().path("email_enabled").asBoolean()).isFalse();
        assertThat(totpOnly.json().path("totp_enabled").asBoolean()).isTrue();
        assertThat(totpOnly.json().has("preferred_method")).isFalse();
        assertThat(totpOnly.json().path("backup_codes_remaining").asInt()).isEqualTo(10);
    }

    @Test
    void whenTheEmailCodeExpiresWithItsToken_thenItIsRefused() {
        String email = emailEnrolled("emailexpired")[0];
        String mfaToken = server.login(email, PASSWORD).text("mfa_token");
        sendEmail(mfaToken);
        String code = mailedCodes(email, 1).get(0);
        server.clock.advance(Duration.ofMinutes(6));

        var r = loginEmail(mfaToken, code);

        assertThat(r.status()).isEqualTo(401);
        assertThat(r.text("code")).isEqualTo("invalid_mfa_token");
    }
}
