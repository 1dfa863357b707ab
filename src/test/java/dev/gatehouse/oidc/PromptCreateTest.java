package dev.gatehouse.oidc;

import static dev.gatehouse.testkit.TestAccounts.PASSWORD;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.oauth2.sdk.AuthorizationResponse;
import com.nimbusds.openid.connect.sdk.Prompt;
import dev.gatehouse.testkit.ServerTest;
import dev.gatehouse.testkit.TestAccounts;
import dev.gatehouse.testkit.TestServer;
import java.net.URI;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Initiating User Registration via OpenID Connect 1.0: a client sends {@code prompt=create}, the browser lands on the
 * hosted registration page, and the new account's sign-in gets the client its code. Where accounts cannot be created
 * the value is not offered and the client hears {@code invalid_request}.
 */
@ServerTest
class PromptCreateTest {
    static final URI CALLBACK = URI.create("http://localhost:9999/cb");
    static final Pattern CONTINUE = Pattern.compile("href=\"(/login\\?return_to=[^\"]+)\"");
    static TestServer server;
    static TestAccounts accounts;
    static BrowserFlow flow;

    @BeforeAll
    static void start() {
        server = TestServer.start();
        accounts = new TestAccounts(server);
        flow = BrowserFlow.register(server, "web", CALLBACK);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static BrowserFlow.Started createRequest() {
        return flow.start(x -> x.prompt(new Prompt(Prompt.Type.CREATE)));
    }

    /** Fills in and posts the registration page shown in {@code page}; the page that answers. */
    static HttpResponse<String> register(Browser b, HttpResponse<String> page, String email) throws Exception {
        return b.submit(page, "/register", Map.of("email", email, "password", PASSWORD));
    }

    static boolean isRegistrationPage(HttpResponse<String> r) {
        return r.statusCode() == 200
                && r.uri().getPath().equals("/register")
                && r.body().contains("action=\"/register\"");
    }

    @Test
    void whenTheClientAsksToCreateAnAccount_thenTheNewAccountsSignInGetsTheCode() throws Exception {
        var b = new Browser(server.base);
        var started = createRequest();
        var page = b.follow(b.get(started.request().toURI()));
        assertThat(isRegistrationPage(page)).as(page.body()).isTrue();
        assertThat(Browser.hidden(page.body(), "return_to")).startsWith("/oauth2/authorize?");
        HostedPagesTest.assertPageHeaders(page);
        HostedPagesTest.assertAccessible(page.body(), "en");

        String email = "created" + System.nanoTime() + "@example.com";
        var registered = register(b, page, email);
        assertThat(registered.statusCode()).as(registered.body()).isEqualTo(200);
        assertThat(registered.body()).contains("Check your email", "Sign in to continue");
        var link = CONTINUE.matcher(registered.body());
        assertThat(link.find()).as(registered.body()).isTrue();

        // The sign-in has the new address filled in, and goes on to the client once the new account signs in.
        var login = b.get(URI.create(server.base + link.group(1).replace("&amp;", "&")));
        assertThat(login.body()).contains("value=\"" + email + "\"");
        var landed = Browser.location(b.allowIfAsked(b.signIn(login, email, PASSWORD)));
        assertThat(landed.toString()).startsWith(CALLBACK.toString());
        var redeemed = flow.redeem(started, landed);
        assertThat(redeemed.idToken().getSubject().getValue()).isEqualTo(accounts.idOf(email));
    }

    @Test
    void whenTheBrowserIsSignedInAlready_thenItStillCreatesAnAccountFirst() throws Exception {
        String existing = accounts.registered("signed-in");
        var b = new Browser(server.base);
        var first = flow.start();
        var landed = Browser.location(
                b.allowIfAsked(b.signIn(b.follow(b.get(first.request().toURI())), existing, PASSWORD)));
        assertThat(landed.toString()).startsWith(CALLBACK.toString());

        server.clock.advance(java.time.Duration.ofSeconds(1));
        var page = b.follow(b.get(createRequest().request().toURI()));
        assertThat(isRegistrationPage(page)).as(page.body()).isTrue();
        // Signing in as the account already signed in does not count: the request waits for a sign-in after it.
        var again = b.get(URI.create(server.base + Browser.hidden(page.body(), "return_to")));
        assertThat(isRegistrationPage(b.follow(again))).isTrue();
    }

    @Test
    void whenCreateIsCombinedWithNone_thenTheClientHearsInvalidRequest() throws Exception {
        var started = flow.start();
        var r = new Browser(server.base).get(URI.create(started.request().toURI() + "&prompt=none+create"));
        var answer = AuthorizationResponse.parse(Browser.location(r));
        assertThat(answer.indicatesSuccess()).isFalse();
        assertThat(answer.toErrorResponse().getErrorObject().getCode()).isEqualTo("invalid_request");
    }

    @Test
    void whenTheSignInPageOffersANewAccount_thenTheLinkComesBackToTheRequest() throws Exception {
        var b = new Browser(server.base);
        var login = b.follow(b.get(flow.start().request().toURI()));
        var link = Pattern.compile("href=\"(/register\\?return_to=[^\"]+)\"").matcher(login.body());
        assertThat(link.find()).as(login.body()).isTrue();
        var page = b.get(URI.create(server.base + link.group(1).replace("&amp;", "&")));
        assertThat(isRegistrationPage(page)).isTrue();
        assertThat(Browser.hidden(page.body(), "return_to")).isEqualTo(Browser.hidden(login.body(), "return_to"));
    }

    @Test
    void whenDiscoveryIsRead_thenCreateIsOffered() {
        var metadata =
                server.http.get("/.well-known/openid-configuration").send().json();
        assertThat(metadata.path("prompt_values_supported").toString()).contains("\"create\"");
    }

    @Test
    void whenAccountsCannotBeCreated_thenCreateIsNotOfferedAndTheClientHearsInvalidRequest() throws Exception {
        try (var closed = TestServer.start(Map.of("GATEHOUSE_REGISTRATION_ENABLED", "false"))) {
            var metadata =
                    closed.http.get("/.well-known/openid-configuration").send().json();
            assertThat(metadata.path("prompt_values_supported").toString())
                    .contains("\"login\"")
                    .doesNotContain("create");
            var client = BrowserFlow.register(closed, "web", CALLBACK);
            var started = client.start(x -> x.prompt(new Prompt(Prompt.Type.CREATE)));
            var r = new Browser(closed.base).get(started.request().toURI());
            var answer = AuthorizationResponse.parse(Browser.location(r));
            assertThat(answer.indicatesSuccess()).isFalse();
            assertThat(answer.toErrorResponse().getErrorObject().getCode()).isEqualTo("invalid_request");
            assertThat(answer.toErrorResponse().getErrorObject().getDescription())
                    .contains("prompt=create");
        }
    }
}
