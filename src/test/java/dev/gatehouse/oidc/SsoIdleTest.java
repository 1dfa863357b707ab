package dev.gatehouse.oidc;

import static dev.gatehouse.testkit.TestAccounts.PASSWORD;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.openid.connect.sdk.AuthenticationResponseParser;
import dev.gatehouse.testkit.ServerTest;
import dev.gatehouse.testkit.TestAccounts;
import dev.gatehouse.testkit.TestServer;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A browser's sign-in ends after GATEHOUSE_SSO_IDLE_HOURS without use, not only at its absolute expiry; every use moves
 * that on.
 */
@ServerTest
class SsoIdleTest {
    static final URI CALLBACK = URI.create("http://localhost:9999/cb");
    static TestServer server;
    static TestAccounts accounts;
    static BrowserFlow flow;

    @BeforeAll
    static void start() {
        server = TestServer.start(Map.of("GATEHOUSE_SSO_IDLE_HOURS", "24"));
        accounts = new TestAccounts(server);
        flow = BrowserFlow.register(server, "web", CALLBACK);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** The answer to a new authorization request of this browser, consent given when asked. */
    static HttpResponse<String> authorize(Browser b) throws Exception {
        return b.allowIfAsked(b.follow(b.get(flow.start().uri())));
    }

    static boolean signedIn(HttpResponse<String> r) {
        return r.statusCode() / 100 == 3 && Browser.location(r).toString().startsWith(CALLBACK.toString());
    }

    @Test
    void whenUnusedForTheIdleTime_thenTheBrowserSignsInAgain_whileEachUseKeepsItOpen() throws Exception {
        String email = accounts.registered("idle");
        var b = new Browser(server.base);
        var first = b.allowIfAsked(b.signIn(b.follow(b.get(flow.start().uri())), email, PASSWORD));
        assertThat(signedIn(first)).as(first.body()).isTrue();

        // Used every 20 hours, the sign-in stays open well past the idle time.
        for (int i = 0; i < 3; i++) {
            server.clock.advance(Duration.ofHours(20));
            assertThat(signedIn(authorize(b))).as("use " + i).isTrue();
        }
        // Unused for a little more than the idle time: over.
        server.clock.advance(Duration.ofHours(24).plusMinutes(1));
        var again = authorize(b);
        assertThat(signedIn(again)).isFalse();
        assertThat(again.body()).contains("name=\"password\"");
    }

    @Test
    void whenTheClientOnlyPollsTheSessionState_thenTheSignInStillEndsAfterTheIdleTime() throws Exception {
        String email = accounts.registered("idle-polled");
        var b = new Browser(server.base);
        var first = b.allowIfAsked(b.signIn(b.follow(b.get(flow.start().uri())), email, PASSWORD));
        assertThat(signedIn(first)).as(first.body()).isTrue();
        String ss = AuthenticationResponseParser.parse(Browser.location(first))
                .toSuccessResponse()
                .getSessionState()
                .getValue();
        URI check = URI.create(server.base + "/oauth2/session/check?client_id=" + flow.clientId
                + "&origin=" + URLEncoder.encode("http://localhost:9999", StandardCharsets.UTF_8)
                + "&session_state=" + URLEncoder.encode(ss, StandardCharsets.UTF_8));

        // The relying party's iframe asks just before the idle time is up: still signed in, but no use by the user.
        server.clock.advance(Duration.ofHours(24).minusMinutes(2));
        assertThat(b.get(check).body()).isEqualTo("{\"status\":\"unchanged\"}");
        server.clock.advance(Duration.ofMinutes(3));
        assertThat(b.get(check).body()).isEqualTo("{\"status\":\"changed\"}");
        var again = authorize(b);
        assertThat(signedIn(again)).isFalse();
        assertThat(again.body()).contains("name=\"password\"");
    }

    @Test
    void whenAPageOnlyPollsWhoIsSignedIn_thenTheSignInStillEndsAfterTheIdleTime() throws Exception {
        String email = accounts.registered("idle-page-polled");
        var b = new Browser(server.base);
        var first = b.allowIfAsked(b.signIn(b.follow(b.get(flow.start().uri())), email, PASSWORD));
        assertThat(signedIn(first)).as(first.body()).isTrue();
        URI session = URI.create(server.base + "/session");

        server.clock.advance(Duration.ofHours(24).minusMinutes(2));
        assertThat(b.get(session).body()).contains("\"authenticated\":true");
        server.clock.advance(Duration.ofMinutes(3));
        assertThat(b.get(session).body()).contains("\"authenticated\":false");
        assertThat(signedIn(authorize(b))).isFalse();
    }
}
