package dev.gatehouse.oidc;

import static dev.gatehouse.testkit.HttpJson.map;
import static dev.gatehouse.testkit.TestAccounts.NEW_PASSWORD;
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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * An administrator's "require password change" holds on the hosted pages: a browser signing in for a client, or
 * already signed in, chooses a new password on /password-change before any client hears of the sign-in (no code, no
 * device approval; prompt=none gets interaction_required), then goes on to the request it was signing in for.
 */
@ServerTest
class PasswordChangeRequiredTest {
    static final URI CALLBACK = URI.create("http://localhost:9999/cb");
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

    static String flagged(String label) {
        String email = accounts.registered(label);
        var r = server.http
                .post("/v1/admin/users/" + accounts.idOf(email) + "/require-password-change")
                .bearer(server.adminToken())
                .send();
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return email;
    }

    static HttpResponse<String> submitChange(Browser b, HttpResponse<String> page, String current, String next)
            throws Exception {
        return b.submit(
                page,
                "/password-change",
                Map.of("current_password", current, "new_password", next, "confirm_password", next));
    }

    static boolean isChangePage(HttpResponse<String> r) {
        return r.uri().getPath().equals("/password-change")
                && r.body().contains("Your administrator asks you to choose a new password");
    }

    @Test
    void whenANewPasswordIsRequired_thenTheSignInAsksForItBeforeTheClientGetsACode() throws Exception {
        String email = flagged("required");
        var b = new Browser(server.base);
        var started = flow.start();

        var change = b.signIn(b.follow(b.get(started.uri())), email, PASSWORD);
        assertThat(change.statusCode()).isEqualTo(200);
        assertThat(isChangePage(change)).as(change.body()).isTrue();
        HostedPagesTest.assertPageHeaders(change);
        HostedPagesTest.assertAccessible(change.body(), "en");

        // Refusals change nothing and keep the form.
        var wrong = submitChange(b, change, "Not-The-Password-1", NEW_PASSWORD);
        assertThat(wrong.statusCode()).isEqualTo(400);
        assertThat(wrong.body()).contains("The current password is not correct.");
        assertThat(submitChange(b, wrong, PASSWORD, PASSWORD).body())
                .contains("The new password must differ from the current one.");
        var tooShort = submitChange(b, wrong, PASSWORD, "short");
        assertThat(tooShort.statusCode()).isEqualTo(400);
        assertThat(tooShort.body())
                .contains("The password must be at least 8 characters long.")
                .containsPattern("id=\"new_password\"[^>]*aria-invalid=\"true\"");
        // Going back to the client instead does not get a code either.
        assertThat(isChangePage(b.follow(b.get(started.uri())))).isTrue();

        var done = b.allowIfAsked(b.follow(submitChange(b, change, PASSWORD, NEW_PASSWORD)));
        URI landed = Browser.location(done);
        assertThat(landed.toString()).startsWith(CALLBACK.toString());
        var redeemed = flow.redeem(started, landed);
        assertThat(redeemed.idToken().getSubject().getValue()).isEqualTo(accounts.idOf(email));
        assertThat(redeemed.idToken().getStringListClaim("amr")).containsExactly("pwd");

        // The new password is the password; the requirement is gone.
        assertThat(server.http
                        .post("/v1/auth/login")
                        .json(map("email", email, "password", PASSWORD))
                        .send()
                        .status())
                .isEqualTo(401);
        String token = accounts.signIn(email, NEW_PASSWORD).accessToken();
        assertThat(server.http
                        .get("/v1/auth/password-status")
                        .bearer(token)
                        .send()
                        .json()
                        .path("password_change_required")
                        .asBoolean())
                .isFalse();
        // And the browser stays signed in: the next request goes straight to the client.
        var next = flow.start();
        var again = b.follow(b.get(next.uri()));
        assertThat(Browser.location(again).toString()).startsWith(CALLBACK.toString());
    }

    @Test
    void whenTheRequirementComesWhileSignedIn_thenPromptNoneIsRefusedAndTheDevicePageWaitsForIt() throws Exception {
        String email = accounts.registered("later");
        var b = new Browser(server.base);
        var first = flow.start();
        var signedIn = b.allowIfAsked(b.signIn(b.follow(b.get(first.uri())), email, PASSWORD));
        assertThat(Browser.location(signedIn).toString()).startsWith(CALLBACK.toString());

        var r = server.http
                .post("/v1/admin/users/" + accounts.idOf(email) + "/require-password-change")
                .bearer(server.adminToken())
                .send();
        assertThat(r.status()).isEqualTo(200);

        var silent = flow.start(x -> x.prompt(new Prompt(Prompt.Type.NONE)));
        var answer = AuthorizationResponse.parse(Browser.location(b.get(silent.uri())));
        assertThat(answer.indicatesSuccess()).isFalse();
        assertThat(answer.toErrorResponse().getErrorObject().getCode()).isEqualTo("interaction_required");

        var device = b.get(URI.create(server.base + "/device?user_code=BCDF-GHJK"));
        assertThat(device.statusCode()).isEqualTo(303);
        assertThat(Browser.location(device).toString())
                .isEqualTo(server.base + "/password-change?return_to=%2Fdevice%3Fuser_code%3DBCDF-GHJK");
        var change = b.follow(device);
        assertThat(isChangePage(change)).isTrue();
        var back = submitChange(b, change, PASSWORD, NEW_PASSWORD);
        assertThat(back.statusCode()).isEqualTo(303);
        assertThat(Browser.location(back).toString()).isEqualTo(server.base + "/device?user_code=BCDF-GHJK");
        assertThat(b.get(Browser.location(back)).body()).contains("name=\"user_code\"");
    }

    @Test
    void whenNotSignedIn_thenThePageSendsTheBrowserToSignIn() throws Exception {
        var b = new Browser(server.base);
        var r = b.get(URI.create(server.base + "/password-change?return_to=%2Faccount%2Fsecurity"));
        assertThat(r.statusCode()).isEqualTo(303);
        assertThat(Browser.location(r).toString()).isEqualTo(server.base + "/login?return_to=%2Faccount%2Fsecurity");
    }
}
