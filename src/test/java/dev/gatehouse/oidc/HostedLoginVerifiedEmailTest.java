package dev.gatehouse.oidc;

import static dev.gatehouse.testkit.HttpJson.map;
import static dev.gatehouse.testkit.TestAccounts.PASSWORD;
import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.testkit.ServerTest;
import dev.gatehouse.testkit.TestAccounts;
import dev.gatehouse.testkit.TestServer;
import java.net.URI;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * GATEHOUSE_REQUIRE_VERIFIED_EMAIL=true holds on the hosted sign-in as on the API: the right password for an
 * unverified address gets the sign-in page with a 403 and its reason (audited), no SSO session and no code; a wrong
 * password still gets the answer an unknown address gets; once verified, the same browser signs in.
 */
@ServerTest
class HostedLoginVerifiedEmailTest {
    static final String CALLBACK = "http://localhost:9999/cb";
    static TestServer server;
    static TestAccounts accounts;
    static String clientId;

    @BeforeAll
    static void start() {
        server = TestServer.start(Map.of("GATEHOUSE_REQUIRE_VERIFIED_EMAIL", "true"));
        accounts = new TestAccounts(server);
        var r = server.registerClient(
                "client_name",
                "web",
                "grant_types",
                List.of("authorization_code"),
                "redirect_uris",
                List.of(CALLBACK),
                "scope",
                "openid email");
        clientId = r.text("client_id");
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static URI authorize() {
        return URI.create(server.base + "/oauth2/authorize?response_type=code&client_id=" + clientId
                + "&redirect_uri=" + CALLBACK + "&scope=openid%20email&state=s&code_challenge=" + "a".repeat(43)
                + "&code_challenge_method=S256");
    }

    @Test
    void whenTheAddressIsUnverified_thenTheHostedSignInStopsWithTheReasonUntilItIsVerified() throws Exception {
        String email = accounts.registered("hosted-unverified");
        var browser = new Browser(server.base);
        var page = browser.follow(browser.get(authorize()));
        assertThat(page.body()).contains("name=\"password\"");

        var refused = browser.signIn(page, email, PASSWORD);
        assertThat(refused.statusCode()).isEqualTo(403);
        assertThat(refused.body()).contains("Verify your email address before signing in");
        assertThat(refused.headers().allValues("Set-Cookie")).noneMatch(c -> c.startsWith("gh_sso="));
        assertThat(accounts.auditOf(accounts.idOf(email)))
                .filteredOn(e -> e.path("event_type").asText().equals("sso.login_failed"))
                .extracting(e -> e.path("reason").asText())
                .containsExactly("email_not_verified");

        var wrong = browser.signIn(browser.follow(browser.get(authorize())), email, "Not-The-Password-1");
        var unknown = browser.signIn(
                browser.follow(browser.get(authorize())), TestAccounts.email("nobody"), "Not-The-Password-1");
        assertThat(wrong.statusCode()).isEqualTo(400).isEqualTo(unknown.statusCode());

        String token = server.tokenFromMail(email, TestAccounts.isConfirm()); // the mail sent at registration
        assertThat(server.http
                        .post("/v1/auth/verify-email", map("token", token))
                        .status())
                .isEqualTo(200);

        var signedIn = browser.allowIfAsked(browser.signIn(browser.follow(browser.get(authorize())), email, PASSWORD));
        assertThat(signedIn.statusCode()).as(signedIn.body()).isIn(302, 303);
        assertThat(Browser.location(signedIn).toString()).startsWith(CALLBACK).contains("code=");
    }

    @Test
    void whenTheFirstMailIsLost_thenTheRefusedSignInLeadsToANewLinkThatKeepsThePassword() throws Exception {
        String email = accounts.registered("hosted-resend");
        server.tokenFromMail(email, TestAccounts.isConfirm()); // the registration's mail, lost
        var browser = new Browser(server.base);
        var refused = browser.signIn(browser.follow(browser.get(authorize())), email, PASSWORD);
        assertThat(refused.statusCode()).isEqualTo(403);
        assertThat(refused.body()).contains("<a href=\"/resend-verification\">Send the confirmation mail again</a>");

        var page = browser.get(URI.create(server.base + "/resend-verification"));
        assertThat(page.statusCode()).isEqualTo(200);
        HostedPagesTest.assertPageHeaders(page);
        HostedPagesTest.assertAccessible(page.body(), "en");
        var sent = resend(browser, page, email);
        var nobody = resend(
                browser, browser.get(URI.create(server.base + "/resend-verification")), TestAccounts.email("nobody"));
        assertThat(sent.statusCode()).isEqualTo(200).isEqualTo(nobody.statusCode());
        assertThat(sent.body()).contains("a new link is on its way").isEqualTo(nobody.body());
        // The registration's link and the new one.
        String token =
                accounts.tokensFromMails(email, TestAccounts.isConfirm(), 2).get(1);
        assertThat(server.http
                        .post("/v1/auth/verify-email", map("token", token))
                        .status())
                .isEqualTo(200);
        // The password the account was registered with still signs in.
        var signedIn = browser.allowIfAsked(browser.signIn(browser.follow(browser.get(authorize())), email, PASSWORD));
        assertThat(Browser.location(signedIn).toString()).startsWith(CALLBACK).contains("code=");
    }

    static java.net.http.HttpResponse<String> resend(
            Browser browser, java.net.http.HttpResponse<String> page, String email) throws Exception {
        return browser.post(
                URI.create(server.base + "/resend-verification"),
                Map.of("csrf", Browser.hidden(page.body(), "csrf"), "email", email));
    }
}
