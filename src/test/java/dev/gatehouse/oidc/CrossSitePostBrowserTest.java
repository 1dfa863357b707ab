package dev.gatehouse.oidc;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.oauth2.sdk.AuthorizationResponse;
import com.nimbusds.openid.connect.sdk.Prompt;
import dev.gatehouse.testkit.TestServer;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;

/**
 * An authorization request a client's page POSTs (OIDC Core §3.1.2.1) from another site, in Debian's chromium: the
 * browser keeps the {@code SameSite=Lax} SSO cookie out of a cross-site POST, so Gatehouse has the browser post it
 * again from its own origin, and a signed-in user gets a code without a password, with {@code prompt=none} too.
 * Gatehouse is on {@code localhost}, the client on {@code 127.0.0.1}: different sites. Skipped without chromium as
 * every {@link ChromiumTest} is, and failed instead under {@code CI=true}.
 */
class CrossSitePostBrowserTest extends ChromiumTest {
    /** The client's site: its redirect URI and the page that posts the authorization request. */
    @RegisterExtension
    static final ClientCallback client = ClientCallback.start();

    static TestServer server;
    /** The client's page that posts {@link #form} to the authorization endpoint as soon as it loads. */
    static URI startPage;

    static BrowserFlow flow;
    /** The form the client's page posts; set by each test before the browser opens the page. */
    static volatile Map<String, List<String>> form = Map.of();

    @BeforeAll
    static void start() {
        startPage = client.serve("/start", () -> {
            String fields = form.entrySet().stream()
                    .flatMap(e -> e.getValue().stream()
                            .map(v -> "<input type=\"hidden\" name=\"" + e.getKey() + "\" value=\"" + v + "\">"))
                    .collect(Collectors.joining());
            return "<!doctype html><title>client</title><form method=\"post\" action=\"" + server.base
                    + "/oauth2/authorize\">" + fields + "</form><script>document.forms[0].submit()</script>";
        });
        server = TestServer.startOnLocalhost();
        flow = BrowserFlow.register(server, "Posting App", client.redirectUri());
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
    }

    AuthorizationResponse landed() throws Exception {
        return AuthorizationResponse.parse(landedAt(client));
    }

    @Test
    void whenASignedInBrowserPostsTheRequestFromTheClientsSite_thenItGetsACodeWithoutThePassword() throws Exception {
        String email = server.register("poster" + System.nanoTime() + "@example.com", PASSWORD);
        // Signed in and consented once, by the usual GET.
        driver.get(flow.start().uri().toString());
        signIn(email);
        waitForPath("/consent");
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
