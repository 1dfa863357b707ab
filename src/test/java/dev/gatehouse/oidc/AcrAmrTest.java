package dev.gatehouse.oidc;

import static dev.gatehouse.testkit.HttpJson.map;
import static dev.gatehouse.testkit.TestAccounts.PASSWORD;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.oauth2.sdk.AuthorizationCodeGrant;
import com.nimbusds.oauth2.sdk.AuthorizationResponse;
import com.nimbusds.oauth2.sdk.RefreshTokenGrant;
import com.nimbusds.oauth2.sdk.ResponseMode;
import com.nimbusds.oauth2.sdk.ResponseType;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.TokenRequest;
import com.nimbusds.oauth2.sdk.auth.ClientSecretBasic;
import com.nimbusds.oauth2.sdk.auth.Secret;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.id.State;
import com.nimbusds.oauth2.sdk.pkce.CodeChallengeMethod;
import com.nimbusds.oauth2.sdk.pkce.CodeVerifier;
import com.nimbusds.oauth2.sdk.token.RefreshToken;
import com.nimbusds.oauth2.sdk.util.URLUtils;
import com.nimbusds.openid.connect.sdk.AuthenticationRequest;
import com.nimbusds.openid.connect.sdk.Nonce;
import com.nimbusds.openid.connect.sdk.OIDCTokenResponse;
import com.nimbusds.openid.connect.sdk.OIDCTokenResponseParser;
import com.nimbusds.openid.connect.sdk.Prompt;
import com.nimbusds.openid.connect.sdk.claims.ACR;
import com.nimbusds.openid.connect.sdk.op.OIDCProviderMetadata;
import dev.gatehouse.mfa.TotpCodes;
import dev.gatehouse.testkit.ServerTest;
import dev.gatehouse.testkit.TestAccounts;
import dev.gatehouse.testkit.TestServer;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * ID tokens state the factors of the sign-in they come from ({@code amr}, RFC 8176) and its class ({@code acr}), also
 * when refreshed; {@code acr_values=urn:gatehouse:acr:mfa} makes a password-only SSO session give its second factor.
 */
@ServerTest
class AcrAmrTest {
    static final URI CALLBACK = URI.create("http://localhost:9999/cb");
    static final String MFA = "urn:gatehouse:acr:mfa";
    static final String PWD = "urn:gatehouse:acr:pwd";
    static TestServer server;
    static TestAccounts accounts;
    static ClientID client;
    static Secret secret;

    @BeforeAll
    static void start() {
        server = TestServer.start();
        accounts = new TestAccounts(server);
        var r = server.registerClient(TestServer.webClient(
                "web app", CALLBACK, "openid email offline_access", "authorization_code", "refresh_token"));
        client = new ClientID(r.text("client_id"));
        secret = new Secret(r.text("client_secret"));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** Turns TOTP on for {@code email} through the API; answers the base32 secret. */
    static String enableTotp(String email) {
        return accounts.enableTotp(accounts.signIn(email, PASSWORD).accessToken())
                .secret();
    }

    static AuthenticationRequest.Builder request(CodeVerifier verifier) {
        return new AuthenticationRequest.Builder(
                        ResponseType.CODE, new Scope("openid", "email", "offline_access"), client, CALLBACK)
                .endpointURI(URI.create(server.base + "/oauth2/authorize"))
                .state(new State())
                .nonce(new Nonce())
                .codeChallenge(verifier, CodeChallengeMethod.S256);
    }

    static boolean isSecondStep(HttpResponse<String> r) {
        return r.statusCode() == 200 && r.body().contains("name=\"mfa_token\"");
    }

    static HttpResponse<String> second(Browser b, HttpResponse<String> page, String code) throws Exception {
        return b.follow(b.post(
                URI.create(server.base + "/login/mfa"),
                Map.of(
                        "csrf", Browser.hidden(page.body(), "csrf"),
                        "return_to", Browser.hidden(page.body(), "return_to"),
                        "mfa_token", Browser.hidden(page.body(), "mfa_token"),
                        "methods", Browser.hidden(page.body(), "methods"),
                        "method", "totp",
                        "code", code)));
    }

    /** Consents when asked; answers the authorization response the browser is sent back with. */
    static AuthorizationResponse back(Browser b, HttpResponse<String> r) throws Exception {
        if (r.statusCode() == 200 && r.body().contains("name=\"decision\"")) r = b.consent(r, "allow");
        assertThat(r.statusCode()).as(r.body()).isIn(302, 303);
        return AuthorizationResponse.parse(Browser.location(r));
    }

    /** An authorization request demanding the MFA class with {@code prompt=none}; the answer the client gets. */
    static AuthorizationResponse askMfaWithoutInteraction(Browser b) throws Exception {
        return back(
                b,
                b.get(request(new CodeVerifier())
                        .acrValues(List.of(new ACR(MFA)))
                        .prompt(Prompt.Type.NONE)
                        .build()
                        .toURI()));
    }

    static OIDCTokenResponse tokens(com.nimbusds.oauth2.sdk.AuthorizationGrant grant) throws Exception {
        var response = OIDCTokenResponseParser.parse(new TokenRequest.Builder(
                        URI.create(server.base + "/oauth2/token"), new ClientSecretBasic(client, secret), grant)
                .build()
                .toHTTPRequest()
                .send());
        assertThat(response.indicatesSuccess()).as(String.valueOf(response)).isTrue();
        return (OIDCTokenResponse) response.toSuccessResponse();
    }

    static OIDCTokenResponse exchange(AuthorizationResponse r, CodeVerifier verifier) throws Exception {
        assertThat(r.indicatesSuccess()).as(String.valueOf(r)).isTrue();
        return tokens(new AuthorizationCodeGrant(r.toSuccessResponse().getAuthorizationCode(), CALLBACK, verifier));
    }

    static JWTClaimsSet idClaims(OIDCTokenResponse t) throws Exception {
        return t.getOIDCTokens().getIDToken().getJWTClaimsSet();
    }

    static JWTClaimsSet refreshed(OIDCTokenResponse t) throws Exception {
        RefreshToken rt = t.getOIDCTokens().getRefreshToken();
        assertThat(rt).isNotNull();
        return idClaims(tokens(new RefreshTokenGrant(rt)));
    }

    static String ssoCookie(Browser b) {
        return b.cookies.getCookieStore().getCookies().stream()
                .filter(c -> c.getName().equals("gh_sso"))
                .map(java.net.HttpCookie::getValue)
                .findFirst()
                .orElse(null);
    }

    @Test
    void whenThePasswordAloneSignsIn_thenThePasswordClassAndPwdAreStatedAlsoAfterRefresh() throws Exception {
        String email = accounts.registered("pwd");
        var b = new Browser(server.base);
        var verifier = new CodeVerifier();
        var login = b.follow(b.get(request(verifier).build().toURI()));

        var t = exchange(back(b, b.signIn(login, email, PASSWORD)), verifier);

        var claims = idClaims(t);
        assertThat(claims.getStringClaim("acr")).isEqualTo(PWD);
        assertThat(claims.getStringListClaim("amr")).containsExactly("pwd");
        server.clock.advance(Duration.ofMinutes(2));
        var again = refreshed(t);
        assertThat(again.getStringClaim("acr")).isEqualTo(PWD);
        assertThat(again.getStringListClaim("amr")).containsExactly("pwd");
    }

    @Test
    void whenPasswordAndTotpSignIn_thenTheMfaClassAndBothFactorsAreStatedAlsoAfterRefresh() throws Exception {
        String email = accounts.registered("totp");
        String totp = enableTotp(email);
        var b = new Browser(server.base);
        var verifier = new CodeVerifier();
        var page = b.signIn(b.follow(b.get(request(verifier).build().toURI())), email, PASSWORD);
        assertThat(isSecondStep(page)).as(page.body()).isTrue();

        var t = exchange(back(b, second(b, page, TotpCodes.at(totp, server.clock.instant()))), verifier);

        var claims = idClaims(t);
        assertThat(claims.getStringClaim("acr")).isEqualTo(MFA);
        assertThat(claims.getStringListClaim("amr")).containsExactlyInAnyOrder("pwd", "otp", "mfa");
        server.clock.advance(Duration.ofMinutes(2));
        var again = refreshed(t);
        assertThat(again.getStringClaim("acr")).isEqualTo(MFA);
        assertThat(again.getStringListClaim("amr")).containsExactlyInAnyOrder("pwd", "otp", "mfa");
        // OIDC Core §12.2: the original sign-in's time, the same subject and session, and no nonce.
        assertThat(again.getLongClaim("auth_time")).isEqualTo(claims.getLongClaim("auth_time"));
        assertThat(again.getSubject()).isEqualTo(claims.getSubject());
        assertThat(again.getStringClaim("sid")).isEqualTo(claims.getStringClaim("sid"));
        assertThat(again.getClaim("nonce")).isNull();
    }

    @Test
    void whenMfaIsAskedOfAPasswordOnlySession_thenTheTotpStepIsShownAndUpgradesTheSameSession() throws Exception {
        String email = accounts.registered("stepup");
        var b = new Browser(server.base);
        var first = new CodeVerifier();
        var login = b.follow(b.get(request(first).build().toURI()));
        var before = idClaims(exchange(back(b, b.signIn(login, email, PASSWORD)), first));
        assertThat(before.getStringClaim("acr")).isEqualTo(PWD);
        String totp = enableTotp(email); // after the browser signed in: its session stays password-only
        String cookieBefore = ssoCookie(b);

        // Without interaction nothing can give the second factor.
        var none = askMfaWithoutInteraction(b);
        assertThat(none.toErrorResponse().getErrorObject().getCode()).isEqualTo("login_required");
        // Posted back (form_post), the refusal's page speaks the request's ui_locales, as every refusal's does, also
        // when the request was pushed (RFC 9126) and the browser's URL carries none.
        var pushed = server.http
                .post("/oauth2/par")
                .header("Authorization", new ClientSecretBasic(client, secret).toHTTPAuthorizationHeader())
                .raw(
                        "application/x-www-form-urlencoded",
                        URLUtils.serializeParameters(request(new CodeVerifier())
                                        .acrValues(List.of(new ACR(MFA)))
                                        .prompt(Prompt.Type.NONE)
                                        .responseMode(ResponseMode.FORM_POST)
                                        .build()
                                        .toParameters())
                                + "&ui_locales=de")
                .send();
        assertThat(pushed.status()).as(pushed.body()).isEqualTo(201);
        var posted = b.get(URI.create(server.base + "/oauth2/authorize?client_id=" + client + "&request_uri="
                + java.net.URLEncoder.encode(pushed.text("request_uri"), java.nio.charset.StandardCharsets.UTF_8)));
        assertThat(posted.statusCode()).as(posted.body()).isEqualTo(200);
        assertThat(posted.body())
                .contains("<html lang=\"de\">")
                .contains(">Weiter</button>")
                .contains("value=\"login_required\"");

        server.clock.advance(Duration.ofMinutes(1));
        var verifier = new CodeVerifier();
        var page = b.follow(
                b.get(request(verifier).acrValues(List.of(new ACR(MFA))).build().toURI()));
        assertThat(isSecondStep(page)).as(page.body()).isTrue();
        assertThat(page.body()).doesNotContain("name=\"password\"");
        var wrong = second(b, page, TotpCodes.at(totp, server.clock.instant()).equals("000000") ? "1" : "000000");
        assertThat(wrong.statusCode()).isEqualTo(400);
        var after = idClaims(exchange(back(b, second(b, wrong, TotpCodes.at(totp, server.clock.instant()))), verifier));

        assertThat(after.getStringClaim("acr")).isEqualTo(MFA);
        assertThat(after.getStringListClaim("amr")).containsExactlyInAnyOrder("pwd", "otp", "mfa");
        assertThat(after.getSubject()).isEqualTo(before.getSubject());
        // A second factor alone is no re-authentication (OIDC Core §2: auth_time is when the End-User authenticated):
        // the step-up adds its factor to amr and acr, and auth_time stays the password sign-in's, a minute before.
        assertThat(after.getLongClaim("auth_time")).isEqualTo(before.getLongClaim("auth_time"));
        // The same SSO session, with a new cookie token: one known before the step-up does not gain it.
        assertThat(ssoCookie(b)).isNotNull().isNotEqualTo(cookieBefore);
        var stale = new Browser(server.base);
        var staleAnswer = AuthorizationResponse.parse(Browser.location(stale.http.send(
                java.net.http.HttpRequest.newBuilder(request(new CodeVerifier())
                                .prompt(Prompt.Type.NONE)
                                .build()
                                .toURI())
                        .header("Cookie", "gh_sso=" + cookieBefore)
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString())));
        assertThat(staleAnswer.toErrorResponse().getErrorObject().getCode()).isEqualTo("login_required");
        // Now the session meets the class: prompt=none gets a code at once.
        var v3 = new CodeVerifier();
        var silent = back(
                b,
                b.get(request(v3)
                        .acrValues(List.of(new ACR(MFA)))
                        .prompt(Prompt.Type.NONE)
                        .build()
                        .toURI()));
        assertThat(idClaims(exchange(silent, v3)).getStringClaim("acr")).isEqualTo(MFA);
    }

    @Test
    void whenMfaIsAskedOfAUserWithoutASecondFactor_thenPromptNoneIsUnmetAndInteractiveGetsThePasswordClass()
            throws Exception {
        String email = accounts.registered("nofactor");
        var b = new Browser(server.base);
        var first = new CodeVerifier();
        exchange(back(b, b.signIn(b.follow(b.get(request(first).build().toURI())), email, PASSWORD)), first);

        var unmet = askMfaWithoutInteraction(b);
        assertThat(unmet.toErrorResponse().getErrorObject().getCode()).isEqualTo("unmet_authentication_requirements");

        // acr_values are voluntary (OIDC Core §5.5.1.1): the user gets in and the token says what was reached.
        var verifier = new CodeVerifier();
        var claims = idClaims(exchange(
                back(
                        b,
                        b.follow(b.get(request(verifier)
                                .acrValues(List.of(new ACR(MFA)))
                                .build()
                                .toURI()))),
                verifier));
        assertThat(claims.getStringClaim("acr")).isEqualTo(PWD);
        assertThat(claims.getStringListClaim("amr")).containsExactly("pwd");
    }

    /** The sign-in codes mailed to {@code email}, once {@code count} arrived. */
    static List<String> mailedCodes(String email, int count) throws Exception {
        var code = java.util.regex.Pattern.compile("\\b(\\d{6})\\b");
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            var out = new java.util.ArrayList<String>();
            for (var m : accounts.matching(email, s -> s.contains("sign-in code"))) {
                var c = code.matcher(com.icegreen.greenmail.util.GreenMailUtil.getBody(m));
                if (c.find()) out.add(c.group(1));
            }
            if (out.size() >= count) return out;
            if (System.nanoTime() > deadline) throw new AssertionError("only " + out.size() + " codes mailed");
            Thread.sleep(25);
        }
    }

    /** Turns the mailed sign-in codes on through the API, for the account of a fresh {@code token}; its backup codes. */
    static List<String> enableEmailCodes(String token) {
        var r = server.http.post("/v1/auth/mfa/email/enable").bearer(token).send();
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        var codes = new java.util.ArrayList<String>();
        r.json().path("backup_codes").forEach(c -> codes.add(c.asText()));
        return codes;
    }

    /** On the hosted second step {@code page}, has a code mailed, then enters it; follows where that leads. */
    static HttpResponse<String> mailedCodeStep(Browser b, HttpResponse<String> page, String email) throws Exception {
        var sent = b.post(
                URI.create(server.base + "/login/mfa"),
                Map.of(
                        "csrf", Browser.hidden(page.body(), "csrf"),
                        "return_to", Browser.hidden(page.body(), "return_to"),
                        "mfa_token", Browser.hidden(page.body(), "mfa_token"),
                        "methods", Browser.hidden(page.body(), "methods"),
                        "method", "email",
                        "send_email", "1",
                        "code", ""));
        assertThat(sent.statusCode()).as(sent.body()).isEqualTo(200);
        assertThat(sent.body()).contains("We sent a code").contains("value=\"email\" checked");
        String code = mailedCodes(email, 1).get(0);
        return b.follow(b.post(
                URI.create(server.base + "/login/mfa"),
                Map.of(
                        "csrf", Browser.hidden(sent.body(), "csrf"),
                        "return_to", Browser.hidden(sent.body(), "return_to"),
                        "mfa_token", Browser.hidden(sent.body(), "mfa_token"),
                        "methods", Browser.hidden(sent.body(), "methods"),
                        "method", "email",
                        "code", code)));
    }

    /** Signs the browser in with a link mailed from the hosted {@code /magic-link} page; the answer to its button. */
    static HttpResponse<String> signInByLink(Browser b, String email) throws Exception {
        var ask = b.get(URI.create(server.base + "/magic-link"));
        assertThat(b.submit(ask, "/magic-link", Map.of("email", email)).statusCode())
                .isEqualTo(200);
        var page = b.get(server.linkFromMail(email, TestAccounts.isMagicLink()));
        return b.submit(page, "/magic-link", Map.of());
    }

    @Test
    void whenTheEmailCodeIsChosenOnTheHostedStep_thenItIsMailedAndCompletesAnMfaSignIn() throws Exception {
        String email = accounts.verified("emailcode");
        enableEmailCodes(accounts.signIn(email, PASSWORD).accessToken());
        var b = new Browser(server.base);
        var verifier = new CodeVerifier();
        var page = b.signIn(b.follow(b.get(request(verifier).build().toURI())), email, PASSWORD);
        assertThat(page.body()).contains("value=\"email\"").contains("name=\"send_email\"");

        var claims = idClaims(exchange(back(b, mailedCodeStep(b, page, email)), verifier));
        assertThat(claims.getStringClaim("acr")).isEqualTo(MFA);
        assertThat(claims.getStringListClaim("amr")).containsExactlyInAnyOrder("pwd", "otp", "mfa");
    }

    @Test
    void whenASignInLinkIsFollowedByAMailedCode_thenTheMailboxCountsOnceAndNoStepUpLoops() throws Exception {
        String email = accounts.verified("linkcode");
        var backupCodes = enableEmailCodes(accounts.signIn(email, PASSWORD).accessToken());
        var b = new Browser(server.base);
        var step = signInByLink(b, email);
        // The account has no second kind of factor but its backup codes: the mailed code is still asked, as the
        // account's second step.
        assertThat(step.body()).contains("value=\"email\"").contains("name=\"send_email\"");
        var done = mailedCodeStep(b, step, email);
        assertThat(done.statusCode()).as(done.body()).isEqualTo(200);

        var verifier = new CodeVerifier();
        var claims = idClaims(exchange(
                back(b, b.follow(b.get(request(verifier).build().toURI()))), verifier));
        assertThat(claims.getStringListClaim("amr")).containsExactly("otp");
        assertThat(claims.getStringClaim("acr")).isEqualTo(PWD);
        // A step-up offers what adds a second kind: the backup codes, not the mailbox again.
        var stepUp = b.follow(b.get(request(new CodeVerifier())
                .acrValues(List.of(new ACR(MFA)))
                .build()
                .toURI()));
        assertThat(isSecondStep(stepUp)).as(stepUp.body()).isTrue();
        assertThat(Browser.hidden(stepUp.body(), "methods")).isEqualTo("backup_code");

        // With the backup codes spent, nothing can add a second kind.
        for (String code : backupCodes) {
            String mfaToken = server.login(email, PASSWORD).text("mfa_token");
            assertThat(server.http
                            .post("/v1/auth/login/mfa/backup", Map.of("mfa_token", mfaToken, "code", code))
                            .status())
                    .isEqualTo(200);
        }
        var unmet = askMfaWithoutInteraction(b);
        assertThat(unmet.toErrorResponse().getErrorObject().getCode()).isEqualTo("unmet_authentication_requirements");
        // An interactive request gets in with the class reached, instead of going round the step-up for ever.
        var v2 = new CodeVerifier();
        var again = idClaims(exchange(
                back(
                        b,
                        b.get(request(v2)
                                .acrValues(List.of(new ACR(MFA)))
                                .build()
                                .toURI())),
                v2));
        assertThat(again.getStringClaim("acr")).isEqualTo(PWD);
    }

    @Test
    void whenTheAccountHasAnAppToo_thenASignInLinkAsksForTheAppAndNotTheMailboxAgain() throws Exception {
        String email = accounts.verified("linkapp");
        String token = accounts.signIn(email, PASSWORD).accessToken();
        enableEmailCodes(token);
        String totp = accounts.enableTotp(token).secret();
        var b = new Browser(server.base);
        var step = signInByLink(b, email);
        assertThat(Browser.hidden(step.body(), "methods")).contains("totp").doesNotContain("email");
        second(b, step, TotpCodes.at(totp, server.clock.instant()));

        var verifier = new CodeVerifier();
        var claims = idClaims(exchange(
                back(b, b.follow(b.get(request(verifier).build().toURI()))), verifier));
        assertThat(claims.getStringListClaim("amr")).containsExactlyInAnyOrder("otp", "mfa");
        assertThat(claims.getStringClaim("acr")).isEqualTo(MFA);
    }

    @Test
    void whenASignInLinkSessionStepsUp_thenTheTokenStatesTheLinkAndTheAppButNoPassword() throws Exception {
        String email = accounts.verified("linkstep");
        var b = new Browser(server.base);
        assertThat(signInByLink(b, email).statusCode()).isEqualTo(303);
        String totp = enableTotp(email); // after the browser signed in: its session stays one-factor

        var verifier = new CodeVerifier();
        var page = b.follow(
                b.get(request(verifier).acrValues(List.of(new ACR(MFA))).build().toURI()));
        assertThat(isSecondStep(page)).as(page.body()).isTrue();
        var claims = idClaims(exchange(back(b, second(b, page, TotpCodes.at(totp, server.clock.instant()))), verifier));

        assertThat(claims.getStringClaim("acr")).isEqualTo(MFA);
        assertThat(claims.getStringListClaim("amr")).containsExactlyInAnyOrder("otp", "mfa");
    }

    @Test
    void whenTheClientRegisteredDefaultAcrValues_thenTheyApplyToRequestsWithoutAcrValues() throws Exception {
        var body = TestServer.webClient("strict app", CALLBACK, "openid email", "authorization_code");
        body.put("default_acr_values", List.of(MFA));
        var strict = new ClientID(server.registerClient(body).text("client_id"));
        String email = accounts.registered("default-acr");
        var b = new Browser(server.base);
        var login = b.follow(b.get(request(new CodeVerifier()).build().toURI()));
        back(b, b.signIn(login, email, PASSWORD)); // a password-only session
        enableTotp(email);

        // OIDC Registration §2: the strict client's request names no acr_values, so its default asks for MFA.
        var strictRequest = new AuthenticationRequest.Builder(ResponseType.CODE, new Scope("openid"), strict, CALLBACK)
                .endpointURI(URI.create(server.base + "/oauth2/authorize"))
                .state(new State())
                .nonce(new Nonce())
                .codeChallenge(new CodeVerifier(), CodeChallengeMethod.S256);
        var page = b.follow(b.get(strictRequest.build().toURI()));
        assertThat(isSecondStep(page)).as(page.body()).isTrue();
        // The client without a default is answered from the password-only session as before.
        var verifier = new CodeVerifier();
        var plain = back(b, b.get(request(verifier).build().toURI()));
        assertThat(idClaims(exchange(plain, verifier)).getStringClaim("acr")).isEqualTo(PWD);
    }

    /**
     * Signs {@code b} in as {@code email} with the password alone, through an authorization request, then turns TOTP
     * on for the account, so that the browser's session stays password-only; the TOTP secret.
     */
    static String passwordOnlySessionWithTotp(Browser b, String email) throws Exception {
        var v = new CodeVerifier();
        exchange(back(b, b.signIn(b.follow(b.get(request(v).build().toURI())), email, PASSWORD)), v);
        return enableTotp(email);
    }

    /** The hosted step-up opened on demand (not sent there by a request) for {@code returnTo}: its second-step form. */
    static HttpResponse<String> stepUpPage(Browser b, String returnTo) throws Exception {
        var page = b.get(URI.create(server.base + "/login/mfa/step-up?return_to="
                + java.net.URLEncoder.encode(returnTo, java.nio.charset.StandardCharsets.UTF_8)));
        assertThat(isSecondStep(page)).as(page.body()).isTrue();
        return page;
    }

    /** Where {@code /oauth2/authorize} sent the browser to sign in: the request to come back to. */
    static String loginReturn(HttpResponse<String> toLogin) {
        var location = Browser.location(toLogin);
        assertThat(location.getPath()).isEqualTo("/login");
        return URLUtils.parseParameters(location.getRawQuery()).get("return_to").get(0);
    }

    /**
     * A request that needs an active re-authentication ({@code prompt=login}, {@code max_age}) sends the browser to
     * {@code /login}; opening the step-up there instead and giving only a TOTP code must not answer the request.
     */
    static void assertOnDemandStepUpIsNoReauthentication(Browser b, String totp, AuthenticationRequest.Builder request)
            throws Exception {
        String returnTo = loginReturn(b.get(request.build().toURI()));
        var stepped = b.follow(second(b, stepUpPage(b, returnTo), TotpCodes.at(totp, server.clock.instant())));

        // OIDC Core §3.1.2.1: the request is sent to sign in again, with the password.
        assertThat(stepped.statusCode()).as(stepped.body()).isEqualTo(200);
        assertThat(stepped.body()).contains("name=\"password\"");
        assertThat(stepped.request().uri().getPath()).isEqualTo("/login");
    }

    @Test
    void whenPromptLoginIsAnsweredWithAnOnDemandStepUp_thenThePasswordIsStillAsked() throws Exception {
        String email = accounts.registered("stepup-prompt");
        var b = new Browser(server.base);
        String totp = passwordOnlySessionWithTotp(b, email);
        server.clock.advance(Duration.ofMinutes(1));
        var verifier = new CodeVerifier();

        assertOnDemandStepUpIsNoReauthentication(b, totp, request(verifier).prompt(Prompt.Type.LOGIN));

        // The password (and, the session having both factors now, the step-up is not offered again: the page sends
        // the browser on) answers the request, with auth_time the time of that sign-in.
        String returnTo = loginReturn(
                b.get(request(verifier).prompt(Prompt.Type.LOGIN).build().toURI()));
        var onwards = b.get(URI.create(server.base + "/login/mfa/step-up?return_to="
                + java.net.URLEncoder.encode(returnTo, java.nio.charset.StandardCharsets.UTF_8)));
        assertThat(onwards.statusCode()).isEqualTo(303);
        assertThat(Browser.location(onwards).toString()).isEqualTo(server.base + returnTo);
        server.clock.advance(Duration.ofMinutes(1)); // a TOTP step is spent once
        var page = b.signIn(b.follow(b.get(URI.create(server.base + returnTo))), email, PASSWORD);
        assertThat(isSecondStep(page)).as(page.body()).isTrue();
        var claims = idClaims(exchange(back(b, second(b, page, TotpCodes.at(totp, server.clock.instant()))), verifier));
        assertThat(claims.getLongClaim("auth_time"))
                .isEqualTo(server.clock.instant().getEpochSecond());
    }

    @Test
    void whenPromptLoginAndMfaAreAskedOnATrustedDevice_thenThePasswordAndTheStepUpAnswerTheRequestOnce()
            throws Exception {
        String email = accounts.registered("stepup-trusted");
        String device = "trusted-" + java.util.UUID.randomUUID().toString().substring(0, 8);
        String totp = enableTotp(email);
        // Trusting needs a sign-in that passed the second factor, on the device trusted (ADR 0008).
        var first = server.http
                .post("/v1/auth/login")
                .header("X-Device-Id", device)
                .json(map("email", email, "password", PASSWORD))
                .send();
        var done = server.http
                .post("/v1/auth/login/mfa")
                .header("X-Device-Id", device)
                .json(map("mfa_token", first.text("mfa_token"), "code", TotpCodes.at(totp, server.clock.instant())))
                .send();
        assertThat(done.status()).as(done.body()).isEqualTo(200);
        server.clock.advance(Duration.ofSeconds(30)); // the step-up's code is of a later step
        var trust = server.http
                .post("/v1/devices/" + device + "/trust")
                .bearer(done.json().path("tokens").path("access_token").asText())
                .send();
        assertThat(trust.status()).as(trust.body()).isEqualTo(200);
        var b = new Browser(server.base);
        for (var c : List.of(
                new java.net.HttpCookie("gh_device", device),
                new java.net.HttpCookie("gh_device_trust", trust.text("trust_token")))) {
            c.setPath("/");
            b.cookies.getCookieStore().add(URI.create(server.base), c);
        }
        var verifier = new CodeVerifier();
        var login = b.follow(b.get(request(verifier)
                .prompt(Prompt.Type.LOGIN)
                .acrValues(List.of(new ACR(MFA)))
                .build()
                .toURI()));
        // The trusted device skips the second step of the sign-in, so the session is password-only...
        var signedIn = b.submitSignIn(login, email, PASSWORD);
        long signInTime = server.clock.instant().getEpochSecond();
        server.clock.advance(Duration.ofSeconds(2));
        var stepUp = b.follow(signedIn);
        // ...and the class the client asked for is a step-up (which a trusted device does not skip).
        assertThat(isSecondStep(stepUp)).as(stepUp.body()).isTrue();

        var claims =
                idClaims(exchange(back(b, second(b, stepUp, TotpCodes.at(totp, server.clock.instant()))), verifier));

        // The step-up keeps the sign-in's time, which this request's prompt=login asked for: it is answered, not sent
        // round to /login again.
        assertThat(claims.getStringClaim("acr")).isEqualTo(MFA);
        assertThat(claims.getStringListClaim("amr")).containsExactlyInAnyOrder("pwd", "otp", "mfa");
        assertThat(claims.getLongClaim("auth_time")).isEqualTo(signInTime);
    }

    @Test
    void whenMaxAgeIsAnsweredWithAnOnDemandStepUp_thenThePasswordIsStillAsked() throws Exception {
        String email = accounts.registered("stepup-maxage");
        var b = new Browser(server.base);
        String totp = passwordOnlySessionWithTotp(b, email);
        server.clock.advance(Duration.ofMinutes(5));

        assertOnDemandStepUpIsNoReauthentication(
                b, totp, request(new CodeVerifier()).maxAge(60));
    }

    @Test
    void whenTheBrowserSignsOutDuringAStepUp_thenItIsRefusedAndNoSessionOpens() throws Exception {
        String email = accounts.registered("stepup-logout");
        var b = new Browser(server.base);
        String totp = passwordOnlySessionWithTotp(b, email);
        var page = stepUpPage(
                b, request(new CodeVerifier()).build().toURI().toString().substring(server.base.length()));
        var confirm = b.follow(b.post(URI.create(server.base + "/oauth2/logout"), Map.of()));
        var out = b.post(URI.create(server.base + "/logout"), Map.of("csrf", Browser.hidden(confirm.body(), "csrf")));
        assertThat(out.body()).contains("You are signed out.");

        var stepped = second(b, page, TotpCodes.at(totp, server.clock.instant()));

        assertThat(stepped.statusCode()).as(stepped.body()).isEqualTo(400);
        assertThat(stepped.body()).contains("start again");
        assertThat(ssoCookie(b)).isNull();
        var none = askMfaWithoutInteraction(b);
        assertThat(none.toErrorResponse().getErrorObject().getCode()).isEqualTo("login_required");
    }

    @Test
    void whenAStepUpsMfaTokenIsPostedToTheApi_thenItIsAnUnknownTokenAndYieldsNoApiSession() throws Exception {
        String email = accounts.registered("stepup-api");
        var b = new Browser(server.base);
        String totp = passwordOnlySessionWithTotp(b, email);
        String mfaToken = Browser.hidden(stepUpPage(b, "/account/security").body(), "mfa_token");
        var unknown = server.http.post("/v1/auth/login/mfa", Map.of("mfa_token", "mfa_unknown", "code", "123456"));

        // ADR 0004: a browser session yields no /v1 tokens, also not through its step-up's pending login.
        var withCode = Map.of("mfa_token", mfaToken, "code", TotpCodes.at(totp, server.clock.instant()));
        // A well-formed assertion (its signature is never reached): the token is refused before it is read.
        var assertion = Map.of(
                "mfa_token",
                mfaToken,
                "id",
                "AAAA",
                "rawId",
                "AAAA",
                "type",
                "public-key",
                "response",
                Map.of("clientDataJSON", "e30", "authenticatorData", "AAAA", "signature", "AAAA"));
        for (var call : List.of(
                Map.entry("/v1/auth/login/mfa", withCode),
                Map.entry("/v1/auth/login/mfa/backup", Map.of("mfa_token", mfaToken, "code", "ABCD-EFGH-IJKL")),
                Map.entry("/v1/auth/login/mfa/email", withCode),
                Map.entry("/v1/auth/login/mfa/email/send", Map.of("mfa_token", mfaToken)),
                Map.entry("/v1/auth/login/mfa/setup", Map.of("mfa_token", mfaToken)),
                Map.entry("/v1/auth/login/mfa/webauthn/begin", Map.of("mfa_token", mfaToken)),
                Map.entry("/v1/auth/login/mfa/webauthn/finish", assertion))) {
            String path = call.getKey();
            var r = server.http.post(path, call.getValue());
            assertThat(r.status()).as(path + " " + r.body()).isEqualTo(unknown.status());
            assertThat(r.text("code")).as(path).isEqualTo(unknown.text("code"));
            assertThat(r.body()).doesNotContain("access_token");
        }
        // The step-up itself still completes, on the page.
        var page = stepUpPage(b, "/account/security");
        assertThat(second(b, page, TotpCodes.at(totp, server.clock.instant())).statusCode())
                .isEqualTo(200);
    }

    @Test
    void whenTheMailedCodeWasNotOfferedAfterASignInLink_thenItIsNeitherSentNorAccepted() throws Exception {
        String email = accounts.verified("linknoemail");
        String token = accounts.signIn(email, PASSWORD).accessToken();
        enableEmailCodes(token);
        accounts.enableTotp(token);
        var b = new Browser(server.base);
        var step = signInByLink(b, email);
        assertThat(Browser.hidden(step.body(), "methods")).doesNotContain("email");
        var form = new java.util.HashMap<String, String>(Map.of(
                "csrf", Browser.hidden(step.body(), "csrf"),
                "mfa_token", Browser.hidden(step.body(), "mfa_token"),
                "methods", "totp,email,backup_code",
                "method", "email",
                "code", ""));
        form.put("send_email", "1");

        var sent = b.post(URI.create(server.base + "/login/mfa"), form);

        assertThat(sent.statusCode()).as(sent.body()).isEqualTo(400);
        assertThat(sent.body()).doesNotContain("We sent a code");
        // Nor through the API's send, with the same pending login.
        var api = server.http.post("/v1/auth/login/mfa/email/send", Map.of("mfa_token", form.get("mfa_token")));
        assertThat(api.status()).as(api.body()).isEqualTo(409);
        Thread.sleep(300); // the outbox hands a mail to the worker after the commit
        assertThat(accounts.matching(email, m -> m.contains("sign-in code"))).isEmpty();
        assertThat(ssoCookie(b)).isNull();
    }

    @Test
    void whenTheStepUpPageIsOpenedWithoutASignIn_thenItAsksToStartAgain() throws Exception {
        var r = new Browser(server.base)
                .get(URI.create(server.base + "/login/mfa/step-up?return_to=%2Foauth2%2Fauthorize%3Fx%3D1"));

        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).contains("start again").doesNotContain("name=\"mfa_token\"");
    }

    @Test
    void whenDiscoveryIsRead_thenBothClassesAndTheirClaimsAreAdvertised() throws Exception {
        var meta = OIDCProviderMetadata.parse(
                server.http.get("/.well-known/openid-configuration").send().body());

        assertThat(meta.getACRs()).containsExactly(new ACR(PWD), new ACR(MFA));
        assertThat(meta.getClaims()).contains("acr", "amr");
    }
}
