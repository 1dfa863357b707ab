package dev.gatehouse.oidc;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.id.ClientID;
import dev.gatehouse.testkit.TestServer;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;

/**
 * A single-page app in Debian's chromium (ADR 0017): a public client whose pages live on another origin than
 * Gatehouse redeems its code with {@code fetch}, reads userinfo and revokes its refresh token, all cross-origin under
 * the browser's own CORS checks. A page on a third origin, holding the same app's access token, cannot read the
 * answers. Skipped without chromium as every {@link ChromiumTest} is, and failed instead under {@code CI=true}.
 */
class SinglePageAppBrowserTest extends ChromiumTest {
    static final ObjectMapper JSON = new ObjectMapper();

    /** The app's own web server: its pages are on http://127.0.0.1:port, another origin than Gatehouse's. */
    @RegisterExtension
    static final ClientCallback app = ClientCallback.start(() -> page(callbackScript()));

    static TestServer server;
    static ClientID clientId;
    /** The app as a client: public, so its page redeems the code itself. */
    static BrowserFlow flow;
    /** What the app's callback page redeems the code with; set by each test before it sends the browser. */
    static volatile String verifier = "";
    /** The access token the page on another origin tries to use. */
    static volatile String stolenToken = "";
    /** The refresh token the app's revocation page revokes. */
    static volatile String refreshToken = "";

    @BeforeAll
    static void start() {
        server = TestServer.start();
        app.serve("/elsewhere", () -> page(elsewhereScript()));
        app.serve("/revoke", () -> page(revokeScript()));
        var r = server.registerClient(
                "client_name",
                "Single-Page App",
                "grant_types",
                List.of("authorization_code", "refresh_token"),
                "redirect_uris",
                List.of(app.redirectUri().toString()),
                "token_endpoint_auth_method",
                "none",
                "scope",
                "openid email offline_access");
        clientId = new ClientID(r.text("client_id"));
        flow = new BrowserFlow(
                server.base, clientId, null, app.redirectUri(), new Scope("openid", "email", "offline_access"));
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
    }

    /** A page of the app that runs {@code script}; what it read goes to {@code <pre id=out>}. */
    static String page(String script) {
        return "<!doctype html><title>app</title><pre id=out></pre><script>" + script + "</script>";
    }

    static String js(String s) {
        try {
            return JSON.writeValueAsString(s);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A page script: {@code constants} (JavaScript declarations beside {@code GH}, Gatehouse's base URL, and
     * {@code CLIENT}), then {@code steps}, which fill {@code out} with what they read; {@code out} is written to the
     * page as JSON, with {@code failed} naming the error that stopped the steps, if one did.
     */
    static String script(String constants, String steps) {
        return "const GH = " + js(server.base) + ", CLIENT = " + js(clientId.getValue()) + ";\n" + constants + "\n"
                + """
                const form = fields => ({method: 'POST', body: new URLSearchParams(fields),
                    headers: {'Content-Type': 'application/x-www-form-urlencoded'}});
                (async () => {
                  const out = {};
                  try {
                """
                + steps
                + """
                  } catch (e) { out.failed = e.name + ': ' + e.message; }
                  document.getElementById('out').textContent = JSON.stringify(out);
                })();
                """;
    }

    /** Redeems the code of the URL it is opened with, then calls userinfo; writes what it read. */
    static String callbackScript() {
        return script("const VERIFIER = " + js(verifier) + ";", """
                const code = new URLSearchParams(location.search).get('code');
                const t = await fetch(GH + '/oauth2/token', form({grant_type: 'authorization_code', code,
                    redirect_uri: location.origin + '/cb', client_id: CLIENT, code_verifier: VERIFIER}));
                out.token = t.status;
                const tokens = await t.json();
                out.tokenType = tokens.token_type;
                out.access = tokens.access_token;
                const u = await fetch(GH + '/oauth2/userinfo', {headers: {Authorization: 'Bearer ' + tokens.access_token}});
                out.userinfo = u.status;
                out.email = (await u.json()).email;
                const bad = await fetch(GH + '/oauth2/userinfo', {headers: {Authorization: 'Bearer expired'}});
                out.badToken = bad.status;
                out.challenge = bad.headers.get('WWW-Authenticate');
                out.refresh = tokens.refresh_token;
                """);
    }

    /** Back on the app's origin: revokes the refresh token it is given, then tries to use it. */
    static String revokeScript() {
        return script("const REFRESH = " + js(refreshToken) + ";", """
                const r = await fetch(GH + '/oauth2/revoke', form({token: REFRESH, client_id: CLIENT}));
                out.revoke = r.status;
                const again = await fetch(GH + '/oauth2/token', form({grant_type: 'refresh_token',
                    refresh_token: REFRESH, client_id: CLIENT}));
                out.refreshAfterRevoke = again.status;
                out.refreshError = (await again.json()).error;
                """);
    }

    /** On another origin: tries the app's access token at userinfo; writes whether it could read the answer. */
    static String elsewhereScript() {
        return script("const TOKEN = " + js(stolenToken) + ";", """
                const u = await fetch(GH + '/oauth2/userinfo', {headers: {Authorization: 'Bearer ' + TOKEN}});
                out.userinfo = u.status;
                out.body = await u.text();
                """);
    }

    JsonNode result() throws IOException {
        chromium.until(d -> !d.findElement(By.id("out")).getText().isEmpty());
        return JSON.readTree(chromium.driver.findElement(By.id("out")).getText());
    }

    @Test
    void whenTheAppRedeemsItsCodeWithFetch_thenTheBrowserLetsItReadTokensUserinfoAndRevocation() throws Exception {
        String email = server.register("spa" + System.nanoTime() + "@example.com", PASSWORD);
        var start = flow.start();
        verifier = start.verifier().getValue();
        driver.get(start.uri().toString());
        signIn(email);
        waitForPath("/consent");
        driver.findElement(By.cssSelector("button[value=allow]")).click();
        waitForPath("/cb");

        JsonNode out = result();
        assertThat(out.path("failed").isMissingNode()).as(out.toString()).isTrue();
        assertThat(out.path("token").asInt()).as(out.toString()).isEqualTo(200);
        assertThat(out.path("tokenType").asText()).isEqualTo("Bearer");
        assertThat(out.path("userinfo").asInt()).isEqualTo(200);
        assertThat(out.path("email").asText()).isEqualTo(email);
        // a refusal is readable too, challenge and all: the app can tell an expired token from a network failure
        assertThat(out.path("badToken").asInt()).isEqualTo(401);
        assertThat(out.path("challenge").asText()).startsWith("Bearer error=\"invalid_token\"");

        // A page on another origin (localhost is not 127.0.0.1) with the app's still valid access token: the browser
        // sends the request but keeps the answer from the page.
        stolenToken = out.path("access").asText();
        var check = server.http.get("/oauth2/userinfo").bearer(stolenToken).send();
        assertThat(check.status()).as("the token itself is still good").isEqualTo(200);
        driver.get("http://localhost:" + app.port() + "/elsewhere");
        JsonNode elsewhere = result();
        assertThat(elsewhere.path("failed").asText()).as(elsewhere.toString()).startsWith("TypeError");
        assertThat(elsewhere.path("body").isMissingNode()).isTrue();

        // Back at the app: it revokes its refresh token, and can read that it is gone.
        refreshToken = out.path("refresh").asText();
        driver.get(app.uri("/revoke").toString());
        JsonNode revoked = result();
        assertThat(revoked.path("failed").isMissingNode())
                .as(revoked.toString())
                .isTrue();
        assertThat(revoked.path("revoke").asInt()).isEqualTo(200);
        assertThat(revoked.path("refreshAfterRevoke").asInt()).isEqualTo(400);
        assertThat(revoked.path("refreshError").asText()).isEqualTo("invalid_grant");
    }
}
