package dev.gatehouse.oidc;

import static dev.gatehouse.testkit.TestAccounts.PASSWORD;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.oauth2.sdk.AuthorizationResponse;
import com.nimbusds.oauth2.sdk.ResponseType;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.id.State;
import com.nimbusds.oauth2.sdk.pkce.CodeChallengeMethod;
import com.nimbusds.oauth2.sdk.pkce.CodeVerifier;
import com.nimbusds.openid.connect.sdk.AuthenticationRequest;
import com.nimbusds.openid.connect.sdk.Nonce;
import dev.gatehouse.mfa.TotpCodes;
import dev.gatehouse.testkit.ServerTest;
import dev.gatehouse.testkit.TestAccounts;
import dev.gatehouse.testkit.TestServer;
import java.net.URI;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The hosted /login asks an account with TOTP for its second factor before any SSO session exists. */
@ServerTest
class HostedLoginMfaTest {
    static final URI CALLBACK = URI.create("http://localhost:9999/cb");
    static TestServer server;
    static TestAccounts accounts;
    static ClientID client;

    @BeforeAll
    static void start() {
        server = TestServer.start();
        accounts = new TestAccounts(server);
        var r = server.registerClient(TestServer.webClient("web app", CALLBACK, "openid email", "authorization_code"));
        client = new ClientID(r.text("client_id"));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** A user with TOTP on; answers [email, base32 secret, first backup code]. */
    static String[] enrolled() {
        return enrolledOn(server, accounts);
    }

    /** A user of {@code server} with TOTP on; answers [email, base32 secret, first backup code]. */
    static String[] enrolledOn(TestServer server, TestAccounts accounts) {
        String email = accounts.registered("hosted");
        var totp = accounts.enableTotp(accounts.signIn(email, PASSWORD).accessToken());
        return new String[] {email, totp.secret(), totp.backupCodes().get(0)};
    }

    static URI authorizationRequest() {
        return new AuthenticationRequest.Builder(ResponseType.CODE, new Scope("openid", "email"), client, CALLBACK)
                .endpointURI(URI.create(server.base + "/oauth2/authorize"))
                .state(new State())
                .nonce(new Nonce())
                .codeChallenge(new CodeVerifier(), CodeChallengeMethod.S256)
                .build()
                .toURI();
    }

    /** Posts the second step's form shown in {@code page} to the browser's server. */
    static HttpResponse<String> second(Browser b, HttpResponse<String> page, String method, String code)
            throws Exception {
        return b.post(
                URI.create(b.base + "/login/mfa"),
                Map.of(
                        "csrf", Browser.hidden(page.body(), "csrf"),
                        "return_to", Browser.hidden(page.body(), "return_to"),
                        "mfa_token", Browser.hidden(page.body(), "mfa_token"),
                        "methods", Browser.hidden(page.body(), "methods"),
                        "method", method,
                        "code", code));
    }

    static boolean hasSsoCookie(Browser b) {
        return b.cookies.getCookieStore().getCookies().stream()
                .anyMatch(c -> c.getName().equals("gh_sso"));
    }

    @Test
    void whenThePasswordIsRight_thenTheSecondStepIsAskedAndNoSsoSessionExistsYet() throws Exception {
        String[] u = enrolled();
        var b = new Browser(server.base);
        var login = b.follow(b.get(authorizationRequest()));

        var page = b.signIn(login, u[0], PASSWORD);

        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("two-step sign-in").contains("name=\"mfa_token\"");
        assertThat(page.body()).contains("value=\"totp\"").contains("value=\"backup_code\"");
        assertThat(page.headers().firstValue("Cache-Control")).hasValue("no-store");
        assertThat(hasSsoCookie(b)).isFalse();
    }

    @Test
    void whenTheTotpCodeIsRight_thenTheBrowserReachesTheClientWithACode() throws Exception {
        String[] u = enrolled();
        var b = new Browser(server.base);
        var page = b.signIn(b.follow(b.get(authorizationRequest())), u[0], PASSWORD);

        var wrong =
                second(b, page, "totp", "000000".equals(TotpCodes.at(u[1], server.clock.instant())) ? "1" : "000000");
        assertThat(wrong.statusCode()).isEqualTo(400);
        assertThat(wrong.body()).contains("The code is not correct.");
        var r = b.follow(second(b, wrong, "totp", TotpCodes.at(u[1], server.clock.instant())));
        if (r.statusCode() == 200 && r.body().contains("name=\"decision\"")) r = b.consent(r, "allow");

        assertThat(r.statusCode()).as(r.body()).isIn(302, 303);
        var response = AuthorizationResponse.parse(Browser.location(r));
        assertThat(response.indicatesSuccess()).isTrue();
        assertThat(hasSsoCookie(b)).isTrue();
    }

    @Test
    void whenABackupCodeIsChosen_thenItCompletesTheSignIn() throws Exception {
        String[] u = enrolled();
        var b = new Browser(server.base);
        var page = b.signIn(b.follow(b.get(authorizationRequest())), u[0], PASSWORD);

        var r = second(b, page, "backup_code", u[2]);

        assertThat(r.statusCode()).as(r.body()).isEqualTo(303);
        assertThat(hasSsoCookie(b)).isTrue();
        // The authorization request answered in place (ADR 0021): no consent yet for this user, so on to it.
        assertThat(Browser.location(r).getPath()).isEqualTo("/consent");
    }

    @Test
    void whenFiveWrongCodesAreTried_thenThePageSendsTheUserBackToTheStart() throws Exception {
        String[] u = enrolled();
        var b = new Browser(server.base);
        var page = b.signIn(b.follow(b.get(authorizationRequest())), u[0], PASSWORD);
        String good = TotpCodes.at(u[1], server.clock.instant());
        String wrong = good.equals("000000") ? "111111" : "000000";
        for (int i = 0; i < 5; i++) page = second(b, page, "totp", wrong);

        var r = second(b, page, "totp", good);

        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).contains("Please start again");
        assertThat(hasSsoCookie(b)).isFalse();
    }

    @Test
    void whenTheCsrfTokenIsMissing_thenNothingIsChecked() throws Exception {
        String[] u = enrolled();
        var b = new Browser(server.base);
        var page = b.signIn(b.follow(b.get(authorizationRequest())), u[0], PASSWORD);

        var r = new Browser(server.base)
                .post(
                        URI.create(server.base + "/login/mfa"),
                        Map.of(
                                "mfa_token",
                                Browser.hidden(page.body(), "mfa_token"),
                                "code",
                                TotpCodes.at(u[1], server.clock.instant())));

        assertThat(r.statusCode()).isEqualTo(403);
        // the token is still good in the real browser
        assertThat(second(b, page, "totp", TotpCodes.at(u[1], server.clock.instant()))
                        .statusCode())
                .isEqualTo(303);
    }

    @Test
    void whenTheSecondStepIsOpenedAgain_thenTheBrowserGoesBackToTheSignInPage() throws Exception {
        var r = new Browser(server.base).get(URI.create(server.base + "/login/mfa"));
        assertThat(r.statusCode()).isEqualTo(303);
        assertThat(Browser.location(r).getPath()).isEqualTo("/login");
    }

    @Test
    void whenPolicyRequiresASecondFactorAndTheAccountHasNone_thenTheSecondStepSetsUpAnAuthenticatorApp()
            throws Exception {
        try (var strict = TestServer.start(java.util.Map.of("GATEHOUSE_MFA_REQUIRED", "true"))) {
            // The administrator enrols first too (through the API), to register the client.
            String adminMfa = strict.login(TestServer.ADMIN_EMAIL, TestServer.ADMIN_PASSWORD)
                    .text("mfa_token");
            String adminSecret = strict.http
                    .post("/v1/auth/login/mfa/setup", dev.gatehouse.testkit.HttpJson.map("mfa_token", adminMfa))
                    .text("secret");
            String admin = strict.http
                    .post(
                            "/v1/auth/login/mfa",
                            dev.gatehouse.testkit.HttpJson.map(
                                    "mfa_token", adminMfa, "code", TotpCodes.at(adminSecret, strict.clock.instant())))
                    .json()
                    .path("tokens")
                    .path("access_token")
                    .asText();
            strict.clock.advance(java.time.Duration.ofSeconds(30));
            var r = strict.registerClientAs(
                    admin, TestServer.webClient("strict app", CALLBACK, "openid email", "authorization_code"));
            var strictClient = new ClientID(r.text("client_id"));
            String email = new TestAccounts(strict).registered("hosted-enrol");
            var b = new Browser(strict.base);
            URI request = new AuthenticationRequest.Builder(
                            ResponseType.CODE, new Scope("openid", "email"), strictClient, CALLBACK)
                    .endpointURI(URI.create(strict.base + "/oauth2/authorize"))
                    .state(new State())
                    .nonce(new Nonce())
                    .codeChallenge(new CodeVerifier(), CodeChallengeMethod.S256)
                    .build()
                    .toURI();

            // The second step offers the set-up, not a code field no code could pass.
            var step = b.signIn(b.follow(b.get(request)), email, PASSWORD);
            assertThat(step.statusCode()).as(step.body()).isEqualTo(200);
            assertThat(step.body()).contains("action=\"/login/mfa/setup\"").doesNotContain("name=\"code\"");
            assertThat(hasSsoCookie(b)).isFalse();

            var setup = b.post(
                    URI.create(strict.base + "/login/mfa/setup"),
                    Map.of(
                            "csrf", Browser.hidden(step.body(), "csrf"),
                            "return_to", Browser.hidden(step.body(), "return_to"),
                            "mfa_token", Browser.hidden(step.body(), "mfa_token"),
                            "methods", Browser.hidden(step.body(), "methods")));
            assertThat(setup.statusCode()).as(setup.body()).isEqualTo(200);
            assertThat(setup.body()).contains("<img src=\"data:image/svg+xml").contains("name=\"code\"");
            assertThat(setup.headers().firstValue("Content-Security-Policy"))
                    .hasValueSatisfying(
                            csp -> assertThat(csp).contains("img-src data:").contains("default-src 'none'"));
            var key =
                    java.util.regex.Pattern.compile("<code>([A-Z2-7 ]+)</code>").matcher(setup.body());
            assertThat(key.find()).isTrue();
            String secret = key.group(1).replace(" ", "");

            String good = TotpCodes.at(secret, strict.clock.instant());
            var wrong = second(b, setup, "totp", "000000".equals(good) ? "111111" : "000000");
            assertThat(wrong.statusCode()).isEqualTo(400);
            assertThat(wrong.body()).contains("The code is not correct.").contains(key.group(1));

            var done = b.follow(second(b, wrong, "totp", good));
            if (done.statusCode() == 200 && done.body().contains("name=\"decision\"")) done = b.consent(done, "allow");
            assertThat(done.statusCode()).as(done.body()).isIn(302, 303);
            assertThat(AuthorizationResponse.parse(Browser.location(done)).indicatesSuccess())
                    .isTrue();
            assertThat(hasSsoCookie(b)).isTrue();
            // TOTP is on now: the next sign-in asks for a code.
            assertThat(strict.login(email, PASSWORD).json().path("methods").toString())
                    .contains("totp");
        }
    }
}
