package dev.gatehouse.oidc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.testkit.TestServer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The hosted pages in a real browser: Debian's chromium, headless, driven by the system chromedriver. The driver path
 * is given explicitly, so Selenium Manager never runs and nothing is downloaded. A user starts at the authorization
 * endpoint, signs in, consents and lands on the client's loopback redirect URI; the client then redeems the code.
 *
 * <p>Without {@code /usr/bin/chromium} or {@code /usr/bin/chromedriver} the test is skipped with a message, except
 * under {@code CI=true}, where it fails, as every {@link ChromiumTest}.
 */
class RealBrowserTest extends ChromiumTest {
    /** The client's redirect URI: a tiny loopback server that records each request it gets. */
    @RegisterExtension
    static final ClientCallback callback = ClientCallback.start();

    static final URI redirectUri = callback.redirectUri();
    /** The client's post_logout_redirect_uri, on the same loopback server. */
    static final URI signedOutUri = callback.alsoRecord("/signed-out");

    static TestServer server;

    /** The client: "Browser App", registered for the code flow. */
    static BrowserFlow flow;

    @BeforeAll
    static void start() {
        server = TestServer.start();
        flow = BrowserFlow.registerWithSignOut(server, "Browser App", redirectUri, signedOutUri);
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
    }

    @Test
    void whenAUserSignsInAndConsentsInChromium_thenTheClientGetsACodeAndRedeemsItForTokens() throws Exception {
        String email = server.register("browser" + System.nanoTime() + "@example.com", PASSWORD);
        var start = flow.start();
        driver.get(start.uri().toString());

        signIn(email);
        waitForPath("/consent");
        assertThat(driver.findElement(By.tagName("html")).getAttribute("lang")).isEqualTo("en");
        assertThat(driver.findElement(By.tagName("body")).getText())
                .contains("Browser App would like to:")
                .contains("See your email address");
        driver.findElement(By.cssSelector("button[value=allow]")).click();

        URI landed = landedAt(callback);
        new WebDriverWait(driver, WAIT).until(d -> d.getCurrentUrl().startsWith(redirectUri.toString()));
        assertThat(driver.findElement(By.tagName("body")).getText()).contains("Back at the client.");

        var redeemed = flow.redeem(start, landed);
        assertThat(redeemed.tokens().getAccessToken().getValue()).isNotBlank();
        assertThat(redeemed.idToken().getSubject().getValue()).isNotBlank();
    }

    /**
     * RP-initiated logout without an ID token: the user confirms on the hosted page, whose form answers with a redirect
     * to the client's post-logout URI. Chromium applies the page's form-action to that redirect (ADR 0004).
     */
    @Test
    void whenTheUserConfirmsASignOutInChromium_thenTheBrowserReachesThePostLogoutRedirectUri() throws Exception {
        String email = server.register("browser-out" + System.nanoTime() + "@example.com", PASSWORD);
        driver.get(flow.start().uri().toString());
        signIn(email);
        waitForPath("/consent");
        driver.findElement(By.cssSelector("button[value=allow]")).click();
        landedAt(callback);

        driver.get(server.base + "/oauth2/logout?client_id=" + flow.clientId.getValue() + "&post_logout_redirect_uri="
                + java.net.URLEncoder.encode(signedOutUri.toString(), StandardCharsets.UTF_8) + "&state=out-1");
        waitForPath("/logout");
        driver.findElement(By.cssSelector("button[type=submit]")).click();

        URI landed = callback.next(WAIT);
        assertThat(landed).as(this::whereIsTheBrowser).isEqualTo(URI.create(signedOutUri + "?state=out-1"));
        // Signed out: a new authorization request asks for the password again.
        driver.get(flow.start().uri().toString());
        waitForPath("/login");
    }

    @Test
    void whenUiLocalesIsGerman_thenChromiumShowsTheGermanPagesAllTheWayToTheClient() throws Exception {
        String email = server.register("browser-de" + System.nanoTime() + "@example.com", PASSWORD);
        var start = flow.start();
        driver.get(start.uri() + "&ui_locales=de");

        waitForPath("/login");
        assertThat(driver.findElement(By.tagName("html")).getAttribute("lang")).isEqualTo("de");
        assertThat(driver.getTitle()).isEqualTo("Anmelden");
        assertThat(driver.findElement(By.cssSelector("label[for=email]")).getText())
                .isEqualTo("E-Mail-Adresse");

        // A wrong password first: the error is German and announced (role=alert).
        driver.findElement(By.id("email")).sendKeys(email);
        driver.findElement(By.id("password")).sendKeys("not-the-password");
        driver.findElement(By.cssSelector("button[type=submit]")).click();
        new WebDriverWait(driver, WAIT)
                .until(d -> !d.findElements(By.cssSelector("[role=alert]")).isEmpty());
        assertThat(driver.findElement(By.cssSelector("[role=alert]")).getText())
                .isEqualTo("E-Mail-Adresse oder Passwort ist nicht korrekt.");
        assertThat(driver.findElement(By.tagName("html")).getAttribute("lang")).isEqualTo("de");

        driver.findElement(By.id("password")).sendKeys(PASSWORD);
        driver.findElement(By.cssSelector("button[type=submit]")).click();
        waitForPath("/consent");
        assertThat(driver.findElement(By.tagName("html")).getAttribute("lang")).isEqualTo("de");
        assertThat(driver.findElement(By.tagName("body")).getText())
                .contains("Browser App möchte:")
                .contains("Ihre E-Mail-Adresse sehen");
        driver.findElement(By.cssSelector("button[value=allow]")).click();

        URI landed = landedAt(callback);
        flow.code(start, landed); // a success that answers this request
    }
}
