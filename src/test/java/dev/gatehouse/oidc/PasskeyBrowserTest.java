package dev.gatehouse.oidc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.testkit.TestServer;
import java.net.URI;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.openqa.selenium.virtualauthenticator.VirtualAuthenticator;
import org.openqa.selenium.virtualauthenticator.VirtualAuthenticatorOptions;

/**
 * A passkey in Debian's chromium with WebDriver's virtual authenticator (a platform authenticator that keeps resident
 * keys and verifies the user): a user signs in with a password through {@code /oauth2/authorize}, adds a passkey on
 * the account page ({@code /account/security}), signs out, and then signs in with the passkey alone through {@code /oauth2/authorize}, reaching the client's redirect
 * URI with a code the client redeems for an ID token that states the key and {@code mfa}.
 *
 * <p>The server's issuer is {@code http://localhost:<port>}: an RP ID must be a domain, and http://localhost is a
 * secure context. Skipped (failed under {@code CI=true}) without chromium, as every {@link ChromiumTest}.
 */
class PasskeyBrowserTest extends ChromiumTest {
    @RegisterExtension
    static final ClientCallback callback = ClientCallback.start();

    static TestServer server;
    static BrowserFlow flow;

    @BeforeAll
    static void start() {
        server = TestServer.startOnLocalhost();
        flow = BrowserFlow.register(server, "Passkey App", callback.redirectUri());
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
    }

    /** Waits for the browser at the client (consenting on the way when asked); answers the URI it arrived with. */
    URI atTheClient() throws Exception {
        new WebDriverWait(driver, WAIT)
                .until(d -> !callback.isEmpty()
                        || URI.create(d.getCurrentUrl()).getPath().equals("/consent"));
        if (callback.isEmpty())
            driver.findElement(By.cssSelector("button[value=allow]")).click();
        return landedAt(callback);
    }

    /**
     * Registers a passkey from a page of the server's origin with the /v1 WebAuthn API (as a security key for the
     * second-factor test; the passkey test uses the account page).
     */
    String registerThroughTheApi(String accessToken) {
        driver.get(server.base + "/login");
        Object result = ((JavascriptExecutor) driver).executeAsyncScript("""
                        const done = arguments[arguments.length - 1];
                        const auth = {Authorization: 'Bearer ' + arguments[0]};
                        (async () => {
                          const begin = await fetch('/v1/auth/mfa/webauthn/register/begin', {method: 'POST', headers: auth});
                          const options = await begin.json();
                          const credential = await navigator.credentials.create(
                              {publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(options.publicKey)});
                          const body = Object.assign(credential.toJSON(), {name: 'Chromium key'});
                          const finish = await fetch('/v1/auth/mfa/webauthn/register/finish', {method: 'POST',
                              headers: Object.assign({'Content-Type': 'application/json'}, auth), body: JSON.stringify(body)});
                          done(finish.status + ' ' + await finish.text());
                        })().catch(e => done('error ' + e));
                        """, accessToken);
        return String.valueOf(result);
    }

    /** Adds a passkey on the account page (/account/security) of the signed-in browser, through its own script. */
    void registerOnTheAccountPage() {
        driver.get(server.base + "/account/security");
        waitForPath("/account/security");
        var form = driver.findElement(By.id("passkey-add"));
        new WebDriverWait(driver, WAIT).until(d -> form.isDisplayed());
        addPasskey("Chromium passkey");
        assertThat(driver.getCurrentUrl()).as(driver::getPageSource).contains("notice=passkey_added");
        assertThat(driver.findElement(By.tagName("body")).getText()).contains("Chromium passkey");
    }

    @Test
    void whenAUserRegistersAPasskeyAndSignsOut_thenThePasskeyAloneSignsInThroughTheAuthorizationEndpoint()
            throws Exception {
        String email = server.register("passkey" + System.nanoTime() + "@example.com", PASSWORD);
        VirtualAuthenticator authenticator = addAuthenticator(VirtualAuthenticatorOptions.Transport.INTERNAL);

        // 1. Sign in with the password through the authorization endpoint.
        var first = flow.start();
        driver.get(first.uri().toString());
        signIn(email);
        assertThat(flow.redeem(first, atTheClient()).idToken().getStringListClaim("amr"))
                .containsExactly("pwd");

        // 2. Register a passkey on the account page (a resident key in the virtual authenticator).
        registerOnTheAccountPage();
        assertThat(authenticator.getCredentials()).hasSize(1);
        assertThat(authenticator.getCredentials().getFirst().isResidentCredential())
                .isTrue();

        // 3. Sign out at the end-session endpoint.
        driver.get(server.base + "/oauth2/logout");
        waitForPath("/logout");
        driver.findElement(By.cssSelector("button[type=submit]")).click();
        new WebDriverWait(driver, WAIT).until(d -> d.manage().getCookieNamed("gh_sso") == null);

        // 4. Sign in with the passkey alone: no email, no password.
        var second = flow.start();
        driver.get(second.uri().toString());
        waitForPath("/login");
        var button = driver.findElement(By.cssSelector("[data-webauthn-start]"));
        new WebDriverWait(driver, WAIT).until(d -> button.isDisplayed());
        assertThat(button.getText()).isEqualTo("Sign in with a passkey");
        button.click();

        URI landed = atTheClient();
        new WebDriverWait(driver, WAIT)
                .until(d -> d.getCurrentUrl().startsWith(callback.redirectUri().toString()));
        var claims = flow.redeem(second, landed).idToken();
        assertThat(claims.getStringListClaim("amr")).contains("user", "mfa").containsAnyOf("hwk", "swk");
        assertThat(claims.getStringClaim("acr")).isEqualTo("urn:gatehouse:acr:mfa");
        assertThat(claims.getSubject().getValue()).isNotBlank();
    }

    @Test
    void whenASecurityKeyIsTheSecondFactor_thenChromiumCompletesTheHostedStepWithIt() throws Exception {
        String email = server.register("key" + System.nanoTime() + "@example.com", PASSWORD);
        addAuthenticator(VirtualAuthenticatorOptions.Transport.USB);
        assertThat(registerThroughTheApi(server.accessToken(email, PASSWORD))).startsWith("201");

        var start = flow.start();
        driver.get(start.uri().toString());
        signIn(email);
        waitForPath("/login");
        new WebDriverWait(driver, WAIT)
                .until(d -> !d.findElements(By.cssSelector("form[action='/login/mfa/webauthn'] [data-webauthn-start]"))
                        .isEmpty());
        var button = driver.findElement(By.cssSelector("form[action='/login/mfa/webauthn'] [data-webauthn-start]"));
        new WebDriverWait(driver, WAIT).until(d -> button.isDisplayed());
        assertThat(button.getText()).isEqualTo("Use a security key or passkey");
        button.click();

        var claims = flow.redeem(start, atTheClient()).idToken();
        assertThat(claims.getStringListClaim("amr")).contains("pwd", "mfa").containsAnyOf("hwk", "swk");
        assertThat(claims.getStringClaim("acr")).isEqualTo("urn:gatehouse:acr:mfa");
    }
}
