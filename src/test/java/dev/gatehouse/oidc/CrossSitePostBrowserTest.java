package dev.gatehouse.oidc;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.oauth2.sdk.AuthorizationResponse;
import com.nimbusds.openid.connect.sdk.Prompt;
import dev.gatehouse.testkit.TestServer;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;

/**
 * An authorization request a client's page POSTs (OIDC Core §3.1.2.1) from another site, in Debian's chromium: the
 * browser keeps the {@code SameSite=Lax} SSO cookie out of a cross-site POST, so Gatehouse has the browser post it
 * again from its own origin, and a signed-in user gets a code without a password, with {@code prompt=none} too.
 * Gatehouse is on {@code localhost}, the client on {@code 127.0.0.1}: different sites. Skipped without chromium as
 * {@link RealBrowserTest} is, and failed instead under {@code CI=true}.
 */
class CrossSitePostBrowserTest {
    static final String PASSWORD = "Correct-Horse-Battery-9";
    static final Duration WAIT = Duration.ofSeconds(20);

    static TestServer server;
    /** The client's site: its redirect URI and the page that posts the authorization request. */
    static ClientCallback client;

    static URI redirectUri;
    /** The client's page that posts {@link #form} to the authorization endpoint as soon as it loads. */
    static URI startPage;

    static BrowserFlow flow;
    /** The form the client's page posts; set by each test before the browser opens the page. */
    static volatile Map<String, List<String>> form = Map.of();

    Chromium chromium;
    WebDriver driver;

    @BeforeAll
    static void start() throws IOException {
        RealBrowserTest.requireBrowser();
        client = ClientCallback.start();
        startPage = client.serve("/start", () -> {
            String fields = form.entrySet().stream()
                    .flatMap(e -> e.getValue().stream()
                            .map(v -> "<input type=\"hidden\" name=\"" + e.getKey() + "\" value=\"" + v + "\">"))
                    .collect(Collectors.joining());
            return "<!doctype html><title>client</title><form method=\"post\" action=\"" + server.base
                    + "/oauth2/authorize\">" + fields + "</form><script>document.forms[0].submit()</script>";
        });
        redirectUri = client.redirectUri();
        server = TestServer.startOnLocalhost();
        flow = BrowserFlow.webClient(
                server.base,
                server.registerClient(
                        TestServer.webClient("Posting App", redirectUri, "openid email", "authorization_code")),
                redirectUri);
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
        if (client != null) client.close();
    }

    @BeforeEach
    void openBrowser() throws IOException {
        client.clear();
        chromium = Chromium.start(WAIT);
        driver = chromium.driver;
    }

    @AfterEach
    void closeBrowser() throws IOException {
        if (chromium != null) chromium.close();
    }

    AuthorizationResponse landed() throws Exception {
        URI landed = client.next(WAIT);
        assertThat(landed)
                .as(() -> "the browser is at " + driver.getCurrentUrl() + "\n" + driver.getPageSource())
                .isNotNull();
        return AuthorizationResponse.parse(landed);
    }

    @Test
    void whenASignedInBrowserPostsTheRequestFromTheClientsSite_thenItGetsACodeWithoutThePassword() throws Exception {
        String email = server.register("poster" + System.nanoTime() + "@example.com", PASSWORD);
        // Signed in and consented once, by the usual GET.
        driver.get(flow.start().uri().toString());
        chromium.waitForPath("/login");
        driver.findElement(By.id("email")).sendKeys(email);
        driver.findElement(By.id("password")).sendKeys(PASSWORD);
        driver.findElement(By.cssSelector("button[type=submit]")).click();
        chromium.waitForPath("/consent");
        driver.findElement(By.cssSelector("button[value=allow]")).click();
        assertThat(landed().indicatesSuccess()).isTrue();

        // Now the client's page posts a request with prompt=none from its own site.
        var silentRequest = flow.start(request -> request.prompt(new Prompt(Prompt.Type.NONE)));
        form = silentRequest.request().toParameters();
        driver.get(startPage.toString());
        var silent = landed();
        assertThat(silent.indicatesSuccess())
                .as(() -> silent.toErrorResponse().getErrorObject().toString())
                .isTrue();
        assertThat(silent.getState()).isEqualTo(silentRequest.state());

        // And without prompt: still no password asked.
        var second = flow.start();
        form = second.request().toParameters();
        driver.get(startPage.toString());
        var again = landed();
        assertThat(again.indicatesSuccess()).isTrue();
        assertThat(again.getState()).isEqualTo(second.state());
    }
}
