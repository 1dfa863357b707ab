package dev.gatehouse.oidc;

import static dev.gatehouse.testkit.HttpJson.map;
import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.mfa.TotpCodes;
import dev.gatehouse.testkit.ServerTest;
import dev.gatehouse.testkit.TestAccounts;
import dev.gatehouse.testkit.TestServer;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The hosted pages the account mails link to: each mail's link opens a page of this server (no 404), which acts only
 * when its button is pressed, and does what the matching /v1 call does, in the visitor's language.
 */
@ServerTest
class AccountLinkPagesTest {
    static final String PASSWORD = "Correct-Horse-Battery-9";
    static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static String email(String label) {
        return label + "-" + System.nanoTime() + "@example.com";
    }

    static boolean verified(String email, String password) {
        String access = server.accessToken(email, password);
        return server.http
                .get("/v1/auth/me")
                .bearer(access)
                .send()
                .json()
                .path("is_email_verified")
                .asBoolean();
    }

    @Test
    void theSignInPage_linksToTheAccountPages_andOnceSignedInToTheAccount() throws Exception {
        var b = new Browser(server.base);
        var page = b.get(URI.create(server.base + "/login"));
        assertThat(page.body())
                .contains("href=\"/forgot-password\"")
                .contains("href=\"/magic-link\"")
                .contains("href=\"/register\"");
        // Signed in without an authorization request: a page saying so, with the way to the account page.
        var done = b.signIn(page, server.register(email("page-signed-in"), PASSWORD), PASSWORD);
        assertThat(done.statusCode()).isEqualTo(200);
        assertThat(done.body()).contains("You are signed in.").contains("href=\"/account/security\"");
    }

    @Test
    void whenTheRegistrationFormHasANameWithControlCharacters_thenItAnswers400AndMakesNoAccount() throws Exception {
        var b = new Browser(server.base);
        var accounts = new TestAccounts(server);
        for (String name : java.util.List.of("Ada\u0000", "Ada\u001b[2J", "Ada\u2028Lovelace")) {
            String email = email("page-register-name");
            var form = b.get(URI.create(server.base + "/register"));

            var r = b.submit(form, "/register", Map.of("email", email, "password", PASSWORD, "last_name", name));

            assertThat(r.statusCode()).as(name).isEqualTo(400);
            assertThat(r.body()).contains("role=\"alert\"").contains("without control characters");
            assertThat(accounts.accountExists(email)).isFalse();
        }
    }

    @Test
    void registering_thenTheMailsLink_confirmsTheAddressOnlyWhenItsButtonIsPressed() throws Exception {
        var b = new Browser(server.base);
        String email = email("page-register");
        var form = b.get(URI.create(server.base + "/register"));
        assertThat(form.statusCode()).isEqualTo(200);
        HostedPagesTest.assertPageHeaders(form);
        assertThat(form.body()).contains("autocomplete=\"new-password\"").contains("<label for=\"email\">");

        var weak = b.submit(form, "/register", Map.of("email", email, "password", "password1"));
        assertThat(weak.statusCode()).isEqualTo(400);
        assertThat(weak.body()).contains("role=\"alert\"").contains("too easy to guess");

        var sent = b.submit(weak, "/register", Map.of("email", email, "password", PASSWORD, "first_name", "Ada"));
        assertThat(sent.statusCode()).as(sent.body()).isEqualTo(200);
        assertThat(sent.body()).contains("Check your email");

        URI link = server.linkFromMail(email, TestAccounts.isConfirm());
        assertThat(link.getPath()).isEqualTo("/verify-email");
        var confirm = b.get(link);
        assertThat(confirm.statusCode()).isEqualTo(200);
        HostedPagesTest.assertPageHeaders(confirm);
        // Opening the link (as a mail scanner would) confirms nothing.
        assertThat(verified(email, PASSWORD)).isFalse();

        // The page names the account and asks for its password: only the registrant confirms a registration.
        assertThat(confirm.body())
                .contains("This confirms the account <strong>" + email + "</strong>")
                .contains("name=\"password\" type=\"password\" autocomplete=\"current-password\"")
                .contains("href=\"/forgot-password\"");
        var wrong = b.submit(confirm, "/verify-email", Map.of("password", "Not-The-Password-1"));
        assertThat(wrong.statusCode()).as(wrong.body()).isEqualTo(400);
        assertThat(wrong.body()).contains("That is not the password of this account.");
        assertThat(verified(email, PASSWORD)).isFalse();

        var done = b.submit(wrong, "/verify-email", Map.of("password", PASSWORD));
        assertThat(done.statusCode()).as(done.body()).isEqualTo(200);
        assertThat(done.body()).contains("Your email address is confirmed");
        assertThat(verified(email, PASSWORD)).isTrue();

        // The link is spent: opened again, the page says so and has no button.
        var again = b.get(link);
        assertThat(again.statusCode()).isEqualTo(400);
        assertThat(again.body()).contains("This link is not valid").doesNotContain("<button");
    }

    @Test
    void whenTheOwnerOpensTheRegistrationMailOfAnAccountSomeoneElseRegistered_thenOnlyAResetGivesThemTheAccount()
            throws Exception {
        // Account pre-hijacking: someone registers the owner's address with a password of their own and keeps a
        // session.
        String email = email("page-prehijack");
        server.register(email, "Registrants-Own-Pass-77");
        String registrant = server.accessToken(email, "Registrants-Own-Pass-77");
        var owner = new Browser(server.base);

        // The owner opens the registration mail's link and presses the button, password or not: nothing is confirmed.
        var confirm = owner.get(server.linkFromMail(email, TestAccounts.isConfirm()));
        var refused = owner.submit(confirm, "/verify-email", Map.of());
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(400);
        refused = owner.submit(refused, "/verify-email", Map.of("password", PASSWORD));
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(400);
        assertThat(verified(email, "Registrants-Own-Pass-77")).isFalse();

        // The page's way out: a reset, the first proof of the address, which removes what the registrant had.
        var forgot = owner.get(URI.create(server.base + "/forgot-password"));
        assertThat(owner.submit(forgot, "/forgot-password", Map.of("email", email))
                        .statusCode())
                .isEqualTo(200);
        var reset = owner.get(server.linkFromMail(email, TestAccounts.isReset()));
        var done =
                owner.submit(reset, "/reset-password", Map.of("new_password", PASSWORD, "confirm_password", PASSWORD));
        assertThat(done.statusCode()).as(done.body()).isEqualTo(200);
        assertThat(server.login(email, "Registrants-Own-Pass-77").status()).isEqualTo(401);
        assertThat(server.http.get("/v1/auth/me").bearer(registrant).send().status())
                .isEqualTo(401);
        assertThat(verified(email, PASSWORD)).isTrue();
    }

    @Test
    void aPageInGerman_answersAndMailsInGerman() throws Exception {
        var b = new Browser(server.base);
        String email = server.register(email("page-german"), PASSWORD);
        var form = b.get(URI.create(server.base + "/forgot-password?ui_locales=de"));
        assertThat(form.body()).contains("<html lang=\"de\">").contains("name=\"ui_locales\" value=\"de\"");
        var sent = b.submit(form, "/forgot-password", Map.of("email", email));
        assertThat(sent.statusCode()).isEqualTo(200);
        assertThat(sent.body()).contains("<html lang=\"de\">");
        var mail = server.awaitMail(email, s -> s.equals("Setzen Sie Ihr Passwort zurück"));
        assertThat(TestServer.mailText(mail))
                .contains("Wählen Sie innerhalb von 30 Minuten ein neues")
                .contains("&ui_locales=de");
    }

    @Test
    void forgottenPassword_answersAlikeForEveryAddress_andTheResetLinkSetsANewPassword() throws Exception {
        var b = new Browser(server.base);
        String email = server.register(email("page-reset"), PASSWORD);
        var form = b.get(URI.create(server.base + "/forgot-password"));
        HostedPagesTest.assertPageHeaders(form);
        var known = b.submit(form, "/forgot-password", Map.of("email", email));
        var unknown = b.submit(
                b.get(URI.create(server.base + "/forgot-password")),
                "/forgot-password",
                Map.of("email", email("nobody")));
        assertThat(known.statusCode()).isEqualTo(200);
        assertThat(unknown.statusCode()).isEqualTo(200);
        assertThat(unknown.body()).isEqualTo(known.body());

        URI link = server.linkFromMail(email, TestAccounts.isReset());
        assertThat(link.getPath()).isEqualTo("/reset-password");
        var reset = b.get(link);
        assertThat(reset.statusCode()).isEqualTo(200);
        HostedPagesTest.assertPageHeaders(reset);

        var mismatch = b.submit(
                reset, "/reset-password", Map.of("new_password", "Brand-New-Pass-2027", "confirm_password", "other"));
        assertThat(mismatch.statusCode()).isEqualTo(400);
        assertThat(mismatch.body()).contains("not the same").contains("aria-invalid=\"true\"");
        String personal = email.substring(0, email.indexOf('@')) + "-Zq7!";
        var weak =
                b.submit(mismatch, "/reset-password", Map.of("new_password", personal, "confirm_password", personal));
        assertThat(weak.statusCode()).isEqualTo(400);
        assertThat(weak.body()).contains("must not contain your name or email address");
        // Nothing changed so far.
        assertThat(server.login(email, PASSWORD).status()).isEqualTo(200);

        var done = b.submit(
                weak,
                "/reset-password",
                Map.of("new_password", "Brand-New-Pass-2027", "confirm_password", "Brand-New-Pass-2027"));
        assertThat(done.statusCode()).as(done.body()).isEqualTo(200);
        assertThat(done.body()).contains("Your password has changed").contains("href=\"/login\"");
        assertThat(server.login(email, PASSWORD).status()).isEqualTo(401);
        assertThat(server.login(email, "Brand-New-Pass-2027").status()).isEqualTo(200);

        var spent = b.get(link);
        assertThat(spent.statusCode()).isEqualTo(400);
        assertThat(spent.body())
                .contains("This link is not valid")
                .contains("href=\"/forgot-password\"")
                .doesNotContain("<button");
    }

    @Test
    void aSignInLink_signsTheBrowserIn_onceAndOnlyWhenItsButtonIsPressed() throws Exception {
        var b = new Browser(server.base);
        String email = server.register(email("page-magic"), PASSWORD);
        var ask = b.get(URI.create(server.base + "/magic-link"));
        assertThat(ask.statusCode()).isEqualTo(200);
        var sent = b.submit(ask, "/magic-link", Map.of("email", email));
        assertThat(sent.statusCode()).isEqualTo(200);
        assertThat(sent.body()).contains("sign-in link is on its way");

        URI link = server.linkFromMail(email, TestAccounts.isMagicLink());
        assertThat(link.getPath()).isEqualTo("/magic-link");
        var page = b.get(link);
        assertThat(page.statusCode()).isEqualTo(200);
        HostedPagesTest.assertPageHeaders(page);
        // Not signed in by opening the link.
        assertThat(b.get(URI.create(server.base + "/account/security")).statusCode())
                .isEqualTo(303);

        var signedIn = b.submit(page, "/magic-link", Map.of());
        assertThat(signedIn.statusCode()).as(signedIn.body()).isEqualTo(303);
        assertThat(Browser.location(signedIn).getPath()).isEqualTo("/account/security");
        var account = b.get(Browser.location(signedIn));
        assertThat(account.statusCode()).isEqualTo(200);
        assertThat(account.body()).contains(email);
        // The link proved an address nobody had proven, so the registrant's password is gone (AccountTakeoverTest).
        assertThat(server.login(email, PASSWORD).status()).isEqualTo(401);

        var again = b.submit(page, "/magic-link", Map.of());
        assertThat(again.statusCode()).isEqualTo(400);
        assertThat(again.body()).contains("This link is not valid");
        var reopened = b.get(link);
        assertThat(reopened.statusCode()).isEqualTo(400);
        assertThat(reopened.body()).contains("This link is not valid").doesNotContain("<button");
    }

    @Test
    void aSignInLinksPage_namesTheAccountItSignsInTo_inTheVisitorsLanguage() throws Exception {
        // A link someone mailed to themselves and sent on must not sign the visitor in unnoticed (login CSRF).
        var b = new Browser(server.base);
        String email = server.register(email("page-magic-named"), PASSWORD);
        assertThat(server.http
                        .post("/v1/auth/magic-link/send", map("email", email))
                        .status())
                .isEqualTo(202);
        URI link = server.linkFromMail(email, TestAccounts.isMagicLink());

        var page = b.get(link);
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body())
                .contains("<p id=\"link-account\">This link signs you in as <strong>" + email
                        + "</strong>. If that is not your account, do not continue.</p>");
        var german = b.get(URI.create(link + "&ui_locales=de"));
        assertThat(german.body())
                .contains("<html lang=\"de\">")
                .contains("<p id=\"link-account\">Dieser Link meldet Sie als <strong>" + email
                        + "</strong> an. Wenn das nicht Ihr Konto ist, fahren Sie nicht fort.</p>");

        // A spent link names no one.
        assertThat(b.submit(page, "/magic-link", Map.of()).statusCode()).isEqualTo(303);
        assertThat(b.get(link).body()).doesNotContain("link-account").doesNotContain(email);
    }

    @Test
    void aSignInLink_toAnAccountWithASecondFactor_asksForIt() throws Exception {
        String email = server.register(email("page-magic-mfa"), PASSWORD);
        server.http.post("/v1/auth/verify-email", map("token", server.tokenFromMail(email, TestAccounts.isConfirm())));
        String access = server.accessToken(email, PASSWORD);
        String secret =
                server.http.post("/v1/auth/mfa/setup").bearer(access).send().text("secret");
        assertThat(server.http
                        .post("/v1/auth/mfa/enable")
                        .bearer(access)
                        .json(map("code", TotpCodes.at(secret, server.clock.instant())))
                        .send()
                        .status())
                .isEqualTo(200);
        server.clock.advance(Duration.ofSeconds(30));

        var b = new Browser(server.base);
        assertThat(server.http
                        .post("/v1/auth/magic-link/send", map("email", email))
                        .status())
                .isEqualTo(202);
        var page = b.get(server.linkFromMail(email, TestAccounts.isMagicLink()));
        var step = b.submit(page, "/magic-link", Map.of());
        assertThat(step.statusCode()).as(step.body()).isEqualTo(200);
        assertThat(step.body()).contains("action=\"/login/mfa\"").contains("name=\"mfa_token\"");

        var done = b.post(
                URI.create(server.base + "/login/mfa"),
                Map.of(
                        "csrf", Browser.hidden(step.body(), "csrf"),
                        "mfa_token", Browser.hidden(step.body(), "mfa_token"),
                        "return_to", Browser.hidden(step.body(), "return_to"),
                        "method", "totp",
                        "code", TotpCodes.at(secret, server.clock.instant())));
        assertThat(done.statusCode()).as(done.body()).isEqualTo(303);
        assertThat(Browser.location(done).getPath()).isEqualTo("/account/security");
        assertThat(b.get(Browser.location(done)).statusCode()).isEqualTo(200);
    }

    @Test
    void aPageOpenedInTwoTabs_takesTheFirstTabsForm() throws Exception {
        var b = new Browser(server.base);
        var first = b.get(URI.create(server.base + "/login"));
        var second = b.get(URI.create(server.base + "/login"));
        assertThat(Browser.hidden(second.body(), "csrf")).isEqualTo(Browser.hidden(first.body(), "csrf"));
        var wrong = b.post(
                URI.create(server.base + "/login"),
                Map.of("csrf", Browser.hidden(first.body(), "csrf"), "email", "x@example.com", "password", "wrong"));
        assertThat(wrong.statusCode()).isEqualTo(400);
        assertThat(wrong.body()).contains("not correct");

        var forgot = b.get(URI.create(server.base + "/forgot-password"));
        b.get(URI.create(server.base + "/magic-link"));
        assertThat(b.submit(forgot, "/forgot-password", Map.of("email", email("two-tabs")))
                        .statusCode())
                .isEqualTo(200);
    }

    @Test
    void aFormPostedWithoutThePagesCookie_changesNothing() throws Exception {
        String email = server.register(email("page-csrf"), PASSWORD);
        server.awaitMail(email, TestAccounts.isConfirm());
        int before = server.mailCount(email);
        var page = new Browser(server.base).get(URI.create(server.base + "/forgot-password"));
        var forged = new Browser(server.base)
                .post(
                        URI.create(server.base + "/forgot-password"),
                        Map.of("csrf", Browser.hidden(page.body(), "csrf"), "email", email));
        assertThat(forged.statusCode()).isEqualTo(403);
        assertThat(forged.body()).contains("This page expired");
        assertThat(server.http
                        .post("/v1/auth/forgot-password", map("email", email))
                        .status())
                .isEqualTo(202);
        // The only reset mail is the one the API asked for.
        server.awaitMail(email, TestAccounts.isReset());
        assertThat(server.mailCount(email)).isEqualTo(before + 1);
    }

    @Test
    void aBrokenOrUnknownLink_getsAPageSayingSo_inTheVisitorsLanguage() throws Exception {
        var b = new Browser(server.base);
        for (String path : new String[] {"/verify-email", "/reset-password", "/magic-link"}) {
            var open = b.get(URI.create(server.base + path + "?token=" + "x".repeat(300)));
            assertThat(open.statusCode()).as(path).isEqualTo(400);
            assertThat(open.body()).as(path).contains("This link is not valid");
        }
        for (String path : new String[] {
            "/verify-email?token=ve_unknown", "/reset-password?token=pr_unknown", "/magic-link?token=ml_unknown"
        }) {
            var unknown = b.get(URI.create(server.base + path));
            assertThat(unknown.statusCode()).as(path).isEqualTo(400);
            assertThat(unknown.body())
                    .as(path)
                    .contains("This link is not valid")
                    .doesNotContain("<button");
        }

        var german = HostedPagesTest.get(b, URI.create(server.base + "/forgot-password"), "de-DE,de;q=0.9");
        assertThat(german.body()).contains("<html lang=\"de\"").contains("Passwort zurücksetzen");
    }
}
