package dev.gatehouse.oidc;

import static dev.gatehouse.testkit.TestAccounts.PASSWORD;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.oauth2.sdk.AuthorizationCodeGrant;
import com.nimbusds.oauth2.sdk.AuthorizationResponse;
import com.nimbusds.oauth2.sdk.ResponseType;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.TokenRequest;
import com.nimbusds.oauth2.sdk.auth.ClientSecretBasic;
import com.nimbusds.oauth2.sdk.auth.Secret;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.id.State;
import com.nimbusds.oauth2.sdk.pkce.CodeChallengeMethod;
import com.nimbusds.oauth2.sdk.pkce.CodeVerifier;
import com.nimbusds.openid.connect.sdk.AuthenticationRequest;
import com.nimbusds.openid.connect.sdk.Nonce;
import com.nimbusds.openid.connect.sdk.OIDCTokenResponse;
import com.nimbusds.openid.connect.sdk.OIDCTokenResponseParser;
import com.nimbusds.openid.connect.sdk.claims.ACR;
import dev.gatehouse.testkit.ServerTest;
import dev.gatehouse.testkit.SoftAuthenticator;
import dev.gatehouse.testkit.TestAccounts;
import dev.gatehouse.testkit.TestServer;
import java.net.URI;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * WebAuthn in the hosted sign-in, over real HTTP with a software authenticator: a passkey alone signs in through
 * {@code /oauth2/authorize} (the ID token states the key and {@code mfa}, so a demand for MFA needs no step-up), a
 * security key completes the hosted second step and a step-up, and a passkey that did not verify the user, wrong,
 * replayed, unbound or malformed assertions and missing CSRF tokens are refused with a 4xx page or problem.
 */
@ServerTest
class HostedPasskeyLoginTest {
    static final URI CALLBACK = URI.create("http://localhost:9999/cb");
    static final String MFA = "urn:gatehouse:acr:mfa";
    static final ObjectMapper JSON = new ObjectMapper();
    static TestServer server;
    static TestAccounts accounts;
    static ClientID client;
    static Secret secret;

    @BeforeAll
    static void start() {
        server = TestServer.start();
        accounts = new TestAccounts(server);
        var r = server.registerClient(TestServer.webClient("web app", CALLBACK, "openid email", "authorization_code"));
        client = new ClientID(r.text("client_id"));
        secret = new Secret(r.text("client_secret"));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** Registers a credential of {@code key} for a new account through the API; answers the account's email. */
    static String withKey(String label, SoftAuthenticator key) {
        return withKeyUser(label, key)[0];
    }

    /** As {@link #withKey}; answers the email and the user id. */
    static String[] withKeyUser(String label, SoftAuthenticator key) {
        String email = accounts.registered(label);
        var signedIn = accounts.signIn(email, PASSWORD);
        registerKey(signedIn.accessToken(), key);
        return new String[] {email, signedIn.userId()};
    }

    /** Registers a credential of {@code key} through the API, as the holder of {@code token}. */
    static void registerKey(String token, SoftAuthenticator key) {
        var begin = server.http
                .post("/v1/auth/mfa/webauthn/register/begin")
                .bearer(token)
                .send();
        var finish = server.http
                .post("/v1/auth/mfa/webauthn/register/finish")
                .bearer(token)
                .json(key.create(begin.json()))
                .send();
        assertThat(finish.status()).as(finish.body()).isEqualTo(201);
    }

    static AuthenticationRequest.Builder request(CodeVerifier verifier) {
        return new AuthenticationRequest.Builder(ResponseType.CODE, new Scope("openid", "email"), client, CALLBACK)
                .endpointURI(URI.create(server.base + "/oauth2/authorize"))
                .state(new State())
                .nonce(new Nonce())
                .codeChallenge(verifier, CodeChallengeMethod.S256);
    }

    /** The hosted login page a fresh browser is sent to by an authorization request. */
    static HttpResponse<String> loginPage(Browser b, CodeVerifier verifier) throws Exception {
        var page = b.follow(b.get(request(verifier).build().toURI()));
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("name=\"password\"");
        return page;
    }

    static HttpResponse<String> passkeyOptions(Browser b, HttpResponse<String> page) throws Exception {
        return b.post(
                URI.create(server.base + "/login/passkey/options"),
                Map.of(
                        "csrf", Browser.hidden(page.body(), "csrf"),
                        "return_to", Browser.hidden(page.body(), "return_to")));
    }

    static HttpResponse<String> passkeyFinish(Browser b, HttpResponse<String> page, String credential)
            throws Exception {
        return b.post(
                URI.create(server.base + "/login/passkey"),
                Map.of(
                        "csrf", Browser.hidden(page.body(), "csrf"),
                        "return_to", Browser.hidden(page.body(), "return_to"),
                        "credential", credential));
    }

    static JsonNode json(HttpResponse<String> r) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("application/json");
        return JSON.readTree(r.body());
    }

    /** Consents when asked; answers the authorization response the browser is sent back with. */
    static AuthorizationResponse back(Browser b, HttpResponse<String> r) throws Exception {
        r = b.follow(r);
        if (r.statusCode() == 200 && r.body().contains("name=\"decision\"")) r = b.consent(r, "allow");
        assertThat(r.statusCode()).as(r.body()).isIn(302, 303);
        return AuthorizationResponse.parse(Browser.location(r));
    }

    static JWTClaimsSet idToken(AuthorizationResponse r, CodeVerifier verifier) throws Exception {
        assertThat(r.indicatesSuccess()).as(String.valueOf(r)).isTrue();
        var response = OIDCTokenResponseParser.parse(new TokenRequest.Builder(
                        URI.create(server.base + "/oauth2/token"),
                        new ClientSecretBasic(client, secret),
                        new AuthorizationCodeGrant(r.toSuccessResponse().getAuthorizationCode(), CALLBACK, verifier))
                .build()
                .toHTTPRequest()
                .send());
        assertThat(response.indicatesSuccess()).as(String.valueOf(response)).isTrue();
        return ((OIDCTokenResponse) response.toSuccessResponse())
                .getOIDCTokens()
                .getIDToken()
                .getJWTClaimsSet();
    }

    static boolean hasSsoCookie(Browser b) {
        return b.cookies.getCookieStore().getCookies().stream()
                .anyMatch(c -> c.getName().equals("gh_sso"));
    }

    // ---- passwordless

    @Test
    void whenAPasskeySignsInAlone_thenTheClientGetsACodeAndTheIdTokenStatesTheKeyAndMfa() throws Exception {
        var key = new SoftAuthenticator(server.base);
        String email = withKey("passkey", key);
        var b = new Browser(server.base);
        var verifier = new CodeVerifier();
        var page = loginPage(b, verifier);
        // The button, hidden until the script (allowed by nonce only) finds WebAuthn; no inline handlers.
        String csp = page.headers().firstValue("Content-Security-Policy").orElseThrow();
        var nonce = Pattern.compile("script-src 'nonce-([A-Za-z0-9_-]{16,})'").matcher(csp);
        assertThat(nonce.find()).as(csp).isTrue();
        assertThat(csp)
                .containsPattern("script-src 'nonce-[A-Za-z0-9_-]+'(;|$)")
                .contains("connect-src 'self'")
                .contains("frame-ancestors 'none'");
        assertThat(page.body())
                .contains("Sign in with a passkey")
                .contains("data-webauthn-options=\"/login/passkey/options\"")
                .contains("nonce=\"" + nonce.group(1) + "\"")
                .doesNotContain("onclick");
        HostedPagesTest.assertPageHeaders(page);
        HostedPagesTest.assertAccessible(page.body(), "en");
        assertThat(page.body()).contains("<section data-webauthn-section hidden aria-label=\"Passkey\">");
        var script = b.get(URI.create(server.base + "/assets/login-webauthn.js"));
        assertThat(script.statusCode()).isEqualTo(200);
        assertThat(script.headers().firstValue("Content-Type").orElse("")).startsWith("text/javascript");
        assertThat(script.body()).contains("navigator.credentials.get");

        JsonNode options = json(passkeyOptions(b, page));
        assertThat(options.path("publicKey").path("allowCredentials")).isEmpty();
        assertThat(options.path("publicKey").path("userVerification").asText()).isEqualTo("required");
        assertThat(options.path("publicKey").path("rpId").asText()).isEqualTo("127.0.0.1");
        var signedIn = passkeyFinish(b, page, key.get(options).toString());
        assertThat(signedIn.statusCode()).as(signedIn.body()).isEqualTo(303);
        assertThat(hasSsoCookie(b)).isTrue();

        var claims = idToken(back(b, signedIn), verifier);
        assertThat(claims.getStringListClaim("amr")).containsExactly("hwk", "user", "mfa");
        assertThat(claims.getStringClaim("acr")).isEqualTo(MFA);
        assertThat(claims.getSubject()).isNotBlank();
        assertThat(email).isNotBlank();
    }

    @Test
    void whenPromptLoginAsksAPasskeySessionToSignInAgain_thenThePasskeyDoesAndTheSignInIsAudited() throws Exception {
        var key = new SoftAuthenticator(server.base);
        String userId = withKeyUser("again", key)[1];
        var b = new Browser(server.base);
        var v1 = new CodeVerifier();
        var page = loginPage(b, v1);
        var first = idToken(
                back(
                        b,
                        passkeyFinish(
                                b, page, key.get(json(passkeyOptions(b, page))).toString())),
                v1);
        server.clock.advance(java.time.Duration.ofMinutes(3));

        var v2 = new CodeVerifier();
        var again = b.follow(b.get(request(v2)
                .prompt(com.nimbusds.openid.connect.sdk.Prompt.Type.LOGIN)
                .build()
                .toURI()));
        assertThat(again.body()).contains("Sign in with a passkey");
        var second = idToken(
                back(
                        b,
                        passkeyFinish(
                                b,
                                again,
                                key.get(json(passkeyOptions(b, again))).toString())),
                v2);

        assertThat(second.getDateClaim("auth_time")).isAfter(first.getDateClaim("auth_time"));
        assertThat(second.getStringClaim("sid")).isNotBlank();
        assertThat(second.getStringListClaim("amr")).containsExactly("hwk", "user", "mfa");
        assertThat(accounts.auditOf(userId).stream()
                        .filter(e -> e.path("event_type").asText().equals("sso.login"))
                        .map(e -> e.path("details").path("method").asText())
                        .toList())
                .contains("passkey");
    }

    @Test
    void whenASyncedPasskeySignsIn_thenTheIdTokenSaysSwk() throws Exception {
        var key = new SoftAuthenticator(server.base).synced();
        withKey("synced", key);
        var b = new Browser(server.base);
        var verifier = new CodeVerifier();
        var page = loginPage(b, verifier);

        var signedIn =
                passkeyFinish(b, page, key.get(json(passkeyOptions(b, page))).toString());

        assertThat(idToken(back(b, signedIn), verifier).getStringListClaim("amr"))
                .containsExactly("swk", "user", "mfa");
    }

    @Test
    void whenTheAssertionIsReplayed_thenTheLoginPageRefusesItWith400() throws Exception {
        var key = new SoftAuthenticator(server.base);
        withKey("replay", key);
        var b = new Browser(server.base);
        var page = loginPage(b, new CodeVerifier());
        String assertion = key.get(json(passkeyOptions(b, page))).toString();
        assertThat(passkeyFinish(b, page, assertion).statusCode()).isEqualTo(303);

        var other = new Browser(server.base);
        var otherPage = loginPage(other, new CodeVerifier());
        json(passkeyOptions(other, otherPage)); // a live ceremony in that browser: the old assertion is not for it
        var replay = passkeyFinish(other, otherPage, assertion);

        assertThat(replay.statusCode()).isEqualTo(400);
        assertThat(replay.headers().firstValue("Content-Type").orElse("")).startsWith("text/html");
        assertThat(replay.body()).contains("role=\"alert\"").contains("The passkey sign-in expired");
        HostedPagesTest.assertPageHeaders(replay);
        HostedPagesTest.assertAccessible(replay.body(), "en");
        assertThat(replay.body()).doesNotContain("aria-invalid"); // the email and password were not at fault
        assertThat(hasSsoCookie(other)).isFalse();
    }

    @Test
    void whenAnUnregisteredKeyOrAnotherOriginSigns_thenTheLoginPageSaysItWasNotAccepted() throws Exception {
        var registered = new SoftAuthenticator(server.base);
        withKey("wrong", registered);
        // A key that made a credential this server never registered.
        var unknown = new SoftAuthenticator(server.base);
        unknown.create(registrationOptionsFor(unknown));
        var b = new Browser(server.base);
        var page = loginPage(b, new CodeVerifier());

        var r = passkeyFinish(
                b, page, unknown.get(json(passkeyOptions(b, page))).toString());
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).contains("This passkey was not accepted.");

        page = r; // the page again, with a fresh CSRF token
        var phished = passkeyFinish(
                b,
                page,
                registered
                        .origin("https://evil.example")
                        .get(json(passkeyOptions(b, page)))
                        .toString());
        registered.honest();
        assertThat(phished.statusCode()).isEqualTo(400);
        assertThat(phished.body()).contains("This passkey was not accepted.");
        assertThat(hasSsoCookie(b)).isFalse();
    }

    /** Creation options good enough for a credential the server never saw (its RP ID, a random user handle). */
    static JsonNode registrationOptionsFor(SoftAuthenticator key) throws Exception {
        return JSON.readTree("""
                {"rp":{"id":"127.0.0.1","name":"x"},"user":{"id":"AAAAAAAAAAAAAAAAAAAAAA","name":"x","displayName":"x"},
                 "challenge":"AAAA","pubKeyCredParams":[{"type":"public-key","alg":-7}]}""");
    }

    @Test
    void whenAnApiCeremonyIsFinishedOnThePage_thenItIsRefused() throws Exception {
        var key = new SoftAuthenticator(server.base);
        withKey("unbound", key);
        var api = server.http.post("/v1/auth/passkeys/login/begin").send();
        var b = new Browser(server.base);
        var page = loginPage(b, new CodeVerifier());

        var r = passkeyFinish(b, page, key.get(api.json()).toString());

        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(hasSsoCookie(b)).isFalse();
    }

    @Test
    void whenTheCsrfTokenIsMissingOrWrong_thenOptionsAndSignInAre403() throws Exception {
        var key = new SoftAuthenticator(server.base);
        withKey("csrf", key);
        var b = new Browser(server.base);
        var page = loginPage(b, new CodeVerifier());
        String returnTo = Browser.hidden(page.body(), "return_to");

        var noToken = b.post(URI.create(server.base + "/login/passkey/options"), Map.of("return_to", returnTo));
        assertThat(noToken.statusCode()).isEqualTo(403);
        assertThat(noToken.headers().firstValue("Content-Type").orElse("")).startsWith("application/problem+json");
        var wrong = b.post(
                URI.create(server.base + "/login/passkey/options"),
                Map.of("csrf", "not-the-token", "return_to", returnTo));
        assertThat(wrong.statusCode()).isEqualTo(403);

        String assertion = key.get(json(passkeyOptions(b, page))).toString();
        var finish = new Browser(server.base)
                .post(
                        URI.create(server.base + "/login/passkey"),
                        Map.of("return_to", returnTo, "credential", assertion));
        assertThat(finish.statusCode()).isEqualTo(403);
        assertThat(finish.headers().firstValue("Content-Type").orElse("")).startsWith("text/html");
        assertThat(finish.body()).contains("role=\"alert\"");
    }

    @Test
    void whenTheCredentialIsNotAnAssertion_thenTheLoginPageAnswers400NeverA500() throws Exception {
        var b = new Browser(server.base);
        var page = loginPage(b, new CodeVerifier());
        json(passkeyOptions(b, page));
        for (String bad : List.of(
                "{not json",
                "[]",
                "\"a string\"",
                "{}",
                "{\"id\":\"x\",\"type\":\"public-key\",\"response\":{}}",
                "{\"id\":1,\"type\":\"public-key\",\"response\":{}}",
                "{\"id\":\"x\",\"type\":\"public-key\",\"response\":{\"clientDataJSON\":\"!!\"}}",
                "x".repeat(20_000))) {
            var r = passkeyFinish(b, page, bad);
            assertThat(r.statusCode()).as(bad).isEqualTo(400);
            assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/html");
            assertThat(r.body()).as(bad).contains("This passkey was not accepted.");
            page = r;
        }
        var missing = b.post(
                URI.create(server.base + "/login/passkey"),
                Map.of(
                        "csrf",
                        Browser.hidden(page.body(), "csrf"),
                        "return_to",
                        Browser.hidden(page.body(), "return_to")));
        assertThat(missing.statusCode()).isEqualTo(400);
    }

    // ---- second factor

    static HttpResponse<String> keyOptions(Browser b, HttpResponse<String> page) throws Exception {
        return b.post(
                URI.create(server.base + "/login/mfa/webauthn/options"),
                Map.of(
                        "csrf", Browser.hidden(page.body(), "csrf"),
                        "mfa_token", Browser.hidden(page.body(), "mfa_token")));
    }

    static HttpResponse<String> keyFinish(Browser b, HttpResponse<String> page, String credential) throws Exception {
        var form = new HashMap<String, String>();
        for (String f : List.of("csrf", "return_to", "mfa_token", "methods"))
            form.put(f, Browser.hidden(page.body(), f));
        form.put("credential", credential);
        return b.post(URI.create(server.base + "/login/mfa/webauthn"), form);
    }

    @Test
    void whenASecurityKeyIsTheSecondFactor_thenTheHostedStepTakesItAndTheIdTokenStatesPwdKeyAndMfa() throws Exception {
        var key = new SoftAuthenticator(server.base).nonDiscoverable().withoutUserVerification();
        String email = withKey("second", key);
        var b = new Browser(server.base);
        var verifier = new CodeVerifier();
        var step = b.signIn(loginPage(b, verifier), email, PASSWORD);
        assertThat(step.statusCode()).isEqualTo(200);
        assertThat(step.body())
                .contains("name=\"mfa_token\"")
                .contains("data-webauthn-options=\"/login/mfa/webauthn/options\"")
                .contains("Use a security key or passkey")
                // The key is this account's only factor; its registration made backup codes, the step's other way.
                .contains("value=\"backup_code\"")
                .doesNotContain("value=\"totp\"");
        HostedPagesTest.assertPageHeaders(step);
        HostedPagesTest.assertAccessible(step.body(), "en");
        // The backup-code form works without script, so no "this needs JavaScript" note.
        assertThat(step.body()).doesNotContain("<noscript>");
        assertThat(hasSsoCookie(b)).isFalse();

        JsonNode options = json(keyOptions(b, step));
        assertThat(options.path("publicKey").path("allowCredentials")).hasSize(1);
        var r = keyFinish(b, step, key.get(options).toString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(303);

        var claims = idToken(back(b, r), verifier);
        assertThat(claims.getStringListClaim("amr")).containsExactly("pwd", "hwk", "user", "mfa");
        assertThat(claims.getStringClaim("acr")).isEqualTo(MFA);
    }

    @Test
    void whenAKeyOnlyAccountHasUsedEveryBackupCode_thenTheStepAsksForTheKeyAloneAndSaysItNeedsJavaScript()
            throws Exception {
        var key = new SoftAuthenticator(server.base).nonDiscoverable().withoutUserVerification();
        String[] user = withKeyUser("codes-gone", key);
        // As if the user had signed in with each of the registration's backup codes.
        assertThat(server.database.update(
                        "UPDATE mfa_backup_codes SET used_at = CURRENT_TIMESTAMP WHERE user_id = ?",
                        java.util.UUID.fromString(user[1])))
                .isEqualTo(10);
        var b = new Browser(server.base);
        var verifier = new CodeVerifier();
        var step = b.signIn(loginPage(b, verifier), user[0], PASSWORD);
        assertThat(step.statusCode()).isEqualTo(200);
        assertThat(step.body())
                .contains("data-webauthn-options=\"/login/mfa/webauthn/options\"")
                .doesNotContain("value=\"backup_code\"")
                .doesNotContain("name=\"code\"")
                // The section is hidden until the script finds WebAuthn; without script, this note is all there is.
                .contains("<noscript><p>A security key needs JavaScript. Turn it on, or start again and choose"
                        + " another way.</p></noscript>");
        HostedPagesTest.assertPageHeaders(step);
        HostedPagesTest.assertAccessible(step.body(), "en");

        var r = keyFinish(b, step, key.get(json(keyOptions(b, step))).toString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(303);
        assertThat(idToken(back(b, r), verifier).getStringListClaim("amr")).contains("pwd", "hwk", "mfa");
    }

    @Test
    void whenTheKeyIsWrongOrReplayed_thenTheStepRefusesItAndTheRightKeyStillWorks() throws Exception {
        var key = new SoftAuthenticator(server.base).nonDiscoverable();
        String email = withKey("second-wrong", key);
        var b = new Browser(server.base);
        var step = b.signIn(loginPage(b, new CodeVerifier()), email, PASSWORD);

        JsonNode options = json(keyOptions(b, step));
        ObjectNode forged = key.get(options);
        ((ObjectNode) forged.path("response")).put("signature", "MEUCIQCvY2Jm");
        var wrong = keyFinish(b, step, forged.toString());
        assertThat(wrong.statusCode()).isEqualTo(400);
        assertThat(wrong.body()).contains("The security key was not accepted.").contains("name=\"mfa_token\"");
        HostedPagesTest.assertPageHeaders(wrong);
        HostedPagesTest.assertAccessible(wrong.body(), "en");

        ObjectNode good = key.get(json(keyOptions(b, wrong)));
        assertThat(keyFinish(b, wrong, good.toString()).statusCode()).isEqualTo(303);
        // The same assertion again, on a new pending login with a live ceremony: its challenge is spent.
        var b2 = new Browser(server.base);
        var step2 = b2.signIn(loginPage(b2, new CodeVerifier()), email, PASSWORD);
        json(keyOptions(b2, step2));
        var replay = keyFinish(b2, step2, good.toString());
        assertThat(replay.statusCode()).isEqualTo(400);
        assertThat(replay.body()).contains("The security key was not accepted.");
        assertThat(hasSsoCookie(b2)).isFalse();
        // and on the spent pending login, from the browser that used it: start again
        var again = b.get(URI.create(server.base + "/login")); // a fresh CSRF token in that browser
        var spent = b.post(
                URI.create(server.base + "/login/mfa/webauthn"),
                Map.of(
                        "csrf", Browser.hidden(again.body(), "csrf"),
                        "return_to", Browser.hidden(wrong.body(), "return_to"),
                        "mfa_token", Browser.hidden(wrong.body(), "mfa_token"),
                        "credential", good.toString()));
        assertThat(spent.statusCode()).isEqualTo(400);
        assertThat(spent.body()).contains("Please start again");
    }

    @Test
    void whenTheSecondStepCsrfTokenIsMissing_thenOptionsAndFinishAre403() throws Exception {
        var key = new SoftAuthenticator(server.base).nonDiscoverable();
        String email = withKey("second-csrf", key);
        var b = new Browser(server.base);
        var step = b.signIn(loginPage(b, new CodeVerifier()), email, PASSWORD);
        String mfaToken = Browser.hidden(step.body(), "mfa_token");

        var options = new Browser(server.base)
                .post(URI.create(server.base + "/login/mfa/webauthn/options"), Map.of("mfa_token", mfaToken));
        assertThat(options.statusCode()).isEqualTo(403);
        String assertion = key.get(json(keyOptions(b, step))).toString();
        var finish = new Browser(server.base)
                .post(
                        URI.create(server.base + "/login/mfa/webauthn"),
                        Map.of("mfa_token", mfaToken, "credential", assertion));
        assertThat(finish.statusCode()).isEqualTo(403);
        // the real browser's step still completes
        assertThat(keyFinish(b, step, assertion).statusCode()).isEqualTo(303);
    }

    @Test
    void whenMfaIsAskedOfAPasswordOnlySession_thenTheSecurityKeyStepsItUp() throws Exception {
        String email = accounts.registered("stepup-key");
        var b = new Browser(server.base);
        var first = new CodeVerifier();
        var before = idToken(back(b, b.signIn(loginPage(b, first), email, PASSWORD)), first);
        assertThat(before.getStringListClaim("amr")).containsExactly("pwd");
        // the key is registered after this browser signed in: its session stays password-only
        var key = new SoftAuthenticator(server.base).nonDiscoverable();
        String token = accounts.signIn(email, PASSWORD).accessToken();
        var begin = server.http
                .post("/v1/auth/mfa/webauthn/register/begin")
                .bearer(token)
                .send();
        assertThat(server.http
                        .post("/v1/auth/mfa/webauthn/register/finish")
                        .bearer(token)
                        .json(key.create(begin.json()))
                        .send()
                        .status())
                .isEqualTo(201);

        var verifier = new CodeVerifier();
        var step = b.follow(
                b.get(request(verifier).acrValues(List.of(new ACR(MFA))).build().toURI()));
        assertThat(step.statusCode()).as(step.body()).isEqualTo(200);
        assertThat(step.body()).contains("/login/mfa/webauthn/options").doesNotContain("name=\"password\"");
        var r = keyFinish(b, step, key.get(json(keyOptions(b, step))).toString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(303);

        var after = idToken(back(b, r), verifier);
        assertThat(after.getStringClaim("acr")).isEqualTo(MFA);
        assertThat(after.getStringListClaim("amr")).contains("pwd", "hwk", "mfa");
        assertThat(after.getSubject()).isEqualTo(before.getSubject());
    }

    // ---- MFA asked of a passkey session

    /**
     * A new account with a credential of {@code key} and an authenticator app, both set up through the API under one
     * sign-in; answers the email.
     */
    static String withKeyAndTotp(String label, SoftAuthenticator key) {
        String email = accounts.registered(label);
        String token = accounts.signIn(email, PASSWORD).accessToken();
        registerKey(token, key);
        accounts.enableTotp(token);
        return email;
    }

    @Test
    void whenThePasskeyDidNotVerifyTheUser_thenTheHostedSignInRefusesItAndOpensNoSession() throws Exception {
        // Registration prefers user verification and takes the key without it; the sign-in requires it (ADR 0010).
        var key = new SoftAuthenticator(server.base).withoutUserVerification();
        withKeyAndTotp("no-uv", key);
        var b = new Browser(server.base);
        var page = loginPage(b, new CodeVerifier());

        var r = passkeyFinish(b, page, key.get(json(passkeyOptions(b, page))).toString());

        // So no session rests on the key's possession alone: one that would need a step-up to reach MFA (ADR 0032).
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/html");
        assertThat(r.body()).contains("This passkey was not accepted.").contains("name=\"password\"");
        assertThat(hasSsoCookie(b)).isFalse();
    }

    @ParameterizedTest(name = "synced: {0}")
    @ValueSource(booleans = {false, true})
    void whenMfaIsAskedOfAPasskeySession_thenItIsMetAtOnceAndNoAppCodeIsAsked(boolean synced) throws Exception {
        var key = synced ? new SoftAuthenticator(server.base).synced() : new SoftAuthenticator(server.base);
        String keyAmr = synced ? "swk" : "hwk";
        // The app is a factor of another kind: were the passkey session one factor, it would be stepped up with it.
        withKeyAndTotp("passkey-mfa-" + synced, key);
        var b = new Browser(server.base);
        var v1 = new CodeVerifier();
        var page = loginPage(b, v1);
        var signedIn = idToken(
                back(
                        b,
                        passkeyFinish(
                                b, page, key.get(json(passkeyOptions(b, page))).toString())),
                v1);
        assertThat(signedIn.getStringListClaim("amr")).containsExactly(keyAmr, "user", "mfa");

        // Without interaction: the class is met, so a code rather than login_required.
        var v2 = new CodeVerifier();
        var silent = idToken(
                back(
                        b,
                        b.get(request(v2)
                                .acrValues(List.of(new ACR(MFA)))
                                .prompt(com.nimbusds.openid.connect.sdk.Prompt.Type.NONE)
                                .build()
                                .toURI())),
                v2);
        // Interactive: straight back to the client, not through the hosted step-up.
        var v3 = new CodeVerifier();
        var asked = b.get(request(v3).acrValues(List.of(new ACR(MFA))).build().toURI());
        assertThat(asked.statusCode()).as(asked.body()).isIn(302, 303);
        assertThat(Browser.location(asked).getPath()).doesNotStartWith("/login");
        var interactive = idToken(back(b, asked), v3);

        for (var claims : List.of(silent, interactive)) {
            assertThat(claims.getStringClaim("acr")).isEqualTo(MFA);
            assertThat(claims.getStringListClaim("amr")).containsExactly(keyAmr, "user", "mfa");
            assertThat(claims.getSubject()).isEqualTo(signedIn.getSubject());
            // The passkey's sign-in itself: nothing was signed in again.
            assertThat(claims.getLongClaim("auth_time")).isEqualTo(signedIn.getLongClaim("auth_time"));
        }
    }

    @Test
    void whenTheLoginPageIsShownInGerman_thenThePasskeyButtonIsGerman() throws Exception {
        var b = new Browser(server.base);
        var page = b.get(URI.create(server.base + "/login?ui_locales=de"));
        assertThat(page.body())
                .contains("Mit einem Passkey anmelden")
                .contains("<html lang=\"de\">")
                .contains("data-msg-cancelled=\"Die Anfrage wurde abgebrochen");
        HostedPagesTest.assertAccessible(page.body(), "de");
    }
}
