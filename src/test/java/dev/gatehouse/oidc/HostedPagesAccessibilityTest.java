package dev.gatehouse.oidc;

import static org.assertj.core.api.Assertions.assertThat;

import com.deque.html.axecore.results.Results;
import com.deque.html.axecore.results.Rule;
import com.deque.html.axecore.selenium.AxeBuilder;
import com.nimbusds.openid.connect.sdk.Prompt;
import dev.gatehouse.mfa.TotpCodes;
import dev.gatehouse.testkit.HttpJson;
import dev.gatehouse.testkit.TestAccounts;
import dev.gatehouse.testkit.TestServer;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;

/**
 * The hosted pages pass an automated accessibility audit in Chromium: Deque's axe-core (the engine behind Lighthouse's
 * accessibility score) with the WCAG 2.0, 2.1 and 2.2 A and AA rules and axe's best practices, on each page in the
 * state a user meets it (with an error shown, in German). An audit catches what markup rules can: names, labels,
 * contrast, landmarks, language; not whether the words make sense.
 */
class HostedPagesAccessibilityTest extends ChromiumTest {
    /** WCAG 2.0-2.2 levels A and AA, and axe's best practices (landmarks, one h1, ...). */
    static final List<String> RULES = List.of("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice");

    @RegisterExtension
    static final ClientCallback callback = ClientCallback.start();

    static final URI redirectUri = callback.redirectUri();
    static final URI signedOutUri = callback.alsoRecord("/signed-out");

    static TestServer server;
    static BrowserFlow flow;

    @BeforeAll
    static void start() {
        server = TestServer.start();
        flow = BrowserFlow.registerWithSignOut(server, "Audit App", redirectUri, signedOutUri);
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
    }

    /**
     * Audits the page the browser shows now; fails naming each rule broken (or that axe could not decide), how badly,
     * and where.
     */
    void assertAccessible(String page) {
        Results results = new AxeBuilder().withTags(RULES).analyze(driver);
        assertThat(results.isErrored())
                .as(page + ": axe could not run: " + results.getErrorMessage())
                .isFalse();
        // An audit that checked nothing proves nothing (axe not injected, an empty page).
        assertThat(results.getPasses()).as(page + ": axe checked nothing").isNotEmpty();
        assertThat(results.getViolations())
                .as(() -> page + " (" + driver.getCurrentUrl() + ") breaks:\n" + describe(results.getViolations()))
                .isEmpty();
        // What axe cannot decide alone (contrast over an image, say) is a finding too, until a person has looked.
        assertThat(results.getIncomplete())
                .as(() ->
                        page + " (" + driver.getCurrentUrl() + ") needs a look:\n" + describe(results.getIncomplete()))
                .isEmpty();
    }

    static String describe(List<Rule> violations) {
        return violations.stream()
                .map(v -> "- " + v.getId() + " (" + v.getImpact() + "): " + v.getHelp() + " at "
                        + v.getNodes().stream()
                                .map(n -> String.valueOf(n.getTarget()) + " " + n.getFailureSummary())
                                .collect(Collectors.joining("; ")))
                .collect(Collectors.joining("\n"));
    }

    /** The audit fails where it should: a page with an unlabelled input and no language breaks named rules. */
    @Test
    void theAuditFindsWhatItShould() {
        driver.get("data:text/html,<title>t</title><main><h1>x</h1><input type=text></main>");
        Results results = new AxeBuilder().withTags(RULES).analyze(driver);
        assertThat(results.getViolations()).extracting(Rule::getId).contains("label", "html-has-lang");
    }

    /** The error pages a browser gets when the server refuses a hosted page (an outage, a failure, a bad request). */
    @Test
    void theServersOwnErrorPages() {
        for (var locale : List.of(java.util.Locale.ENGLISH, java.util.Locale.GERMAN)) {
            for (int status : new int[] {503, 429, 500, 405}) {
                String html = dev.gatehouse.platform.http.ErrorAnswers.errorPage(
                        dev.gatehouse.platform.http.Messages.of(locale), status, "req-1234");
                driver.get("data:text/html;charset=utf-8;base64,"
                        + java.util.Base64.getEncoder().encodeToString(html.getBytes(StandardCharsets.UTF_8)));
                assertAccessible("the " + status + " error page in " + locale);
            }
        }
    }

    @Test
    void theMfaStep_withAWrongCode() {
        String[] enrolled = HostedLoginMfaTest.enrolledOn(server, new TestAccounts(server));
        driver.get(flow.start().uri().toString());
        signIn(enrolled[0]);
        until(d -> !d.findElements(By.id("code")).isEmpty());
        assertAccessible("the second-factor step");

        driver.findElement(By.id("code")).sendKeys("000000");
        driver.findElement(By.cssSelector("form[action='/login/mfa'] button[type=submit]:not([name])"))
                .click();
        until(d -> !d.findElements(By.cssSelector("[role=alert]")).isEmpty());
        assertAccessible("the second-factor step with a wrong code");
    }

    /** The second step's authenticator set-up, which only a server with GATEHOUSE_MFA_REQUIRED shows. */
    @Test
    void theMfaEnrolmentStep_withAWrongCode() {
        try (var strict = TestServer.start(java.util.Map.of("GATEHOUSE_MFA_REQUIRED", "true"))) {
            String email = strict.register("audit-enrol" + System.nanoTime() + "@example.com", PASSWORD);
            driver.get(strict.base + "/login");
            signIn(email);
            until(d -> !d.findElements(By.cssSelector("form[action='/login/mfa/setup']"))
                    .isEmpty());
            assertAccessible("the second step offering to set up an authenticator app");

            driver.findElement(By.cssSelector("form[action='/login/mfa/setup'] button[type=submit]"))
                    .click();
            until(d -> !d.findElements(By.id("code")).isEmpty());
            assertThat(driver.findElement(By.cssSelector("img[src^='data:image/']"))
                            .getAttribute("alt"))
                    .isNotBlank();
            assertAccessible("the authenticator set-up with its QR code");

            driver.findElement(By.id("code")).sendKeys("000000");
            driver.findElement(By.cssSelector("form[action='/login/mfa'] button[type=submit]"))
                    .click();
            until(d -> !d.findElements(By.cssSelector("[role=alert]")).isEmpty());
            assertAccessible("the authenticator set-up with a wrong code");
        }
    }

    @Test
    void theConsentAccountChoiceErrorAndLogoutPages() throws Exception {
        String email = server.register("audit" + System.nanoTime() + "@example.com", PASSWORD);
        driver.get(flow.start().uri().toString());
        signIn(email);
        waitForPath("/consent");
        assertAccessible("the consent page");
        driver.findElement(By.cssSelector("button[value=allow]")).click();
        landedAt(callback);

        driver.get(flow.start(r -> r.prompt(new Prompt(Prompt.Type.SELECT_ACCOUNT)))
                .uri()
                .toString());
        until(d -> d.findElement(By.tagName("body")).getText().contains(email));
        assertAccessible("the account choice (prompt=select_account)");

        driver.get(server.base + "/oauth2/authorize?response_type=code&client_id=no-such-client&scope=openid");
        until(d -> !d.findElements(By.tagName("h1")).isEmpty());
        assertAccessible("the authorization error page");

        driver.get(server.base + "/oauth2/logout?client_id=" + flow.clientId.getValue() + "&post_logout_redirect_uri="
                + URLEncoder.encode(signedOutUri.toString(), StandardCharsets.UTF_8));
        waitForPath("/logout");
        assertAccessible("the sign-out confirmation");

        // Without a client to return to, the browser stays on a page that says it is signed out (with the
        // front-channel frames of the clients it signed out of).
        driver.get(server.base + "/oauth2/logout");
        waitForPath("/logout");
        driver.findElement(By.cssSelector("form[action='/logout'] button")).click();
        until(d -> d.findElements(By.cssSelector("form[action='/logout']")).isEmpty());
        assertAccessible("the signed-out page");
    }

    @Test
    void theDevicePages_entryConfirmationAndDone() {
        var device = server.registerClient(Map.of(
                "client_name", "Living room TV",
                "grant_types", List.of("urn:ietf:params:oauth:grant-type:device_code"),
                "token_endpoint_auth_method", "none",
                "scope", "openid"));
        var started = server.http
                .post("/oauth2/device_authorization")
                .raw("application/x-www-form-urlencoded", "client_id=" + device.text("client_id") + "&scope=openid")
                .send();
        assertThat(started.status()).as(started.body()).isEqualTo(200);
        String email = server.register("audit" + System.nanoTime() + "@example.com", PASSWORD);
        driver.get(server.base + "/device");
        signIn(email);
        waitForPath("/device");
        assertAccessible("the device code entry");

        driver.findElement(By.id("user_code")).sendKeys("WRONG-CODE");
        driver.findElement(By.cssSelector("button[type=submit]")).click();
        until(d -> !d.findElements(By.cssSelector("[role=alert]")).isEmpty());
        assertAccessible("the device code entry with a wrong code");

        driver.findElement(By.id("user_code")).clear();
        driver.findElement(By.id("user_code")).sendKeys(started.text("user_code"));
        driver.findElement(By.cssSelector("button[type=submit]")).click();
        until(d -> !d.findElements(By.cssSelector("button[value=allow]")).isEmpty());
        assertAccessible("the device confirmation");

        driver.findElement(By.cssSelector("button[value=allow]")).click();
        until(d -> d.findElements(By.cssSelector("button[value=allow]")).isEmpty());
        assertAccessible("the device done page");
    }

    @Test
    void theAccountSecurityPage_itsTotpSetUpAndInGermanWithMfaOn() throws Exception {
        String email = server.register("audit" + System.nanoTime() + "@example.com", PASSWORD);
        // Signed in through a client the user consents to, so the page lists an application.
        driver.get(flow.start().uri().toString());
        signIn(email);
        waitForPath("/consent");
        driver.findElement(By.cssSelector("button[value=allow]")).click();
        landedAt(callback);
        driver.get(server.base + "/account/security");
        waitForPath("/account/security");
        assertThat(driver.findElement(By.id("apps-h")).getText()).isEqualTo("Applications");
        assertThat(driver.findElement(By.tagName("body")).getText()).contains("Audit App");
        assertAccessible("the account security page with an application");

        driver.findElement(By.cssSelector("form[action$='/totp/setup'] button")).click();
        until(d -> !d.findElements(By.id("totp-qr")).isEmpty());
        assertAccessible("the TOTP set-up with its QR code");
        driver.findElement(By.id("totp-code")).sendKeys("000000");
        driver.findElement(By.cssSelector("form[action$='/totp/enable'] button"))
                .click();
        until(d -> !d.findElements(By.cssSelector("[role=alert]")).isEmpty());
        assertAccessible("the TOTP set-up with a wrong code");

        String[] enrolled = HostedLoginMfaTest.enrolledOn(server, new TestAccounts(server));
        driver.manage().deleteAllCookies();
        driver.get(server.base + "/account/security?ui_locales=de");
        signIn(enrolled[0]);
        until(d -> !d.findElements(By.id("code")).isEmpty());
        driver.findElement(By.id("code")).sendKeys(TotpCodes.at(enrolled[1], server.clock.instant()));
        driver.findElement(By.cssSelector("form[action='/login/mfa'] button[type=submit]:not([name])"))
                .click();
        waitForPath("/account/security");
        until(d -> "de".equals(d.findElement(By.tagName("html")).getAttribute("lang")));
        assertThat(driver.findElements(By.id("totp-off-code"))).isNotEmpty();
        assertAccessible("the German account security page with TOTP on");
    }

    /** The account pages the mails link to, with an error, and in German. */
    @Test
    void theAccountLinkPages() {
        driver.get(server.base + "/register");
        assertAccessible("the registration page");
        driver.findElement(By.id("email")).sendKeys("audit-register" + System.nanoTime() + "@example.com");
        driver.findElement(By.id("password")).sendKeys("password1");
        driver.findElement(By.cssSelector("button[type=submit]")).click();
        until(d -> !d.findElements(By.cssSelector("[role=alert]")).isEmpty());
        assertAccessible("the registration page with a refused password");

        driver.get(server.base + "/forgot-password");
        assertAccessible("the forgotten-password page");
        driver.get(server.base + "/magic-link");
        assertAccessible("the page asking for a sign-in link");
        driver.get(server.base + "/resend-verification");
        assertAccessible("the page asking for a new verification link");
        String email = server.register("audit-links" + System.nanoTime() + "@example.com", PASSWORD);
        assertThat(server.http
                        .post("/v1/auth/forgot-password", HttpJson.map("email", email))
                        .status())
                .isEqualTo(202);
        driver.get(server.linkFromMail(email, TestAccounts.isReset()) + "&ui_locales=de");
        assertAccessible("the new-password page");
        driver.get(server.linkFromMail(email, TestAccounts.isConfirm()).toString());
        assertAccessible("the page confirming a registration");
        driver.findElement(By.id("password")).sendKeys("Not-The-Password-1");
        driver.findElement(By.cssSelector("button[type=submit]")).click();
        until(d -> !d.findElements(By.cssSelector("[role=alert]")).isEmpty());
        assertAccessible("the page confirming a registration, with a wrong password");
        driver.get(server.base + "/verify-email?token=audit");
        until(d -> !d.findElements(By.cssSelector("[role=alert]")).isEmpty());
        assertAccessible("the page of a link that is not valid");
    }

    @Test
    void theLoginPage_withAnErrorInGermanAndSignedIn() {
        String email = server.register("audit" + System.nanoTime() + "@example.com", PASSWORD);
        driver.get(flow.start().uri().toString());
        waitForPath("/login");
        assertAccessible("the sign-in page");

        driver.findElement(By.id("email")).sendKeys(email);
        driver.findElement(By.id("password")).sendKeys("not-the-password");
        driver.findElement(By.cssSelector("button[type=submit]")).click();
        until(d -> !d.findElements(By.cssSelector("[role=alert]")).isEmpty());
        assertAccessible("the sign-in page with a wrong password");

        driver.get(flow.start().uri() + "&ui_locales=de");
        waitForPath("/login");
        assertThat(driver.findElement(By.tagName("html")).getAttribute("lang")).isEqualTo("de");
        assertAccessible("the German sign-in page");

        // Signed in without an authorization request: a page saying so.
        driver.get(server.base + "/login");
        signIn(email);
        until(d -> d.findElements(By.id("password")).isEmpty());
        assertAccessible("the signed-in page");

        // The new-password page, required by an administrator, with a refusal, in German.
        var required = server.http
                .post("/v1/admin/users/" + userIdOf(email) + "/require-password-change")
                .bearer(server.adminToken())
                .send();
        assertThat(required.status()).isEqualTo(200);
        driver.get(server.base + "/password-change?ui_locales=de");
        assertThat(driver.findElement(By.tagName("html")).getAttribute("lang")).isEqualTo("de");
        assertAccessible("the German page that asks for a new password");
        driver.findElement(By.id("current_password")).sendKeys("not-the-password");
        driver.findElement(By.id("new_password")).sendKeys("Violet-Lantern-Orbit-42");
        driver.findElement(By.id("confirm_password")).sendKeys("Violet-Lantern-Orbit-42");
        driver.findElement(By.cssSelector("button[type=submit]")).click();
        until(d -> !d.findElements(By.cssSelector("[role=alert]")).isEmpty());
        assertAccessible("the new-password page with a wrong current password");
    }

    static String userIdOf(String email) {
        return new dev.gatehouse.testkit.TestAccounts(server).idOf(email);
    }
}
