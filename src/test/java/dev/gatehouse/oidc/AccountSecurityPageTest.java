package dev.gatehouse.oidc;

import static dev.gatehouse.testkit.HttpJson.map;
import static dev.gatehouse.testkit.TestAccounts.PASSWORD;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.oauth2.sdk.AuthorizationCodeGrant;
import com.nimbusds.oauth2.sdk.AuthorizationResponse;
import com.nimbusds.oauth2.sdk.RefreshTokenGrant;
import com.nimbusds.oauth2.sdk.ResponseType;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.TokenRequest;
import com.nimbusds.oauth2.sdk.TokenResponse;
import com.nimbusds.oauth2.sdk.auth.ClientSecretBasic;
import com.nimbusds.oauth2.sdk.auth.Secret;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.id.State;
import com.nimbusds.oauth2.sdk.pkce.CodeChallengeMethod;
import com.nimbusds.oauth2.sdk.pkce.CodeVerifier;
import com.nimbusds.openid.connect.sdk.AuthenticationRequest;
import com.nimbusds.openid.connect.sdk.Nonce;
import com.nimbusds.openid.connect.sdk.OIDCTokenResponseParser;
import dev.gatehouse.mfa.TotpCodes;
import dev.gatehouse.testkit.ServerTest;
import dev.gatehouse.testkit.SoftAuthenticator;
import dev.gatehouse.testkit.TestAccounts;
import dev.gatehouse.testkit.TestServer;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The hosted account page {@code /account/security} driven over real HTTP like a browser without JavaScript. */
@ServerTest
class AccountSecurityPageTest {
    static final String PAGE = "/account/security";
    static final ObjectMapper JSON = new ObjectMapper();
    static TestServer server;
    static TestAccounts accounts;

    @BeforeAll
    static void start() {
        server = TestServer.start();
        accounts = new TestAccounts(server);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** A browser signed in through the hosted /login, which returned it to the account page (shown in {@code page}). */
    record Visitor(Browser b, String email, HttpResponse<String> page) {}

    static Visitor signedIn(String email) throws Exception {
        return signedIn(email, null);
    }

    /** As {@link #signedIn(String)}, from a browser that sends {@code userAgent} (null: the HTTP client's own). */
    static Visitor signedIn(String email, String userAgent) throws Exception {
        var b = new Browser(server.base);
        b.userAgent = userAgent;
        var login = b.follow(b.get(URI.create(server.base + PAGE)));
        assertThat(login.request().uri().getPath()).isEqualTo("/login");
        var page = b.signIn(login, email, PASSWORD);
        assertThat(page.statusCode()).as(page.body()).isEqualTo(200);
        return new Visitor(b, email, page);
    }

    static HttpResponse<String> open(Browser b) throws Exception {
        return b.get(URI.create(server.base + PAGE));
    }

    /** Posts one of the page's forms with the CSRF token shown in {@code page}. */
    static HttpResponse<String> submit(Browser b, HttpResponse<String> page, String action, String... fields)
            throws Exception {
        var form = new HashMap<String, String>();
        for (int i = 0; i < fields.length; i += 2) form.put(fields[i], fields[i + 1]);
        return b.submit(page, PAGE + action, form);
    }

    static HttpResponse<String> json(Browser b, String path, String csrf, String body) throws Exception {
        var req = HttpRequest.newBuilder(URI.create(server.base + path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (csrf != null) req.header("X-CSRF-Token", csrf);
        return b.http.send(req.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Allows on the consent page, and redeems the code the client gets as a confidential client would. */
    static com.nimbusds.oauth2.sdk.token.Tokens allowAndRedeem(
            Browser b, HttpResponse<String> consentPage, ClientSecretBasic auth, URI callback, CodeVerifier verifier)
            throws Exception {
        var code = AuthorizationResponse.parse(Browser.location(b.submitConsent(consentPage, "allow")))
                .toSuccessResponse()
                .getAuthorizationCode();
        return OIDCTokenResponseParser.parse(new TokenRequest.Builder(
                                URI.create(server.base + "/oauth2/token"),
                                auth,
                                new AuthorizationCodeGrant(code, callback, verifier))
                        .build()
                        .toHTTPRequest()
                        .send())
                .toSuccessResponse()
                .getTokens();
    }

    /** The error a refresh with {@code tokens}' refresh token gets (null when it succeeds). */
    static String refreshError(ClientSecretBasic auth, com.nimbusds.oauth2.sdk.token.Tokens tokens) throws Exception {
        var refreshed = TokenResponse.parse(new TokenRequest.Builder(
                        URI.create(server.base + "/oauth2/token"),
                        auth,
                        new RefreshTokenGrant(tokens.getRefreshToken()))
                .build()
                .toHTTPRequest()
                .send());
        return refreshed.indicatesSuccess()
                ? null
                : refreshed.toErrorResponse().getErrorObject().getCode();
    }

    static String secretOn(HttpResponse<String> page) {
        var m = Pattern.compile("<code id=\"totp-secret\">([A-Z2-7]+)</code>").matcher(page.body());
        assertThat(m.find()).as(page.body()).isTrue();
        return m.group(1);
    }

    static List<String> backupCodesOn(HttpResponse<String> page) {
        var m = Pattern.compile("<li><code>([0-9a-z-]{19})</code></li>").matcher(page.body());
        var out = new ArrayList<String>();
        while (m.find()) out.add(m.group(1));
        return out;
    }

    static String notWanted(String secret) {
        return "000000".equals(TotpCodes.at(secret, server.clock.instant())) ? "111111" : "000000";
    }

    static void assertSecurityHeaders(HttpResponse<String> r) {
        assertThat(r.headers().firstValue("Cache-Control")).hasValue("no-store");
        assertThat(r.headers().firstValue("X-Frame-Options")).hasValue("DENY");
        assertThat(r.headers().firstValue("Content-Security-Policy").orElseThrow())
                .contains("default-src 'none'")
                .contains("script-src 'self'")
                .contains("img-src data:")
                .contains("frame-ancestors 'none'");
    }

    @Test
    void whenNotSignedIn_thenThePageSendsTheBrowserToSignInAndBack() throws Exception {
        var b = new Browser(server.base);
        var r = open(b);
        assertThat(r.statusCode()).isEqualTo(303);
        assertThat(Browser.location(r).getPath()).isEqualTo("/login");
        assertThat(Browser.location(r).getQuery()).isEqualTo("return_to=" + PAGE);

        var v = signedIn(accounts.registered("acct-login"));
        assertThat(v.page().request().uri().getPath()).isEqualTo(PAGE);
        assertThat(v.page().body())
                .contains("<html lang=\"en\">")
                .contains("<h1>Security</h1>")
                .contains("Signed in as " + v.email())
                .contains("href=\"/logout\"")
                .contains("<h2 id=\"totp-h\">Authenticator app</h2>")
                .contains("<label for=\"passkey-name\">")
                .contains("<script src=\"/account/security/passkeys.js\" defer></script>")
                .doesNotContain("onclick");
        assertSecurityHeaders(v.page());

        // The language asked for survives the sign-in.
        var german = new Browser(server.base);
        var toLogin = german.get(URI.create(server.base + PAGE + "?ui_locales=de"));
        assertThat(Browser.location(toLogin).getQuery())
                .isEqualTo("return_to=" + PAGE + "?ui_locales=de&ui_locales=de");
        var back = german.submitSignIn(german.follow(toLogin), accounts.registered("acct-de"), PASSWORD);
        assertThat(Browser.location(back)).hasPath(PAGE).hasQuery("ui_locales=de");
        assertThat(german.follow(back).body()).contains("<html lang=\"de\">");

        var script = v.b().get(URI.create(server.base + PAGE + "/passkeys.js"));
        assertThat(script.statusCode()).isEqualTo(200);
        assertThat(script.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/javascript");
        assertThat(script.body()).contains("navigator.credentials.create").contains("X-CSRF-Token");
    }

    @Test
    void whenTotpIsSetUpWithAWrongThenTheRightCode_thenItIsOnAndBackupCodesAreShownOnce() throws Exception {
        String email = accounts.registered("acct-totp");
        String userId = userOf(email);
        var v = signedIn(email);
        var setup = submit(v.b(), v.page(), "/totp/setup");
        assertThat(setup.statusCode()).isEqualTo(303);
        var shown = v.b().follow(setup);
        assertThat(shown.request().uri().getPath()).isEqualTo(PAGE + "/totp");
        assertThat(shown.body()).contains("<img id=\"totp-qr\" src=\"data:image/svg+xml;base64,");
        assertSecurityHeaders(shown);
        String secret = secretOn(shown);

        var wrong = submit(v.b(), shown, "/totp/enable", "code", notWanted(secret));
        assertThat(wrong.statusCode()).isEqualTo(400);
        assertThat(wrong.body()).contains("role=\"alert\">The code is not correct.");
        assertThat(secretOn(wrong)).as("the same key is shown again").isEqualTo(secret);
        var empty = submit(v.b(), wrong, "/totp/enable", "code", " ");
        assertThat(empty.statusCode()).isEqualTo(400);
        assertThat(empty.body()).contains("Enter the code.");

        var ok = submit(v.b(), wrong, "/totp/enable", "code", TotpCodes.at(secret, server.clock.instant()));
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
        assertThat(ok.body()).contains("The authenticator app is set up.");
        assertThat(backupCodesOn(ok)).hasSize(10);
        assertSecurityHeaders(ok);

        var page = open(v.b());
        assertThat(page.body())
                .contains("An authenticator app is set up")
                .contains("Unused backup codes left: 10")
                .doesNotContain(secret);
        assertThat(events(userId))
                .contains("mfa.totp_setup:success", "mfa.enable_failed:failure", "mfa.enabled:success");

        // Turning it off needs a current code too.
        server.clock.advance(Duration.ofSeconds(30));
        var off = submit(v.b(), page, "/totp/disable", "code", notWanted(secret));
        assertThat(off.statusCode()).isEqualTo(400);
        assertThat(off.body()).contains("The code is not correct.").contains("An authenticator app is set up");
        off = submit(v.b(), page, "/totp/disable", "code", TotpCodes.at(secret, server.clock.instant()));
        assertThat(off.statusCode()).isEqualTo(303);
        var after = v.b().follow(off);
        assertThat(after.body())
                .contains("role=\"status\">The authenticator app is turned off.")
                .contains("No authenticator app is set up.");
    }

    @Test
    void whenTheAccountsSecondFactorAttemptsAreSpent_thenThePageDoesNotTurnTotpOffEvenWithTheRightCode()
            throws Exception {
        try (var limited = TestServer.start(Map.of("GATEHOUSE_RATE_LIMITS", "on"))) {
            String email = new TestAccounts(limited).registered("acct-spent");
            var b = new Browser(limited.base);
            var page = b.signIn(b.follow(b.get(URI.create(limited.base + PAGE))), email, PASSWORD);
            var shown = b.follow(b.submit(page, PAGE + "/totp/setup", Map.of()));
            String secret = secretOn(shown);
            var enabled = b.submit(
                    shown, PAGE + "/totp/enable", Map.of("code", TotpCodes.at(secret, limited.clock.instant())));
            assertThat(enabled.statusCode()).as(enabled.body()).isEqualTo(200);
            limited.clock.advance(Duration.ofSeconds(30)); // the enabling code is spent
            String good = TotpCodes.at(secret, limited.clock.instant());
            String wrong = String.format("%06d", (Integer.parseInt(good) + 1) % 1_000_000);

            // Confirming was the account's first attempt; 19 wrong codes at API sign-ins (five a token) make twenty.
            String mfaToken = null;
            for (int n = 0; n < 19; n++) {
                if (n % 5 == 0) mfaToken = limited.login(email, PASSWORD).text("mfa_token");
                var r = limited.http.post("/v1/auth/login/mfa", map("mfa_token", mfaToken, "code", wrong));
                assertThat(r.status()).as("attempt %d", n + 2).isEqualTo(401);
            }

            var refused =
                    b.submit(b.get(URI.create(limited.base + PAGE)), PAGE + "/totp/disable", Map.of("code", good));
            assertThat(refused.statusCode()).isEqualTo(429);
            assertThat(refused.headers().firstValue("Retry-After")).isPresent();
            assertThat(refused.body())
                    .contains("Too many attempts. Please wait a few minutes and try again.")
                    .contains("An authenticator app is set up");
        }
    }

    @Test
    void whenBackupCodesAreRegenerated_thenTheNewSetIsShownOnceAndTheOldSetStopsWorking() throws Exception {
        var v = signedIn(accounts.registered("acct-backup"));
        var shown = v.b().follow(submit(v.b(), v.page(), "/totp/setup"));
        String secret = secretOn(shown);
        var enabled = submit(v.b(), shown, "/totp/enable", "code", TotpCodes.at(secret, server.clock.instant()));
        List<String> first = backupCodesOn(enabled);
        assertThat(first).hasSize(10);

        var page = open(v.b());
        var again = submit(v.b(), page, "/backup-codes");
        assertThat(again.statusCode()).isEqualTo(200);
        assertSecurityHeaders(again);
        List<String> second = backupCodesOn(again);
        assertThat(second).hasSize(10).doesNotContainAnyElementsOf(first);
        assertThat(open(v.b()).body()).doesNotContain(second.get(0)).contains("Unused backup codes left: 10");

        // The old set is gone: turning TOTP off with an old backup code fails, with a new one it works.
        var old = submit(v.b(), page, "/totp/disable", "code", first.get(0));
        assertThat(old.statusCode()).isEqualTo(400);
        var fresh = submit(v.b(), page, "/totp/disable", "code", second.get(0));
        assertThat(fresh.statusCode()).isEqualTo(303);
    }

    @Test
    void whenTheSignInIsOld_thenAddingAFactorSendsTheBrowserToSignInAgain() throws Exception {
        var v = signedIn(accounts.registered("acct-stale"));
        server.clock.advance(Duration.ofMinutes(16));
        var page = open(v.b());
        assertThat(page.statusCode()).isEqualTo(200);

        var r = submit(v.b(), page, "/totp/setup");
        assertThat(r.statusCode()).isEqualTo(303);
        assertThat(Browser.location(r).getPath()).isEqualTo("/login");
        assertThat(Browser.location(r).getQuery())
                .isEqualTo("return_to=" + PAGE + "?notice=signed_in_again&login_hint=" + v.email());
        var begin = json(v.b(), PAGE + "/passkeys/begin", Browser.hidden(page.body(), "csrf"), "{}");
        assertThat(begin.statusCode()).isEqualTo(401);
        assertThat(begin.body()).contains("login_required");

        // The sign-in page has the address filled in; signing in again makes the sign-in recent, and the page says
        // to make the change once more (it was not made).
        var login = v.b().follow(r);
        assertThat(login.body()).contains("value=\"" + v.email() + "\"");
        var back = v.b().signIn(login, v.email(), PASSWORD);
        assertThat(back.request().uri().getPath()).isEqualTo(PAGE);
        assertThat(back.body())
                .contains("You signed in again. Make your change once more.")
                .doesNotContain("totp-secret");
        var setup = submit(v.b(), back, "/totp/setup");
        assertThat(setup.statusCode()).isEqualTo(303);
        assertThat(v.b().follow(setup).body()).contains("totp-secret");
    }

    @Test
    void whenTheSignInIsOldAndOnlyASecondFactorIsGiven_thenAddingAFactorStillSendsTheBrowserToSignIn()
            throws Exception {
        var v = signedIn(accounts.registered("acct-stepup"));
        String secret = accounts.enableTotp(accounts.signIn(v.email(), PASSWORD).accessToken())
                .secret();
        server.clock.advance(Duration.ofMinutes(16));
        // The hosted step-up, opened on demand for this page: a TOTP code adds a factor to the session...
        var step = v.b().get(URI.create(server.base + "/login/mfa/step-up?return_to=" + PAGE));
        assertThat(step.body()).contains("name=\"mfa_token\"");
        var page = v.b().follow(v.b().post(
                        URI.create(server.base + "/login/mfa"),
                        Map.of(
                                "csrf", Browser.hidden(step.body(), "csrf"),
                                "return_to", PAGE,
                                "mfa_token", Browser.hidden(step.body(), "mfa_token"),
                                "methods", Browser.hidden(step.body(), "methods"),
                                "method", "totp",
                                "code", TotpCodes.at(secret, server.clock.instant()))));
        assertThat(page.request().uri().getPath()).as(page.body()).isEqualTo(PAGE);

        // ...but is no sign-in (ADR 0011): new backup codes still need the password again.
        var r = submit(v.b(), page, "/backup-codes");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(303);
        assertThat(Browser.location(r).getPath()).isEqualTo("/login");
    }

    @Test
    void whenEmailCodesAreTurnedOnAndOff_thenTheFirstFactorBringsBackupCodesShownOnce() throws Exception {
        String email = accounts.verified("acct-email");
        String userId = userOf(email);
        var v = signedIn(email);
        assertThat(v.page().body()).contains("Codes by email are off.");

        var on = submit(v.b(), v.page(), "/email/enable");
        assertThat(on.statusCode()).isEqualTo(200);
        assertThat(on.body()).contains("Codes by email are on.");
        assertThat(backupCodesOn(on)).hasSize(10);
        assertSecurityHeaders(on);
        var page = open(v.b());
        assertThat(page.body()).contains("Signing in can send a code").contains("Unused backup codes left: 10");

        var off = submit(v.b(), page, "/email/disable");
        assertThat(off.statusCode()).isEqualTo(303);
        assertThat(v.b().follow(off).body())
                .contains("role=\"status\">Codes by email are off.")
                .contains("You get backup codes when you set up a second factor.");
        assertThat(events(userId)).contains("mfa.enabled:success", "mfa.disabled:success");
    }

    @Test
    void whenEveryBackupCodeIsUsed_thenThePageWarnsUntilNewOnesAreMade() throws Exception {
        String email = accounts.verified("acct-no-codes");
        var userId = java.util.UUID.fromString(userOf(email));
        var v = signedIn(email);
        assertThat(backupCodesOn(submit(v.b(), v.page(), "/email/enable"))).hasSize(10);
        assertThat(open(v.b()).body()).doesNotContain("You have no backup codes left.");
        // As if the user had signed in with each of them.
        assertThat(server.database.update(
                        "UPDATE mfa_backup_codes SET used_at = CURRENT_TIMESTAMP WHERE user_id = ?", userId))
                .isEqualTo(10);

        var page = open(v.b());
        assertThat(page.body())
                .contains("Unused backup codes left: 0")
                .contains("<strong>You have no backup codes left. Create new ones, so that losing your second factor"
                        + " does not lock you out.</strong>");
        assertThat(backupCodesOn(submit(v.b(), page, "/backup-codes"))).hasSize(10);
        assertThat(open(v.b()).body())
                .contains("Unused backup codes left: 10")
                .doesNotContain("You have no backup codes left.");
    }

    @Test
    void whenTheProfileFormIsSaved_thenItsClaimsChangeAndABadPhoneNumberChangesNothing() throws Exception {
        String email = accounts.verified("acct-profile");
        String userId = userOf(email);
        var v = signedIn(email);
        assertThat(v.page().body())
                .contains("<h2 id=\"profile-h\">Profile</h2>")
                .contains("<label for=\"profile-phone-number\">Phone number</label>")
                .contains("autocomplete=\"tel\"");

        var saved = submit(
                v.b(),
                v.page(),
                "/profile",
                "given_name",
                "Ada",
                "family_name",
                "Lovelace",
                "nickname",
                "<b>Countess</b>",
                "phone_number",
                "+442071234567");
        assertThat(saved.statusCode()).isEqualTo(303);
        var page = v.b().follow(saved);
        assertThat(page.body())
                .contains("role=\"status\">Your profile was saved.")
                .contains("value=\"Ada\"")
                .contains("value=\"+442071234567\"")
                .contains("value=\"&lt;b&gt;Countess&lt;/b&gt;\"")
                .doesNotContain("<b>Countess");
        assertThat(events(userId)).contains("user.profile_updated:success");

        var bad = submit(v.b(), page, "/profile", "phone_number", "020 7123 4567", "nickname", "Ada");
        assertThat(bad.statusCode()).isEqualTo(422);
        assertThat(bad.body()).contains("Enter the phone number as +, the country code and the number");
        // What was typed comes back, the refused field marked; nothing was saved.
        assertThat(bad.body())
                .contains("aria-invalid=\"true\" value=\"020 7123 4567\"")
                .contains("value=\"Ada\"");
        var after = open(v.b()).body();
        assertThat(after).contains("value=\"+442071234567\"").contains("value=\"&lt;b&gt;Countess&lt;/b&gt;\"");
        // The text rule of userinfo (and of client names): a right-to-left override or a line separator would reach
        // every relying party's page; the form answers its usual error.
        for (String name : List.of("\u202Eevil", "a\u2028b")) {
            var misleading = submit(v.b(), page, "/profile", "nickname", name);
            assertThat(misleading.statusCode()).as(name).isEqualTo(422);
            assertThat(misleading.body()).as(name).contains("aria-invalid=\"true\"");
        }
        assertThat(open(v.b()).body()).contains("value=\"&lt;b&gt;Countess&lt;/b&gt;\"");

        // An empty field clears its claim; a field left out stays.
        var cleared = submit(v.b(), page, "/profile", "phone_number", "");
        assertThat(cleared.statusCode()).isEqualTo(303);
        assertThat(open(v.b()).body())
                .contains(
                        "id=\"profile-phone-number\" name=\"phone_number\" autocomplete=\"tel\" type=\"tel\" maxlength=\"16\" aria-describedby=\"profile-phone-hint\" value=\"\"")
                .contains("value=\"Ada\"");
    }

    @Test
    void whenTheCsrfTokenIsMissingOrWrong_thenTheFormIsRefusedWith403() throws Exception {
        var v = signedIn(accounts.registered("acct-csrf"));
        var noToken = v.b().post(URI.create(server.base + PAGE + "/totp/setup"), Map.of());
        assertThat(noToken.statusCode()).isEqualTo(403);
        assertThat(noToken.body()).contains("This form expired.");
        var wrong = v.b().post(URI.create(server.base + PAGE + "/email/enable"), Map.of("csrf", "x".repeat(43)));
        assertThat(wrong.statusCode()).isEqualTo(403);
        // Another browser's token (the cookie is per browser) does not work either.
        var other = signedIn(accounts.registered("acct-csrf2"));
        var foreign = submit(v.b(), other.page(), "/totp/setup");
        assertThat(foreign.statusCode()).isEqualTo(403);
        assertThat(open(v.b()).body()).doesNotContain("Continue the set-up");
        var json = json(v.b(), PAGE + "/passkeys/begin", null, "{}");
        assertThat(json.statusCode()).isEqualTo(403);
    }

    @Test
    void whenTheBrowserSaysAFormCameFromAnotherSite_thenItIsRefusedDespiteItsOwnToken() throws Exception {
        var v = signedIn(accounts.registered("acct-fetch-site"));
        v.b().fetchSite = "same-site";
        var form = submit(v.b(), v.page(), "/totp/setup");
        assertThat(form.statusCode()).isEqualTo(403);
        assertThat(form.body()).contains("This form expired.");
        assertThat(open(v.b()).body()).doesNotContain("Continue the set-up");
        // The page script's calls carry the token in a header; the browser's word counts there too.
        var req = HttpRequest.newBuilder(URI.create(server.base + PAGE + "/passkeys/begin"))
                .header("Content-Type", "application/json")
                .header("X-CSRF-Token", Browser.hidden(v.page().body(), "csrf"))
                .header("Sec-Fetch-Site", "cross-site")
                .POST(HttpRequest.BodyPublishers.ofString("{}"));
        assertThat(v.b().http
                        .send(req.build(), HttpResponse.BodyHandlers.ofString())
                        .statusCode())
                .isEqualTo(403);
        v.b().fetchSite = "same-origin";
        var setup = submit(v.b(), v.page(), "/totp/setup");
        assertThat(setup.statusCode()).isEqualTo(303);
        assertThat(Browser.location(setup).getPath()).isEqualTo(PAGE + "/totp");
    }

    @Test
    void whenAPasskeyIsRegisteredOnThePage_thenItIsListedRenamedAndDeletedThroughTheForms() throws Exception {
        String email = accounts.registered("acct-passkey");
        String userId = userOf(email);
        var v = signedIn(email);
        String csrf = Browser.hidden(v.page().body(), "csrf");
        var begin = json(v.b(), PAGE + "/passkeys/begin", csrf, "{}");
        assertThat(begin.statusCode()).as(begin.body()).isEqualTo(200);
        JsonNode options = JSON.readTree(begin.body());
        assertThat(options.path("publicKey").path("challenge").asText()).isNotBlank();
        ObjectNode credential = new SoftAuthenticator(server.base).create(options);
        credential.put("name", "Laptop <key>");
        var finish = json(v.b(), PAGE + "/passkeys/finish", csrf, credential.toString());
        assertThat(finish.statusCode()).as(finish.body()).isEqualTo(201);
        String id = JSON.readTree(finish.body()).path("id").asText();

        var page = open(v.b());
        assertThat(page.body()).contains("<h3>Laptop &lt;key&gt;</h3>").contains(PAGE + "/passkeys/" + id + "/delete");

        var blank = submit(v.b(), page, "/passkeys/" + id + "/rename", "name", "  ");
        assertThat(blank.statusCode()).isEqualTo(400);
        assertThat(blank.body()).contains("Enter a name of at most 100 characters, on one line");
        var renamed = submit(v.b(), page, "/passkeys/" + id + "/rename", "name", "Phone");
        assertThat(renamed.statusCode()).isEqualTo(303);
        assertThat(v.b().follow(renamed).body())
                .contains("The passkey was renamed.")
                .contains("<h3>Phone</h3>");

        var unknown = submit(v.b(), page, "/passkeys/not-a-uuid/delete");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.body()).contains("That item does not exist");
        var deleted = submit(v.b(), page, "/passkeys/" + id + "/delete");
        assertThat(deleted.statusCode()).isEqualTo(303);
        assertThat(v.b().follow(deleted).body())
                .contains("The passkey was removed.")
                .contains("No passkey or security key yet.");
        assertThat(events(userId))
                .contains("webauthn.registered:success", "webauthn.renamed:success", "webauthn.deleted:success");
    }

    /** An authorization request of {@code client} for {@code scope}, with a PKCE challenge of {@code verifier}. */
    static AuthenticationRequest authorization(ClientID client, URI callback, CodeVerifier verifier, String scope) {
        return new AuthenticationRequest.Builder(ResponseType.CODE, Scope.parse(scope), client, callback)
                .endpointURI(URI.create(server.base + "/oauth2/authorize"))
                .state(new State())
                .nonce(new Nonce())
                .codeChallenge(verifier, CodeChallengeMethod.S256)
                .build();
    }

    @Test
    void whenTheUserRemovesAnApplicationsAccess_thenItsRefreshTokenStopsAndItAsksForConsentAgain() throws Exception {
        URI callback = URI.create("http://localhost:9999/cb");
        // A scope of the administrator's, shown in the words the administrator gave it.
        String prints = "prints" + System.nanoTime();
        var created = server.http
                .post("/v1/admin/scopes")
                .bearer(server.adminToken())
                .json(Map.of("name", prints, "description", "Order prints of your photos"))
                .send();
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        var registered = server.registerClient(TestServer.webClient(
                "Photo Printer",
                callback,
                "openid email offline_access " + prints,
                "authorization_code",
                "refresh_token"));
        var client = new ClientID(registered.text("client_id"));
        var auth = new ClientSecretBasic(client, new Secret(registered.text("client_secret")));
        var v = signedIn(accounts.registered("acct-apps"));
        assertThat(v.page().body())
                .contains("<h2 id=\"apps-h\">Applications</h2>")
                .contains("No application has access to your account.");

        // The browser signed in on the account page consents, and the client redeems the code for a refresh token.
        var verifier = new CodeVerifier();
        var consentPage = v.b().follow(
                        v.b().get(authorization(client, callback, verifier, "openid email offline_access " + prints)
                                .toURI()));
        assertThat(consentPage.body()).contains("name=\"decision\"").contains("<li>Order prints of your photos</li>");
        var tokens = allowAndRedeem(v.b(), consentPage, auth, callback, verifier);
        assertThat(tokens.getRefreshToken()).isNotNull();

        var page = v.b().get(URI.create(server.base + PAGE));
        assertThat(page.body())
                .contains("<h3 id=\"app-0\">Photo Printer</h3>")
                .contains(
                        "<button type=\"submit\" aria-describedby=\"app-0\">Remove access and sign out there</button>")
                .contains("See your email address")
                .contains("<li>Order prints of your photos</li>")
                .contains("action=\"" + PAGE + "/apps/" + client.getValue() + "/revoke\"")
                .doesNotContain("No application has access to your account.")
                // The client's session is the application's, not a device of the user's (its address and browser
                // are the client's own server's): no device here, in the page or in the API.
                .contains("No devices yet.");
        var apiDevices = server.http
                .get("/v1/devices")
                .bearer(accounts.signIn(v.email(), PASSWORD).accessToken())
                .send();
        assertThat(apiDevices.status()).isEqualTo(200);
        assertThat(apiDevices.body()).doesNotContain("\"oauth\"").doesNotContain(client.getValue());
        // Remembered: the next request goes straight back to the client.
        var remembered = v.b().follow(v.b().get(authorization(client, callback, new CodeVerifier(), "openid email")
                .toURI()));
        assertThat(Browser.location(remembered).toString()).startsWith(callback.toString());

        var removed = submit(v.b(), page, "/apps/" + client.getValue() + "/revoke");
        assertThat(removed.statusCode()).isEqualTo(303);
        assertThat(v.b().follow(removed).body())
                .contains("The application&#39;s access was removed; it will ask again next time.")
                .contains("No application has access to your account.");
        assertThat(refreshError(auth, tokens)).isEqualTo("invalid_grant");
        var asked = v.b().follow(v.b().get(authorization(client, callback, new CodeVerifier(), "openid email")
                .toURI()));
        assertThat(asked.body()).contains("name=\"decision\"");

        // Nothing to remove: the page says so with a 404, in its own form.
        var unknown = submit(v.b(), page, "/apps/no-such-client/revoke");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.body()).contains("role=\"alert\"");
    }

    @Test
    void whenAnotherBrowserIsSignedIn_thenThePageListsItAndSignsItOutWithTheApplicationsSignedInThere()
            throws Exception {
        URI callback = URI.create("http://localhost:9999/cb");
        var registered = server.registerClient(TestServer.webClient(
                "Notes", callback, "openid offline_access", "authorization_code", "refresh_token"));
        var client = new ClientID(registered.text("client_id"));
        var auth = new ClientSecretBasic(client, new Secret(registered.text("client_secret")));
        String email = accounts.registered("acct-browsers");
        var laptop = signedIn(email);
        String firefoxOnAndroid = "Mozilla/5.0 (Android 15; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0";
        var phone = signedIn(email, firefoxOnAndroid);

        // The phone signs in to an application, which gets a refresh token in the phone's browser sign-in.
        var verifier = new CodeVerifier();
        var consent = phone.b()
                .follow(phone.b()
                        .get(authorization(client, callback, verifier, "openid").toURI()));
        var tokens = allowAndRedeem(phone.b(), consent, auth, callback, verifier);

        var page = open(laptop.b());
        var listed = Pattern.compile("action=\"" + PAGE + "/browsers/([0-9a-f-]{36})/sign-out\"")
                .matcher(page.body());
        assertThat(listed.find()).as(page.body()).isTrue();
        String phoneSession = listed.group(1);
        assertThat(listed.find()).as("no button for this browser").isFalse();
        assertThat(page.body())
                .contains("<h2 id=\"browsers-h\">Browsers signed in</h2>")
                .containsPattern("<h3 id=\"browser-[01]\">Java-http-client/[^<]* \\(this browser\\)</h3>")
                // A browser it knows is named by its browser and system, the whole header in the title.
                .containsPattern("<h3 id=\"browser-[01]\" title=\"" + Pattern.quote(firefoxOnAndroid)
                        + "\">Firefox on Android</h3>")
                .contains("from 127.0.0.1, last used")
                .containsPattern("aria-describedby=\"browser-[01]\">Sign out there</button>");
        // The phone's own page lists the same two, with the laptop's button.
        assertThat(open(phone.b()).body())
                .doesNotContain("/browsers/" + phoneSession + "/sign-out")
                .containsPattern("/browsers/[0-9a-f-]{36}/sign-out");

        var signedOut = submit(laptop.b(), page, "/browsers/" + phoneSession + "/sign-out");
        assertThat(signedOut.statusCode()).isEqualTo(303);
        var after = laptop.b().follow(signedOut);
        assertThat(after.body())
                .contains("That browser was signed out.")
                .doesNotContain("/browsers/" + phoneSession + "/sign-out")
                .doesNotContain("/sign-out\"");
        // The phone is signed out, and so is the application it signed in to there; the laptop is not.
        assertThat(Browser.location(open(phone.b())).getPath()).isEqualTo("/login");
        assertThat(refreshError(auth, tokens)).isEqualTo("invalid_grant");
        assertThat(open(laptop.b()).statusCode()).isEqualTo(200);
        // The audit log names the browser sign-in that ended.
        assertThat(server.http
                        .get("/v1/audit/logs?event_type=sso.logout")
                        .bearer(server.adminToken())
                        .send()
                        .body())
                .contains(phoneSession);

        // Signed out already, another account's, or no id at all: 404 on the page; without the CSRF token, 403.
        var stranger = signedIn(accounts.registered("acct-browsers-other"));
        var strangers = Pattern.compile("action=\"" + PAGE + "/browsers/([0-9a-f-]{36})/sign-out\"");
        var theirs = signedIn(stranger.email());
        var m = strangers.matcher(open(theirs.b()).body());
        assertThat(m.find()).isTrue();
        for (String id : List.of(phoneSession, m.group(1), "not-a-uuid")) {
            var refused = submit(laptop.b(), after, "/browsers/" + id + "/sign-out");
            assertThat(refused.statusCode()).as(id).isEqualTo(404);
            assertThat(refused.body()).contains("role=\"alert\"");
        }
        assertThat(open(stranger.b()).statusCode())
                .as("the other account stays signed in")
                .isEqualTo(200);
        var noCsrf =
                laptop.b().post(URI.create(server.base + PAGE + "/browsers/" + m.group(1) + "/sign-out"), Map.of());
        assertThat(noCsrf.statusCode()).isEqualTo(403);
    }

    @Test
    void whenDevicesAreListed_thenOneCanBeUntrustedAndAnotherRemovedWithItsSessions() throws Exception {
        String email = accounts.registered("acct-devices");
        var signedInBefore = signedIn(email);
        var tablet = accounts.signIn(email, PASSWORD, "X-Device-Id", "tablet-device-0002");
        // Trusting needs a sign-in that passed a second factor, on the device trusted (ADR 0008).
        String totp = accounts.enableTotp(tablet.accessToken()).secret();
        var first = server.http
                .post("/v1/auth/login")
                .header("X-Device-Id", "phone-device-0001")
                .json(map("email", email, "password", PASSWORD))
                .send();
        var phone = TestAccounts.signedIn(server.http
                .post("/v1/auth/login/mfa")
                .json(map("mfa_token", first.text("mfa_token"), "code", TotpCodes.at(totp, server.clock.instant())))
                .send());
        var trust = server.http
                .post("/v1/devices/phone-device-0001/trust")
                .bearer(phone.accessToken())
                .send();
        assertThat(trust.status()).as(trust.body()).isEqualTo(200);

        var v = new Visitor(signedInBefore.b(), email, open(signedInBefore.b()));
        assertThat(v.page().body())
                .contains(PAGE + "/devices/phone-device-0001/untrust")
                .contains(PAGE + "/devices/tablet-device-0002/remove")
                .containsPattern("<h3 id=\"(device-[01])\">[^<]*</h3>[\\s\\S]*aria-describedby=\"device-[01]\"")
                .doesNotContain(PAGE + "/devices/tablet-device-0002/untrust");

        var untrust = submit(v.b(), v.page(), "/devices/phone-device-0001/untrust");
        assertThat(untrust.statusCode()).isEqualTo(303);
        assertThat(v.b().follow(untrust).body()).contains("The device is no longer trusted.");
        var device = server.http
                .get("/v1/devices/phone-device-0001")
                .bearer(phone.accessToken())
                .send();
        assertThat(device.json().path("trusted").asBoolean()).isFalse();

        var remove = submit(v.b(), v.page(), "/devices/tablet-device-0002/remove");
        assertThat(remove.statusCode()).isEqualTo(303);
        assertThat(v.b().follow(remove).body()).contains("The device was removed and signed out.");
        assertThat(server.http
                        .get("/v1/devices")
                        .bearer(tablet.accessToken())
                        .send()
                        .status())
                .isEqualTo(401);
        assertThat(server.http
                        .get("/v1/devices")
                        .bearer(phone.accessToken())
                        .send()
                        .status())
                .isEqualTo(200);

        var unknown = submit(v.b(), v.page(), "/devices/nobody-device-9999/remove");
        assertThat(unknown.statusCode()).isEqualTo(404);
        var bad = submit(v.b(), v.page(), "/devices/%3Cscript%3E/untrust");
        assertThat(bad.statusCode()).isEqualTo(404);
        assertThat(bad.body()).doesNotContain("<script>");
    }

    @Test
    void whenTheInputIsBad_thenThePageAnswers4xxAndNever500() throws Exception {
        var v = signedIn(accounts.registered("acct-bad"));
        String csrf = Browser.hidden(v.page().body(), "csrf");

        var noSetup = v.b().get(URI.create(server.base + PAGE + "/totp"));
        assertThat(noSetup.statusCode()).isEqualTo(303);
        assertThat(Browser.location(noSetup).getPath()).isEqualTo(PAGE);
        var notOn = submit(v.b(), v.page(), "/totp/disable", "code", "123456");
        assertThat(notOn.statusCode()).isEqualTo(409);
        assertThat(notOn.body()).contains("role=\"alert\"");
        var longCode = submit(v.b(), v.page(), "/totp/disable", "code", "1".repeat(5000));
        assertThat(longCode.statusCode()).isEqualTo(400);
        var noFactor = submit(v.b(), v.page(), "/backup-codes");
        assertThat(noFactor.statusCode()).isEqualTo(409);
        assertThat(noFactor.body()).contains("Set up a second factor first.");
        var unverified = submit(v.b(), v.page(), "/email/enable");
        assertThat(unverified.statusCode()).isEqualTo(409);
        assertThat(unverified.body()).contains("Verify your email address");
        var notEnabled = submit(v.b(), v.page(), "/email/disable");
        assertThat(notEnabled.statusCode()).isEqualTo(409);
        var longName = submit(
                v.b(), v.page(), "/passkeys/" + java.util.UUID.randomUUID() + "/rename", "name", "n".repeat(101));
        assertThat(longName.statusCode()).isEqualTo(400);
        var noSuchKey = submit(v.b(), v.page(), "/passkeys/" + java.util.UUID.randomUUID() + "/rename", "name", "x");
        assertThat(noSuchKey.statusCode()).isEqualTo(404);

        var malformed = v.b().http
                .send(
                        HttpRequest.newBuilder(URI.create(server.base + PAGE + "/totp/disable"))
                                .header("Content-Type", "application/x-www-form-urlencoded")
                                .POST(HttpRequest.BodyPublishers.ofString("csrf=" + csrf + "&code=%zz%"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(malformed.statusCode()).isBetween(400, 499);
        for (String body :
                List.of("", "[]", "{", "{\"id\":1}", "{\"id\":\"a\",\"type\":\"public-key\",\"response\":{}}")) {
            var r = json(v.b(), PAGE + "/passkeys/finish", csrf, body);
            assertThat(r.statusCode()).as(body + " -> " + r.body()).isBetween(400, 499);
        }
        var notJson = v.b().post(URI.create(server.base + PAGE + "/passkeys/finish"), Map.of("csrf", csrf));
        assertThat(notJson.statusCode()).isBetween(400, 499);
    }

    @Test
    void whenTheVisitorAsksForGerman_thenThePageAndItsFormsSpeakGerman() throws Exception {
        var v = signedIn(accounts.registered("acct-de"));
        var page = v.b().get(URI.create(server.base + PAGE + "?ui_locales=de"));
        assertThat(page.body())
                .contains("<html lang=\"de\">")
                .contains("<h1>Sicherheit</h1>")
                .contains("<h2 id=\"profile-h\">Profil</h2>")
                .contains("Authenticator-App einrichten")
                .contains("Passkeys und Sicherheitsschlüssel")
                .contains("<h2 id=\"apps-h\">Anwendungen</h2>")
                .contains("name=\"ui_locales\" value=\"de\"");
        var setup = submit(v.b(), page, "/totp/setup", "ui_locales", "de");
        assertThat(Browser.location(setup).getQuery()).isEqualTo("ui_locales=de");
        var shown = v.b().follow(setup);
        assertThat(shown.body()).contains("Scannen Sie diesen QR-Code");
        var wrong = submit(v.b(), shown, "/totp/enable", "code", notWanted(secretOn(shown)), "ui_locales", "de");
        assertThat(wrong.body()).contains("Der Code ist nicht korrekt.");

        var byHeader = v.b().http
                .send(
                        HttpRequest.newBuilder(URI.create(server.base + PAGE))
                                .header("Accept-Language", "de-DE,de;q=0.9")
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(byHeader.body()).contains("<html lang=\"de\">").contains("Abmelden");
    }

    static String userOf(String email) {
        return accounts.signIn(email, PASSWORD).userId();
    }

    static List<String> events(String userId) {
        return accounts.auditOf(userId).stream()
                .map(e ->
                        e.path("event_type").asText() + ":" + e.path("outcome").asText())
                .toList();
    }
}
