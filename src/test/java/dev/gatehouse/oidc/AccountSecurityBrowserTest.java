package dev.gatehouse.oidc;

import static dev.gatehouse.testkit.HttpJson.map;
import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.mfa.TotpCodes;
import dev.gatehouse.testkit.HttpJson;
import dev.gatehouse.testkit.TestServer;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.openqa.selenium.virtualauthenticator.VirtualAuthenticatorOptions;

/**
 * {@code /account/security} in Debian's chromium (skipped without it, or failed under {@code CI=true}, as every
 * {@link ChromiumTest}). TOTP end to end: a user signs in on the hosted login, enrols an authenticator app by reading
 * the key shown next to the QR code, signs out, and then signs in to a client through {@code /oauth2/authorize} with
 * password and TOTP; the client redeems the code it lands with, and the ID token says two factors were used. And the
 * page's script registers a passkey with Chromium's virtual authenticator. The issuer is
 * {@code http://localhost:<port>}: WebAuthn refuses an IP address as relying-party ID.
 */
class AccountSecurityBrowserTest extends ChromiumTest {
    @RegisterExtension
    static final ClientCallback callback = ClientCallback.start();

    static TestServer server;
    /** Where the browser goes: the issuer, on localhost. */
    static String issuer;
    /** The test's own calls, to the port the issuer names (server.http knows only the port TestServer picked). */
    static HttpJson api;

    static BrowserFlow flow;

    @BeforeAll
    static void start() {
        // WebAuthn needs a domain as the relying party's id, not an IP address.
        server = TestServer.startOnLocalhost();
        issuer = server.base;
        api = server.http;
        flow = BrowserFlow.register(server, "TOTP App", callback.redirectUri());
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
    }

    static String register(String label) {
        String email = label + System.nanoTime() + "@example.com";
        var r = api.post("/v1/auth/register", map("email", email, "password", PASSWORD));
        assertThat(r.status()).as(r.body()).isEqualTo(202);
        return email;
    }

    void waitForText(String text) {
        until(d -> d.findElement(By.tagName("body")).getText().contains(text));
    }

    String page() {
        return "the browser is at " + driver.getCurrentUrl() + "\n" + driver.getPageSource();
    }

    void press(String formAction) {
        driver.findElement(By.cssSelector("form[action='" + formAction + "'] button[type=submit]"))
                .click();
    }

    @Test
    void whenAUserEnrolsTotpOnTheAccountPage_thenTheHostedLoginAsksForItAndTheClientGetsItsCode() throws Exception {
        String email = register("totp-browser");

        // 1. The account page sends the browser to sign in, then back.
        driver.get(issuer + "/account/security");
        signIn(email);
        waitForPath("/account/security");
        assertThat(driver.findElement(By.tagName("h1")).getText()).isEqualTo("Security");
        assertThat(driver.findElement(By.tagName("body")).getText()).contains("No authenticator app is set up.");

        // 2. Set up: the QR code renders (the CSP allows the data: image) and the key is shown as text.
        press("/account/security/totp/setup");
        waitForPath("/account/security/totp");
        var qr = driver.findElement(By.id("totp-qr"));
        new WebDriverWait(driver, WAIT)
                .until(d -> ((Number) ((JavascriptExecutor) d)
                                        .executeScript("return arguments[0].complete && arguments[0].naturalWidth", qr))
                                .intValue()
                        > 0);
        String secret = driver.findElement(By.id("totp-secret")).getText().trim();
        assertThat(secret).matches("[A-Z2-7]{32}");
        driver.findElement(By.id("totp-code")).sendKeys(TotpCodes.at(secret, server.clock.instant()));
        press("/account/security/totp/enable");
        waitForText("The authenticator app is set up.");
        assertThat(driver.findElements(By.cssSelector("#backup-codes li"))).hasSize(10);

        driver.get(issuer + "/account/security");
        waitForText("An authenticator app is set up");

        // 3. Sign out through the page's link and the confirmation.
        driver.findElement(By.linkText("Sign out")).click();
        waitForPath("/logout");
        driver.findElement(By.cssSelector("form[action='/logout'] button[type=submit]"))
                .click();
        waitForText("You are signed out.");
        // The next code must come from a later 30-second step: a used step is never accepted again.
        server.clock.advance(Duration.ofSeconds(30));

        // 4. A client sends the browser to sign in: password, then the TOTP code on the hosted second step.
        var start = flow.start();
        driver.get(start.uri().toString());
        signIn(email);
        new WebDriverWait(driver, WAIT)
                .until(d -> !d.findElements(By.id("code")).isEmpty());
        assertThat(driver.findElement(By.tagName("h1")).getText()).isEqualTo("Two-step sign-in");
        driver.findElement(By.id("code")).sendKeys(TotpCodes.at(secret, server.clock.instant()));
        driver.findElement(By.cssSelector("form[action='/login/mfa'] button[type=submit]:not([name])"))
                .click();
        new WebDriverWait(driver, WAIT)
                .until(d -> d.getCurrentUrl().startsWith(callback.redirectUri().toString())
                        || URI.create(d.getCurrentUrl()).getPath().equals("/consent"));
        if (URI.create(driver.getCurrentUrl()).getPath().equals("/consent"))
            driver.findElement(By.cssSelector("button[value=allow]")).click();

        URI landed = landedAt(callback);
        var claims = flow.redeem(start, landed).idToken();
        assertThat(claims.getStringListClaim("amr")).contains("pwd", "otp", "mfa");
    }

    @Test
    void whenAPasskeyIsAddedOnTheAccountPage_thenThePageScriptRegistersItAndItIsListed() throws Exception {
        String email = register("passkey-browser");
        var authenticator = addAuthenticator(VirtualAuthenticatorOptions.Transport.INTERNAL);

        driver.get(issuer + "/account/security");
        signIn(email);
        waitForPath("/account/security");
        assertThat(driver.findElement(By.tagName("body")).getText()).contains("No passkey or security key yet.");
        var form = driver.findElement(By.id("passkey-add"));
        assertThat(form.isDisplayed()).as("the script shows the form").isTrue();
        // The first factor comes with backup codes, shown once before the page goes on.
        assertThat(addPasskey("Chromium passkey"))
                .as(this::page)
                .hasSize(10)
                .allMatch(c -> c.matches("[0-9a-z]{4}(-[0-9a-z]{4}){3}"));
        assertThat(driver.getCurrentUrl()).as(this::page).contains("notice=passkey_added");
        assertThat(driver.findElement(By.id("backup-count")).getText()).endsWith("10");
        assertThat(driver.findElement(By.tagName("body")).getText())
                .contains("The passkey was added.")
                .contains("Chromium passkey");
        assertThat(authenticator.getCredentials()).hasSize(1);
        assertThat(authenticator.getCredentials().get(0).isResidentCredential()).isTrue();
    }

    @Test
    void whenTheSignInIsOld_thenThePasskeyScriptSendsTheBrowserToSignInAndBackWithANotice() throws Exception {
        String email = register("passkey-stale");
        addAuthenticator(VirtualAuthenticatorOptions.Transport.INTERNAL);
        driver.get(issuer + "/account/security");
        signIn(email);
        waitForPath("/account/security");
        server.clock.advance(Duration.ofMinutes(16));

        // The script's begin call is refused (login_required): it goes to the sign-in, which comes back with a notice.
        driver.findElement(By.id("passkey-name")).sendKeys("Too late");
        driver.findElement(By.id("passkey-add-button")).click();
        waitForPath("/login");
        assertThat(driver.getCurrentUrl()).as(this::page).contains("notice%3Dsigned_in_again");
        signIn(email);
        waitForPath("/account/security");

        assertThat(driver.findElement(By.tagName("body")).getText())
                .as(this::page)
                .contains("You signed in again. Make your change once more.")
                .contains("No passkey or security key yet.");
    }
}
