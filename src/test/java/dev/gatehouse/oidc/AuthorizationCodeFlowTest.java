package dev.gatehouse.oidc;

import static dev.gatehouse.testkit.HttpJson.map;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.oauth2.sdk.AuthorizationCode;
import com.nimbusds.oauth2.sdk.AuthorizationCodeGrant;
import com.nimbusds.oauth2.sdk.AuthorizationResponse;
import com.nimbusds.oauth2.sdk.ClientCredentialsGrant;
import com.nimbusds.oauth2.sdk.RefreshTokenGrant;
import com.nimbusds.oauth2.sdk.ResponseType;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.TokenIntrospectionRequest;
import com.nimbusds.oauth2.sdk.TokenIntrospectionResponse;
import com.nimbusds.oauth2.sdk.TokenRequest;
import com.nimbusds.oauth2.sdk.TokenResponse;
import com.nimbusds.oauth2.sdk.auth.ClientSecretBasic;
import com.nimbusds.oauth2.sdk.auth.Secret;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.id.Issuer;
import com.nimbusds.oauth2.sdk.id.State;
import com.nimbusds.oauth2.sdk.pkce.CodeChallengeMethod;
import com.nimbusds.oauth2.sdk.pkce.CodeVerifier;
import com.nimbusds.oauth2.sdk.token.BearerAccessToken;
import com.nimbusds.oauth2.sdk.token.RefreshToken;
import com.nimbusds.openid.connect.sdk.AuthenticationRequest;
import com.nimbusds.openid.connect.sdk.Nonce;
import com.nimbusds.openid.connect.sdk.OIDCTokenResponse;
import com.nimbusds.openid.connect.sdk.OIDCTokenResponseParser;
import com.nimbusds.openid.connect.sdk.UserInfoRequest;
import com.nimbusds.openid.connect.sdk.UserInfoResponse;
import com.nimbusds.openid.connect.sdk.op.OIDCProviderMetadata;
import com.nimbusds.openid.connect.sdk.validators.IDTokenValidator;
import dev.gatehouse.testkit.ServerTest;
import dev.gatehouse.testkit.TestServer;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Authorization code + PKCE through the hosted login, driven by the Nimbus SDK as an independent client. */
@ServerTest
class AuthorizationCodeFlowTest {
    static final URI CALLBACK = URI.create("http://localhost:9999/cb");
    static final String PASSWORD = "Correct-Horse-Battery-9";
    static TestServer server;
    static String admin;
    static URI authorizeUri;
    static URI tokenUri;

    @BeforeAll
    static void start() {
        server = TestServer.start();
        admin = server.adminToken();
        authorizeUri = URI.create(server.base + "/oauth2/authorize");
        tokenUri = URI.create(server.base + "/oauth2/token");
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    record Client(ClientID id, Secret secret) {
        ClientSecretBasic auth() {
            return new ClientSecretBasic(id, secret);
        }
    }

    static Client register(Map<String, Object> extra) {
        var body = TestServer.webClient(
                "web app", CALLBACK, "openid profile email offline_access", "authorization_code", "refresh_token");
        body.putAll(extra);
        var r = server.registerClientAs(admin, body);
        return new Client(new ClientID(r.text("client_id")), new Secret(r.text("client_secret")));
    }

    static Client register() {
        return register(Map.of());
    }

    /**
     * An operator's change of an account's status in the database: the API has no call that disables an account yet.
     */
    static void setStatus(String email, String status) {
        assertThat(server.database.update("UPDATE users SET status = ? WHERE email = ?", status, email))
                .isEqualTo(1);
    }

    static String newUser() {
        return server.register("u" + System.nanoTime() + "@example.com", PASSWORD);
    }

    static AuthenticationRequest.Builder request(Client c, CodeVerifier verifier, Nonce nonce) {
        return new AuthenticationRequest.Builder(
                        ResponseType.CODE, new Scope("openid", "email", "offline_access"), c.id(), CALLBACK)
                .endpointURI(authorizeUri)
                .state(new State())
                .nonce(nonce)
                .codeChallenge(verifier, CodeChallengeMethod.S256);
    }

    /** Runs the browser part and returns the client's redirect, signing in if the login page appears. */
    static URI authorize(Browser b, URI authorizationRequest, String email) throws Exception {
        var r = b.follow(b.get(authorizationRequest));
        if (r.statusCode() == 200 && r.body().contains("name=\"password\"")) r = b.signIn(r, email, PASSWORD);
        if (r.statusCode() == 200 && r.body().contains("name=\"decision\"")) r = b.consent(r, "allow");
        assertThat(r.statusCode()).as(r.body()).isIn(302, 303);
        return Browser.location(r);
    }

    record Flow(Client client, CodeVerifier verifier, Nonce nonce, AuthorizationCode code) {}

    static Flow codeFor(Client c, String email) throws Exception {
        var verifier = new CodeVerifier();
        var nonce = new Nonce();
        var req = request(c, verifier, nonce).build();
        var response = AuthorizationResponse.parse(authorize(new Browser(server.base), req.toURI(), email));
        assertThat(response.indicatesSuccess()).isTrue();
        assertThat(response.getState()).isEqualTo(req.getState());
        return new Flow(c, verifier, nonce, response.toSuccessResponse().getAuthorizationCode());
    }

    static TokenResponse exchange(Client as, AuthorizationCode code, URI redirect, CodeVerifier verifier)
            throws Exception {
        var request = new TokenRequest.Builder(
                        tokenUri, as.auth(), new AuthorizationCodeGrant(code, redirect, verifier))
                .build();
        return OIDCTokenResponseParser.parse(request.toHTTPRequest().send());
    }

    static TokenResponse refresh(Client as, RefreshToken token, Scope scope) throws Exception {
        return TokenResponse.parse(new TokenRequest(tokenUri, as.auth(), new RefreshTokenGrant(token), scope)
                .toHTTPRequest()
                .send());
    }

    static boolean active(Client as, BearerAccessToken token) throws Exception {
        var r = TokenIntrospectionResponse.parse(
                new TokenIntrospectionRequest(URI.create(server.base + "/oauth2/introspect"), as.auth(), token)
                        .toHTTPRequest()
                        .send());
        return r.toSuccessResponse().isActive();
    }

    static String error(TokenResponse r) {
        assertThat(r.indicatesSuccess()).isFalse();
        return r.toErrorResponse().getErrorObject().getCode();
    }

    @Test
    void whenUserSignsInThroughAuthorize_thenTheClientGetsValidTokensUserinfoAndRefresh() throws Exception {
        var client = register();
        String email = newUser();
        var flow = codeFor(client, email);

        var response = exchange(client, flow.code(), CALLBACK, flow.verifier());
        assertThat(response.indicatesSuccess())
                .as(() -> response.toErrorResponse().toJSONObject().toString())
                .isTrue();
        var tokens = ((OIDCTokenResponse) response.toSuccessResponse()).getOIDCTokens();
        assertThat(tokens.getRefreshToken()).isNotNull();

        var validator = new IDTokenValidator(
                new Issuer(server.base),
                client.id(),
                JWSAlgorithm.RS256,
                URI.create(server.base + "/.well-known/jwks.json").toURL());
        validator.setMaxClockSkew(3600); // other tests move the server clock
        var claims = validator.validate(tokens.getIDToken(), flow.nonce());
        assertThat(claims.getNonce()).isEqualTo(flow.nonce());
        assertThat(claims.getAuthenticationTime()).isNotNull();
        assertThat(claims.getAccessTokenHash()).isNotNull();
        assertThat(claims.getStringClaim("sid")).isNotBlank();
        assertThat(claims.getStringListClaim("amr")).containsExactly("pwd");
        assertThat(SignedJWT.parse(tokens.getAccessToken().getValue())
                        .getHeader()
                        .getType()
                        .toString())
                .isEqualTo("at+jwt");

        var info = UserInfoResponse.parse(new UserInfoRequest(
                        URI.create(server.base + "/oauth2/userinfo"), (BearerAccessToken) tokens.getAccessToken())
                .toHTTPRequest()
                .send());
        assertThat(info.indicatesSuccess()).isTrue();
        var user = info.toSuccessResponse().getUserInfo();
        assertThat(user.getSubject()).isEqualTo(claims.getSubject());
        assertThat(user.getEmailAddress()).isEqualTo(email);

        var refreshed = refresh(client, tokens.getRefreshToken(), new Scope("openid"));
        assertThat(refreshed.indicatesSuccess()).isTrue();
        var next = refreshed.toSuccessResponse().getTokens();
        assertThat(next.getRefreshToken()).isNotEqualTo(tokens.getRefreshToken());
        assertThat(next.getAccessToken().getScope().toStringList()).containsExactly("openid");
    }

    @Test
    void whenUserinfoIsPostedTheTokenInAFormBody_thenItAnswersAndTheOtherWaysAreRefused() throws Exception {
        var client = register();
        String email = newUser();
        var flow = codeFor(client, email);
        String token = exchange(client, flow.code(), CALLBACK, flow.verifier())
                .toSuccessResponse()
                .getTokens()
                .getAccessToken()
                .getValue();
        String form = "application/x-www-form-urlencoded";

        // RFC 6750 §2.2, the OIDC conformance suite's oidcc-userinfo-post-body.
        var inBody = server.http
                .post("/oauth2/userinfo")
                .raw(form, "access_token=" + token)
                .send();
        assertThat(inBody.status()).as(inBody.body()).isEqualTo(200);
        assertThat(inBody.text("email")).isEqualTo(email);
        assertThat(inBody.header("Cache-Control")).isEqualTo("no-store");

        // Only one way per request (RFC 6750 §2), never the URI, the field once, and a form that is one.
        var twoWays = server.http
                .post("/oauth2/userinfo")
                .bearer(token)
                .raw(form, "access_token=" + token)
                .send();
        var inQuery = server.http.get("/oauth2/userinfo?access_token=" + token).send();
        var inPostQuery =
                server.http.post("/oauth2/userinfo?access_token=" + token).send();
        var twice = server.http
                .post("/oauth2/userinfo")
                .raw(form, "access_token=" + token + "&access_token=" + token)
                .send();
        var broken = server.http
                .post("/oauth2/userinfo")
                .raw(form, "access_token=%zz")
                .send();
        for (var refused : List.of(twoWays, inQuery, inPostQuery, twice, broken)) {
            assertThat(refused.status()).as(refused.body()).isEqualTo(400);
            assertThat(refused.text("error")).isEqualTo("invalid_request");
            assertThat(refused.header("WWW-Authenticate")).isEqualTo("Bearer error=\"invalid_request\"");
            assertThat(refused.body()).doesNotContain(token);
        }
        assertThat(twoWays.text("error_description")).contains("one way only");
        assertThat(inQuery.text("error_description")).contains("URI");
        assertThat(inPostQuery.text("error_description")).contains("URI");
        assertThat(twice.text("error_description")).contains("more than once");

        // A bad token in the body is refused as one in the header; a JSON body is not read for a token.
        var bad = server.http
                .post("/oauth2/userinfo")
                .raw(form, "access_token=nope")
                .send();
        assertThat(bad.status()).isEqualTo(401);
        assertThat(bad.header("WWW-Authenticate")).contains("Bearer error=\"invalid_token\"");
        var json = server.http
                .post("/oauth2/userinfo")
                .raw("application/json", "{\"access_token\":\"" + token + "\"}")
                .send();
        assertThat(json.status()).isEqualTo(401);
        assertThat(json.header("WWW-Authenticate")).isEqualTo("Bearer realm=\"gatehouse\"");
        // The header alone on a POST, with or without a form body beside it, as before.
        assertThat(server.http.post("/oauth2/userinfo").bearer(token).send().status())
                .isEqualTo(200);
        assertThat(server.http
                        .post("/oauth2/userinfo")
                        .bearer(token)
                        .raw(form, "claims=x")
                        .send()
                        .status())
                .isEqualTo(200);
    }

    /** A client_credentials access token of {@code as}. */
    static BearerAccessToken machineToken(Client as) throws Exception {
        var r = TokenResponse.parse(new TokenRequest.Builder(tokenUri, as.auth(), new ClientCredentialsGrant())
                .build()
                .toHTTPRequest()
                .send());
        assertThat(r.indicatesSuccess()).isTrue();
        return r.toSuccessResponse().getTokens().getBearerAccessToken();
    }

    @Test
    void whenAnAdministratorRevokesAClientsTokens_thenEveryTokenItHoldsStopsOnTheSpotAndNewOnesWork() throws Exception {
        var both = Map.<String, Object>of(
                "grant_types", List.of("authorization_code", "refresh_token", "client_credentials"));
        var client = register(both);
        var bystander = register(both);
        String email = newUser();
        var flow = codeFor(client, email);
        var user = exchange(client, flow.code(), CALLBACK, flow.verifier())
                .toSuccessResponse()
                .getTokens();
        var machine = machineToken(client);
        var theirs = machineToken(bystander);
        var theirFlow = codeFor(bystander, email);
        var theirUser = exchange(bystander, theirFlow.code(), CALLBACK, theirFlow.verifier())
                .toSuccessResponse()
                .getTokens();
        assertThat(active(client, user.getBearerAccessToken())).isTrue();
        assertThat(active(client, machine)).isTrue();

        var revoked = server.http
                .post("/v1/admin/clients/" + client.id().getValue() + "/revoke-tokens")
                .bearer(admin)
                .send();
        assertThat(revoked.status()).as(revoked.body()).isEqualTo(200);
        assertThat(revoked.json().path("sessions_ended").asInt()).isEqualTo(1);
        assertThat(revoked.json().path("tokens_not_before").asLong())
                .isGreaterThan(server.clock.instant().getEpochSecond());

        // Every token the client held: its user's access and refresh tokens, its machine token, at introspection and
        // at userinfo.
        assertThat(active(client, user.getBearerAccessToken())).isFalse();
        assertThat(active(client, machine)).isFalse();
        assertThat(error(refresh(client, user.getRefreshToken(), null))).isEqualTo("invalid_grant");
        assertThat(server.http
                        .get("/oauth2/userinfo")
                        .bearer(user.getBearerAccessToken().getValue())
                        .send()
                        .status())
                .isEqualTo(401);
        // Another client's tokens, for the same user too, are untouched.
        assertThat(active(bystander, theirs)).isTrue();
        assertThat(active(bystander, theirUser.getBearerAccessToken())).isTrue();
        assertThat(refresh(bystander, theirUser.getRefreshToken(), null).indicatesSuccess())
                .isTrue();

        // A machine token asked for right after the revocation, within its second, works: it is dated at the cut,
        // at most a second ahead, rather than born refused.
        var right = machineToken(client);
        assertThat(active(client, right)).isTrue();
        assertThat(com.nimbusds.jwt.SignedJWT.parse(right.getValue())
                        .getJWTClaimsSet()
                        .getIssueTime()
                        .toInstant()
                        .getEpochSecond())
                .isEqualTo(revoked.json().path("tokens_not_before").asLong());

        // Tokens issued after the revocation's second work, by either grant.
        server.clock.advance(Duration.ofSeconds(1));
        assertThat(active(client, machineToken(client))).isTrue();
        var again = codeFor(client, email);
        var fresh = exchange(client, again.code(), CALLBACK, again.verifier())
                .toSuccessResponse()
                .getTokens();
        assertThat(active(client, fresh.getBearerAccessToken())).isTrue();

        var unknown = server.http
                .post("/v1/admin/clients/gc_nobody/revoke-tokens")
                .bearer(admin)
                .send();
        assertThat(unknown.status()).isEqualTo(404);
        String notAdmin = server.accessToken(email, PASSWORD);
        assertThat(server.http
                        .post("/v1/admin/clients/" + client.id().getValue() + "/revoke-tokens")
                        .bearer(notAdmin)
                        .send()
                        .status())
                .isEqualTo(403);
    }

    @Test
    void whenAClientsTokensAreRevokedBeforeItsCodeIsRedeemed_thenTheCodeIsInvalidGrant() throws Exception {
        var client = register();
        var bystander = register();
        String email = newUser();
        var flow = codeFor(client, email);
        var theirFlow = codeFor(bystander, email);

        var revoked = server.http
                .post("/v1/admin/clients/" + client.id().getValue() + "/revoke-tokens")
                .bearer(admin)
                .send();
        assertThat(revoked.status()).as(revoked.body()).isEqualTo(200);

        // Issued before the cut, the code would open a session after it.
        assertThat(error(exchange(client, flow.code(), CALLBACK, flow.verifier())))
                .isEqualTo("invalid_grant");
        // Another client's code is untouched.
        assertThat(exchange(bystander, theirFlow.code(), CALLBACK, theirFlow.verifier())
                        .indicatesSuccess())
                .isTrue();
    }

    @Test
    void whenASecondClientAuthorizesWithTheSsoCookie_thenNoPasswordIsAsked() throws Exception {
        var first = register();
        var second = register();
        String email = newUser();
        var browser = new Browser(server.base);
        authorize(
                browser, request(first, new CodeVerifier(), new Nonce()).build().toURI(), email);
        var consentPage = browser.follow(browser.get(
                request(second, new CodeVerifier(), new Nonce()).build().toURI()));
        assertThat(consentPage.body()).contains("name=\"decision\"").doesNotContain("name=\"password\"");
        var r = browser.consent(consentPage, "allow");
        assertThat(r.statusCode()).isEqualTo(303);
        assertThat(AuthorizationResponse.parse(Browser.location(r)).indicatesSuccess())
                .isTrue();

        // prompt=login asks again even with the cookie
        var again = browser.follow(browser.get(request(second, new CodeVerifier(), new Nonce())
                .prompt(com.nimbusds.openid.connect.sdk.Prompt.Type.LOGIN)
                .build()
                .toURI()));
        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(again.body()).contains("name=\"password\"");
    }

    @Test
    void whenTheUserSignsIn_thenThatAnswerIsTheRedirectToTheClientWithTheCode() throws Exception {
        var client = register();
        String email = newUser();
        codeFor(client, email); // consents: remembered from here on
        var browser = new Browser(server.base);
        var verifier = new CodeVerifier();
        var nonce = new Nonce();
        var req = request(client, verifier, nonce).build();
        var page = browser.follow(browser.get(req.toURI()));
        assertThat(page.body()).contains("name=\"password\"");

        var answer = browser.submitSignIn(page, email, PASSWORD);

        // ADR 0021: one redirect, straight to the client, from the answer that also sets the SSO cookie.
        assertThat(answer.statusCode()).isEqualTo(303);
        assertThat(answer.headers().firstValue("Cache-Control")).hasValue("no-store");
        assertThat(answer.headers().allValues("Set-Cookie")).anyMatch(c -> c.startsWith("gh_sso="));
        var response = AuthorizationResponse.parse(Browser.location(answer));
        assertThat(response.getRedirectionURI()).isEqualTo(CALLBACK);
        assertThat(response.indicatesSuccess()).isTrue();
        assertThat(response.getState()).isEqualTo(req.getState());
        var tokens = exchange(client, response.toSuccessResponse().getAuthorizationCode(), CALLBACK, verifier);
        assertThat(tokens.indicatesSuccess()).isTrue();
        var claims = ((OIDCTokenResponse) tokens.toSuccessResponse())
                .getOIDCTokens()
                .getIDToken()
                .getJWTClaimsSet();
        assertThat(claims.getStringClaim("nonce")).isEqualTo(nonce.getValue());
        assertThat(claims.getStringClaim("sid")).isNotBlank();

        // That cookie is the session: the next request needs no password.
        var silent = request(client, new CodeVerifier(), new Nonce())
                .prompt(com.nimbusds.openid.connect.sdk.Prompt.Type.NONE)
                .build();
        assertThat(AuthorizationResponse.parse(Browser.location(browser.get(silent.toURI())))
                        .indicatesSuccess())
                .isTrue();

        // Consent not yet given: the sign-in's answer is the way to the consent page.
        var other = register();
        var fresh = new Browser(server.base);
        var toConsent = fresh.submitSignIn(
                fresh.follow(fresh.get(
                        request(other, new CodeVerifier(), new Nonce()).build().toURI())),
                email,
                PASSWORD);
        assertThat(toConsent.statusCode()).isEqualTo(303);
        assertThat(Browser.location(toConsent).getPath()).isEqualTo("/consent");
        assertThat(fresh.follow(toConsent).body()).contains("name=\"decision\"");
    }

    @Test
    void whenFormPostIsAsked_thenTheSignInAnswerIsTheAutoSubmittingForm() throws Exception {
        var client = register();
        String email = newUser();
        codeFor(client, email);
        var browser = new Browser(server.base);
        var verifier = new CodeVerifier();
        var req = request(client, verifier, new Nonce())
                .responseMode(com.nimbusds.oauth2.sdk.ResponseMode.FORM_POST)
                .build();

        var answer = browser.submitSignIn(browser.follow(browser.get(req.toURI())), email, PASSWORD);

        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.headers().allValues("Set-Cookie")).anyMatch(c -> c.startsWith("gh_sso="));
        assertThat(answer.headers().firstValue("Content-Security-Policy").orElseThrow())
                .contains("form-action " + CALLBACK + ";");
        assertThat(answer.body()).contains("<form method=\"post\" action=\"" + CALLBACK + "\">");
        var response = AuthorizationResponse.parse(CALLBACK, AuthorizeParametersTest.formFields(answer.body()));
        assertThat(response.getState()).isEqualTo(req.getState());
        var code = response.toSuccessResponse().getAuthorizationCode();
        assertThat(exchange(client, code, CALLBACK, verifier).indicatesSuccess())
                .isTrue();
    }

    @Test
    void whenTheReturnPathIsEdited_thenTheSignInStandsAndTheRequestIsCheckedAsAtTheEndpoint() throws Exception {
        String email = newUser();
        String foreign = "/oauth2/authorize?response_type=code&client_id=nobody&redirect_uri="
                + java.net.URLEncoder.encode("https://evil.example/cb", java.nio.charset.StandardCharsets.UTF_8)
                + "&code_challenge=" + new CodeVerifier().getValue() + "&code_challenge_method=S256";
        var browser = new Browser(server.base);

        var answer = signInReturningTo(browser, foreign, email);

        // The error page, as the endpoint shows it: nothing is sent to an unchecked redirect URI.
        assertThat(answer.statusCode()).isEqualTo(400);
        assertThat(answer.headers().firstValue("Location")).isEmpty();
        assertThat(answer.body()).doesNotContain("evil.example");
        assertThat(answer.headers().allValues("Set-Cookie")).anyMatch(c -> c.startsWith("gh_sso="));
        var client = register();
        var next = browser.follow(browser.get(
                request(client, new CodeVerifier(), new Nonce()).build().toURI()));
        assertThat(next.body()).contains("name=\"decision\"").doesNotContain("name=\"password\"");

        // A parameter that is not valid percent-encoding is left out, and the request is refused for the lack of it.
        var undecodable = signInReturningTo(new Browser(server.base), "/oauth2/authorize?client_id=%zz", email);
        assertThat(undecodable.statusCode()).isEqualTo(400);
        assertThat(undecodable.headers().firstValue("Location")).isEmpty();
    }

    /** The login page for {@code returnTo} (as a browser could edit it), submitted with the right password. */
    static HttpResponse<String> signInReturningTo(Browser b, String returnTo, String email) throws Exception {
        var page = b.get(URI.create(server.base + "/login?return_to="
                + java.net.URLEncoder.encode(returnTo, java.nio.charset.StandardCharsets.UTF_8)));
        assertThat(Browser.hidden(page.body(), "return_to")).isEqualTo(returnTo);
        return b.submitSignIn(page, email, PASSWORD);
    }

    @Test
    void whenTheAccountIsDisabledAfterSigningIn_thenItsSsoSessionNoLongerGetsCodes() throws Exception {
        var first = register();
        String email = newUser();
        var browser = new Browser(server.base);
        authorize(
                browser, request(first, new CodeVerifier(), new Nonce()).build().toURI(), email);
        setStatus(email, "disabled");

        var silent = request(first, new CodeVerifier(), new Nonce())
                .prompt(com.nimbusds.openid.connect.sdk.Prompt.Type.NONE)
                .build();
        var none = AuthorizationResponse.parse(Browser.location(browser.get(silent.toURI())));
        assertThat(none.indicatesSuccess()).isFalse();
        assertThat(none.toErrorResponse().getErrorObject().getCode()).isEqualTo("login_required");

        // Without prompt=none: the sign-in page, whose password check then refuses the disabled account.
        var page = browser.follow(browser.get(
                request(first, new CodeVerifier(), new Nonce()).build().toURI()));
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("name=\"password\"");
        var refused = browser.signIn(page, email, PASSWORD);
        assertThat(refused.statusCode()).isEqualTo(400);
    }

    @Test
    void whenTheAccountIsDisabled_thenItsAccessTokensStopAtIntrospectionUserinfoAndTheV1Api() throws Exception {
        var client = register();
        String email = newUser();
        String bystander = newUser();
        var flow = codeFor(client, email);
        var token = exchange(client, flow.code(), CALLBACK, flow.verifier())
                .toSuccessResponse()
                .getTokens()
                .getBearerAccessToken();
        String api = server.accessToken(email, PASSWORD);
        String other = server.accessToken(bystander, PASSWORD);
        assertThat(active(client, token)).isTrue();
        assertThat(server.http.get("/v1/auth/me").bearer(api).send().status()).isEqualTo(200);

        setStatus(email, "disabled");
        // Sessions are re-read at most SessionService.RECENT (1 s) after the last read (ADR 0013).
        server.clock.advance(Duration.ofSeconds(2));

        assertThat(active(client, token)).isFalse();
        assertThat(server.http.get("/v1/auth/me").bearer(api).send().status()).isEqualTo(401);
        var info = UserInfoResponse.parse(new UserInfoRequest(URI.create(server.base + "/oauth2/userinfo"), token)
                .toHTTPRequest()
                .send());
        assertThat(info.indicatesSuccess()).isFalse();
        assertThat(server.http.get("/v1/auth/me").bearer(other).send().status()).isEqualTo(200);
    }

    @Test
    void whenTheAccountIsDisabledWhileTheConsentPageIsOpen_thenAllowingGrantsNothing() throws Exception {
        var client = register();
        String email = newUser();
        var b = new Browser(server.base);
        var page = b.signIn(
                b.follow(b.get(
                        request(client, new CodeVerifier(), new Nonce()).build().toURI())),
                email,
                PASSWORD);
        assertThat(page.body()).contains("name=\"decision\"");
        setStatus(email, "disabled");

        var answer = b.submitConsent(page, "allow");

        assertThat(answer.statusCode()).isEqualTo(403);
        assertThat(answer.headers().firstValue("Location")).isEmpty();
        // Enabled again, the same browser is asked again: nothing was remembered.
        setStatus(email, "active");
        var again = b.follow(
                b.get(request(client, new CodeVerifier(), new Nonce()).build().toURI()));
        assertThat(again.body()).contains("name=\"decision\"");
    }

    @Test
    void whenPromptIsNoneWithoutASession_thenLoginRequiredGoesBackToTheClient() throws Exception {
        var client = register();
        var req = request(client, new CodeVerifier(), new Nonce())
                .prompt(com.nimbusds.openid.connect.sdk.Prompt.Type.NONE)
                .build();
        var r = new Browser(server.base).get(req.toURI());
        var response = AuthorizationResponse.parse(Browser.location(r));
        assertThat(response.indicatesSuccess()).isFalse();
        assertThat(response.toErrorResponse().getErrorObject().getCode()).isEqualTo("login_required");
        assertThat(response.getState()).isEqualTo(req.getState());
    }

    @Test
    void whenTheLoginPageIsShown_thenItHasStrictHeadersAndOneErrorForEveryBadSignIn() throws Exception {
        var client = register();
        String email = newUser();
        var b = new Browser(server.base);
        var page = b.follow(
                b.get(request(client, new CodeVerifier(), new Nonce()).build().toURI()));
        // The sign-in page's one script (the passkey button) runs by a per-response nonce only.
        assertThat(page.headers().firstValue("Content-Security-Policy"))
                .hasValueSatisfying(csp -> assertThat(csp)
                        .matches(java.util.regex.Pattern.quote(
                                        "default-src 'none'; style-src 'self' 'unsafe-inline'; form-action 'self'"
                                                + " http://localhost:9999; frame-ancestors 'none'; script-src 'nonce-")
                                + "[A-Za-z0-9_-]{16,}'; connect-src 'self'"));
        assertThat(page.headers().firstValue("Cache-Control")).hasValue("no-store");
        var wrongPassword = b.post(
                URI.create(server.base + "/login"),
                Map.of("csrf", Browser.hidden(page.body(), "csrf"), "email", email, "password", "nope-nope-nope"));
        var page2 = b.get(URI.create(server.base + "/login"));
        var unknown = b.post(
                URI.create(server.base + "/login"),
                Map.of(
                        "csrf",
                        Browser.hidden(page2.body(), "csrf"),
                        "email",
                        "nobody@example.com",
                        "password",
                        "nope-nope-nope"));
        assertThat(wrongPassword.statusCode()).isEqualTo(400).isEqualTo(unknown.statusCode());
        assertThat(wrongPassword.body()).contains("The email or password is not correct.");
        assertThat(unknown.body()).contains("The email or password is not correct.");

        var noCsrf = new Browser(server.base)
                .post(URI.create(server.base + "/login"), Map.of("email", email, "password", PASSWORD));
        assertThat(noCsrf.statusCode()).isEqualTo(403);
        assertThat(noCsrf.headers().allValues("Set-Cookie")).noneMatch(c -> c.startsWith("gh_sso="));
    }

    @Test
    void whenTheVerifierIsMissingOrWrong_thenInvalidGrant() throws Exception {
        var client = register();
        String email = newUser();
        var flow = codeFor(client, email);
        assertThat(error(exchange(client, flow.code(), CALLBACK, new CodeVerifier())))
                .isEqualTo("invalid_grant");
        var flow2 = codeFor(client, email);
        assertThat(error(exchange(client, flow2.code(), CALLBACK, null))).isEqualTo("invalid_grant");
    }

    @Test
    void whenThePlainMethodOrNoChallengeIsSent_thenTheClientGetsInvalidRequest() throws Exception {
        var client = register();
        for (Consumer<AuthenticationRequest.Builder> change : List.<Consumer<AuthenticationRequest.Builder>>of(
                b -> b.codeChallenge(new CodeVerifier(), CodeChallengeMethod.PLAIN),
                b -> b.codeChallenge((CodeVerifier) null, null))) {
            var builder = request(client, new CodeVerifier(), new Nonce());
            change.accept(builder);
            var r = new Browser(server.base).get(builder.build().toURI());
            var response = AuthorizationResponse.parse(Browser.location(r));
            assertThat(response.toErrorResponse().getErrorObject().getCode()).isEqualTo("invalid_request");
        }
    }

    @Test
    void whenTheRedirectUriIsNotRegistered_thenAnErrorPageAndNoRedirect() throws Exception {
        var client = register();
        var req = new AuthenticationRequest.Builder(
                        ResponseType.CODE,
                        new Scope("openid"),
                        client.id(),
                        URI.create("http://localhost:9999/cb/evil"))
                .endpointURI(authorizeUri)
                .state(new State())
                .nonce(new Nonce())
                .codeChallenge(new CodeVerifier(), CodeChallengeMethod.S256)
                .build();
        HttpResponse<String> r = new Browser(server.base).get(req.toURI());
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.headers().firstValue("Location")).isEmpty();
        assertThat(r.body()).contains("redirect URI is not registered");
    }

    @Test
    void whenTheAuthorizationRequestNamesNoRedirectUri_thenTheTokenRequestMayLeaveItOutToo() throws Exception {
        var client = register();
        String email = newUser();
        // RFC 6749 §3.1.2.3: a client with one registered redirect URI may leave it out of the request (plain OAuth).
        java.util.function.Function<CodeVerifier, URI> request = verifier -> URI.create(authorizeUri
                + "?response_type=code&scope=email&state=s1&code_challenge_method=S256&client_id="
                + client.id().getValue() + "&code_challenge="
                + com.nimbusds.oauth2.sdk.pkce.CodeChallenge.compute(CodeChallengeMethod.S256, verifier)
                        .getValue());

        var verifier = new CodeVerifier();
        URI location = authorize(new Browser(server.base), request.apply(verifier), email);
        assertThat(location.toString()).startsWith(CALLBACK + "?");
        var code = AuthorizationResponse.parse(location).toSuccessResponse().getAuthorizationCode();
        assertThat(exchange(client, code, null, verifier).indicatesSuccess()).isTrue();

        // Sent anyway, it must be the registered URI the code went to.
        var second = new CodeVerifier();
        var other = AuthorizationResponse.parse(authorize(new Browser(server.base), request.apply(second), email))
                .toSuccessResponse()
                .getAuthorizationCode();
        assertThat(error(exchange(client, other, URI.create("http://localhost:9999/other"), second)))
                .isEqualTo("invalid_grant");
        var third = new CodeVerifier();
        var named = AuthorizationResponse.parse(authorize(new Browser(server.base), request.apply(third), email))
                .toSuccessResponse()
                .getAuthorizationCode();
        assertThat(exchange(client, named, CALLBACK, third).indicatesSuccess()).isTrue();

        // A request that named it needs it named again at the token endpoint.
        var flow = codeFor(client, email);
        assertThat(error(exchange(client, flow.code(), null, flow.verifier()))).isEqualTo("invalid_grant");
    }

    @Test
    void whenTheClientIsNotRegisteredForRefresh_thenOfflineAccessGivesNoRefreshTokenItCouldNotUse() throws Exception {
        var client = register(Map.of("grant_types", List.of("authorization_code")));
        var flow = codeFor(client, newUser());
        var tokens = exchange(client, flow.code(), CALLBACK, flow.verifier())
                .toSuccessResponse()
                .getTokens();
        assertThat(tokens.getAccessToken()).isNotNull();
        assertThat(tokens.getRefreshToken()).isNull();
        // OIDC Core §11: the request for offline access is ignored, so nothing claims it was granted.
        assertThat(tokens.getAccessToken().getScope().toStringList())
                .contains("openid")
                .doesNotContain("offline_access");
    }

    static TokenResponse withResources(Client as, com.nimbusds.oauth2.sdk.AuthorizationGrant grant, URI... resources)
            throws Exception {
        return OIDCTokenResponseParser.parse(new TokenRequest.Builder(tokenUri, as.auth(), grant)
                .resources(resources)
                .build()
                .toHTTPRequest()
                .send());
    }

    static List<String> audience(TokenResponse r) throws Exception {
        assertThat(r.indicatesSuccess())
                .as(() -> r.toErrorResponse().toJSONObject().toString())
                .isTrue();
        return com.nimbusds.jwt.SignedJWT.parse(
                        r.toSuccessResponse().getTokens().getAccessToken().getValue())
                .getJWTClaimsSet()
                .getAudience();
    }

    @Test
    void whenTheTokenRequestNamesAGrantedResource_thenTheTokenIsForItAloneAndAnotherIsInvalidTarget() throws Exception {
        URI orders = URI.create("https://orders.example/");
        URI billing = URI.create("https://billing.example/");
        URI elsewhere = URI.create("https://elsewhere.example/");
        var client =
                register(Map.of("resources", List.of(orders.toString(), billing.toString(), elsewhere.toString())));
        String email = newUser();
        var verifier = new CodeVerifier();
        var req = request(client, verifier, new Nonce())
                .resources(orders, billing)
                .build();
        var code = AuthorizationResponse.parse(authorize(new Browser(server.base), req.toURI(), email))
                .toSuccessResponse()
                .getAuthorizationCode();

        // RFC 8707 §2.2: one of the granted resources at the token endpoint narrows the audience to it.
        var first = withResources(client, new AuthorizationCodeGrant(code, CALLBACK, verifier), orders);
        assertThat(audience(first)).containsExactly(orders.toString());
        RefreshToken rt = first.toSuccessResponse().getTokens().getRefreshToken();

        // A refresh for a resource outside the grant is invalid_target and does not spend the refresh token.
        assertThat(error(withResources(client, new RefreshTokenGrant(rt), elsewhere)))
                .isEqualTo("invalid_target");
        var second = withResources(client, new RefreshTokenGrant(rt), billing);
        assertThat(audience(second)).containsExactly(billing.toString());
        var third = withResources(
                client,
                new RefreshTokenGrant(second.toSuccessResponse().getTokens().getRefreshToken()));
        assertThat(audience(third)).containsExactlyInAnyOrder(orders.toString(), billing.toString());

        // At the code: a resource the user never granted is invalid_target.
        var v2 = new CodeVerifier();
        var code2 = AuthorizationResponse.parse(authorize(
                        new Browser(server.base),
                        request(client, v2, new Nonce())
                                .resources(orders)
                                .build()
                                .toURI(),
                        email))
                .toSuccessResponse()
                .getAuthorizationCode();
        long sessionsBefore = server.database.count(
                "SELECT COUNT(*) FROM sessions WHERE client_id = ?", client.id().getValue());
        assertThat(error(withResources(client, new AuthorizationCodeGrant(code2, CALLBACK, v2), billing)))
                .isEqualTo("invalid_target");
        // Refused before any session opened for tokens that were never sent; like any failed redemption, it spends
        // the code.
        assertThat(server.database.count(
                        "SELECT COUNT(*) FROM sessions WHERE client_id = ?",
                        client.id().getValue()))
                .isEqualTo(sessionsBefore);
        assertThat(error(withResources(client, new AuthorizationCodeGrant(code2, CALLBACK, v2), orders)))
                .isEqualTo("invalid_grant");
    }

    static int userinfoStatus(TokenResponse r) throws Exception {
        var token = (BearerAccessToken) r.toSuccessResponse().getTokens().getAccessToken();
        return new UserInfoRequest(URI.create(server.base + "/oauth2/userinfo"), token)
                .toHTTPRequest()
                .send()
                .getStatusCode();
    }

    @Test
    void whenTheClientIsNotRegisteredForAResource_thenTheAuthorizationRequestIsInvalidTarget() throws Exception {
        // RFC 8707 §2: a client names only what an administrator registered for it (ADR 0025), and the issuer.
        var client = register(Map.of("resources", List.of("https://orders.example/")));
        var req = request(client, new CodeVerifier(), new Nonce())
                .resources(URI.create("https://orders.example/"), URI.create("https://payroll.example/"))
                .build();
        var browser = new Browser(server.base);
        var r = browser.get(req.toURI());
        assertThat(r.statusCode()).isEqualTo(302);
        var refused = AuthorizationResponse.parse(Browser.location(r));
        assertThat(refused.indicatesSuccess()).isFalse();
        assertThat(refused.toErrorResponse().getErrorObject().getCode()).isEqualTo("invalid_target");
        assertThat(refused.getState()).isEqualTo(req.getState());

        // Without any registered resource, the issuer (and the default audience) are all a client may name.
        var plain = register();
        var issuerOnly = request(plain, new CodeVerifier(), new Nonce())
                .resources(URI.create(server.base))
                .build();
        assertThat(Browser.location(browser.get(issuerOnly.toURI())).getPath()).isEqualTo("/login");
        var other = request(plain, new CodeVerifier(), new Nonce())
                .resources(URI.create("https://orders.example/"))
                .build();
        assertThat(AuthorizationResponse.parse(Browser.location(browser.get(other.toURI())))
                        .toErrorResponse()
                        .getErrorObject()
                        .getCode())
                .isEqualTo("invalid_target");
    }

    @Test
    void whenTheTokenIsForAnotherResourceOnly_thenUserinfoRefusesItAndTheIssuerAsAResourceKeepsItOpen()
            throws Exception {
        URI orders = URI.create("https://orders.example/");
        URI issuer = URI.create(server.base);
        var client = register(Map.of("resources", List.of(orders.toString())));
        var verifier = new CodeVerifier();
        var req =
                request(client, verifier, new Nonce()).resources(orders, issuer).build();
        var code = AuthorizationResponse.parse(authorize(new Browser(server.base), req.toURI(), newUser()))
                .toSuccessResponse()
                .getAuthorizationCode();

        // RFC 9068 §4: userinfo is a resource server of the issuer, and this token is for the orders API alone.
        var forOrders = withResources(client, new AuthorizationCodeGrant(code, CALLBACK, verifier), orders);
        assertThat(audience(forOrders)).containsExactly(orders.toString());
        assertThat(userinfoStatus(forOrders)).isEqualTo(401);

        var both = withResources(
                client,
                new RefreshTokenGrant(forOrders.toSuccessResponse().getTokens().getRefreshToken()));
        assertThat(audience(both)).containsExactlyInAnyOrder(orders.toString(), issuer.toString());
        assertThat(userinfoStatus(both)).isEqualTo(200);
    }

    static AuthenticationRequest loopbackRequest(Client c, String redirect, CodeVerifier verifier) {
        return new AuthenticationRequest.Builder(ResponseType.CODE, new Scope("openid"), c.id(), URI.create(redirect))
                .endpointURI(authorizeUri)
                .state(new State())
                .nonce(new Nonce())
                .codeChallenge(verifier, CodeChallengeMethod.S256)
                .build();
    }

    @Test
    void whenANativeAppListensOnAnotherLoopbackPort_thenItsLoopbackIpRedirectMatchesOnAnyPort() throws Exception {
        var client = register(Map.of(
                "redirect_uris",
                List.of("http://127.0.0.1/callback", "http://[::1]:8400/callback", "http://localhost/named")));
        String email = newUser();
        for (String requested : List.of(
                "http://127.0.0.1:53682/callback", "http://[::1]:61011/callback", "http://127.0.0.1/callback")) {
            var verifier = new CodeVerifier();
            URI location = authorize(
                    new Browser(server.base),
                    loopbackRequest(client, requested, verifier).toURI(),
                    email);
            assertThat(location.toString()).startsWith(requested + "?");
            var code = AuthorizationResponse.parse(location).toSuccessResponse().getAuthorizationCode();
            assertThat(exchange(client, code, URI.create(requested), verifier).indicatesSuccess())
                    .as(requested)
                    .isTrue();
        }

        // The token request names the port the code went to, not another one.
        var verifier = new CodeVerifier();
        URI location = authorize(
                new Browser(server.base),
                loopbackRequest(client, "http://127.0.0.1:53682/callback", verifier)
                        .toURI(),
                email);
        var code = AuthorizationResponse.parse(location).toSuccessResponse().getAuthorizationCode();
        assertThat(error(exchange(client, code, URI.create("http://127.0.0.1:53683/callback"), verifier)))
                .isEqualTo("invalid_grant");

        // Only the port is free: path, query, scheme, user info and host names are still compared exactly.
        for (String refused : List.of(
                "http://127.0.0.1:53682/callback/evil",
                "http://127.0.0.1:53682/callback?next=x",
                "https://127.0.0.1:53682/callback",
                "http://user@127.0.0.1:53682/callback",
                "http://127.0.0.2:53682/callback",
                "http://localhost:53682/named",
                "http://localhost:53682/callback")) {
            HttpResponse<String> r = new Browser(server.base)
                    .get(loopbackRequest(client, refused, new CodeVerifier()).toURI());
            assertThat(r.statusCode()).as(refused).isEqualTo(400);
            assertThat(r.headers().firstValue("Location")).as(refused).isEmpty();
            assertThat(r.body()).as(refused).contains("redirect URI is not registered");
        }
    }

    @Test
    void whenACodeIsReplayed_thenInvalidGrantAndTheFirstTokensStopWorking() throws Exception {
        var client = register();
        var flow = codeFor(client, newUser());
        var first = exchange(client, flow.code(), CALLBACK, flow.verifier())
                .toSuccessResponse()
                .getTokens();
        assertThat(active(client, first.getBearerAccessToken())).isTrue();

        assertThat(error(exchange(client, flow.code(), CALLBACK, flow.verifier())))
                .isEqualTo("invalid_grant");
        assertThat(active(client, first.getBearerAccessToken())).isFalse();
        assertThat(error(refresh(client, first.getRefreshToken(), null))).isEqualTo("invalid_grant");
    }

    @Test
    void whenACodeIsOlderThanSixtySeconds_thenInvalidGrant() throws Exception {
        var client = register();
        var flow = codeFor(client, newUser());
        server.clock.advance(Duration.ofSeconds(61));
        assertThat(error(exchange(client, flow.code(), CALLBACK, flow.verifier())))
                .isEqualTo("invalid_grant");
    }

    @Test
    void whenTheClientSecretIsWrong_thenInvalidClient() throws Exception {
        var client = register();
        var flow = codeFor(client, newUser());
        var impostor = new Client(client.id(), new Secret("not-the-secret"));
        assertThat(error(exchange(impostor, flow.code(), CALLBACK, flow.verifier())))
                .isEqualTo("invalid_client");
    }

    @Test
    void whenClientBRedeemsTheCodeOfClientA_thenInvalidGrant() throws Exception {
        var a = register();
        var b = register();
        var flow = codeFor(a, newUser());
        assertThat(error(exchange(b, flow.code(), CALLBACK, flow.verifier()))).isEqualTo("invalid_grant");
    }

    @Test
    void whenARefreshAsksForMoreScope_thenInvalidScopeAndTheTokenStillWorks() throws Exception {
        var client = register();
        var flow = codeFor(client, newUser());
        var tokens = exchange(client, flow.code(), CALLBACK, flow.verifier())
                .toSuccessResponse()
                .getTokens();
        assertThat(error(refresh(client, tokens.getRefreshToken(), new Scope("openid", "profile"))))
                .isEqualTo("invalid_scope");
        assertThat(refresh(client, tokens.getRefreshToken(), null).indicatesSuccess())
                .isTrue();
    }

    static com.nimbusds.oauth2.sdk.TokenIntrospectionSuccessResponse introspect(Client as, RefreshToken token)
            throws Exception {
        return TokenIntrospectionResponse.parse(
                        new TokenIntrospectionRequest(URI.create(server.base + "/oauth2/introspect"), as.auth(), token)
                                .toHTTPRequest()
                                .send())
                .toSuccessResponse();
    }

    @Test
    void whenAClientIntrospectsItsRefreshToken_thenItIsActiveUntilRotatedAndInactiveToOthers() throws Exception {
        var owner = register();
        var other = register();
        String email = newUser();
        var flow = codeFor(owner, email);
        var tokens = exchange(owner, flow.code(), CALLBACK, flow.verifier())
                .toSuccessResponse()
                .getTokens();
        RefreshToken rt = tokens.getRefreshToken();

        var mine = introspect(owner, rt);
        assertThat(mine.isActive()).isTrue();
        assertThat(mine.getStringParameter("token_type"))
                .as("RFC 7662 token_type is an access token's type")
                .isNull();
        assertThat(mine.getClientID()).isEqualTo(owner.id());
        assertThat(mine.getSubject().getValue())
                .isEqualTo(
                        com.nimbusds.jwt.SignedJWT.parse(tokens.getAccessToken().getValue())
                                .getJWTClaimsSet()
                                .getSubject());
        assertThat(mine.getExpirationTime()).isInTheFuture();
        Scope granted = tokens.getAccessToken().getScope();
        assertThat(granted).contains(new Scope.Value("openid"));
        assertThat(mine.getScope())
                .as("the scope the refresh grant issues within")
                .isEqualTo(granted);
        // Refresh tokens are the client's own credential: to another client it is inactive, and says nothing more.
        var theirs = introspect(other, rt);
        assertThat(theirs.isActive()).isFalse();
        assertThat(theirs.toJSONObject()).containsOnlyKeys("active");

        // A narrower access token at the refresh leaves the refresh token's scope whole (RFC 6749 §6).
        RefreshToken next = refresh(owner, rt, new Scope("openid"))
                .toSuccessResponse()
                .getTokens()
                .getRefreshToken();
        assertThat(introspect(owner, rt).isActive()).as("rotated away").isFalse();
        assertThat(introspect(owner, next).isActive()).isTrue();
        assertThat(introspect(owner, next).getScope()).isEqualTo(granted);
    }

    @Test
    void whenAnotherClientPresentsTheRefreshToken_thenInvalidGrantAndTheOwnerKeepsIt() throws Exception {
        var owner = register();
        var thief = register();
        var flow = codeFor(owner, newUser());
        var tokens = exchange(owner, flow.code(), CALLBACK, flow.verifier())
                .toSuccessResponse()
                .getTokens();
        assertThat(error(refresh(thief, tokens.getRefreshToken(), null))).isEqualTo("invalid_grant");
        // RFC 7009 §2.1: nor may it revoke it; the request is refused and the token lives on.
        var revoke = new com.nimbusds.oauth2.sdk.TokenRevocationRequest(
                        URI.create(server.base + "/oauth2/revoke"), thief.auth(), tokens.getRefreshToken())
                .toHTTPRequest()
                .send();
        assertThat(revoke.getStatusCode()).isEqualTo(400);
        assertThat(revoke.getBodyAsJSONObject()).containsEntry("error", "unauthorized_client");
        assertThat(refresh(owner, tokens.getRefreshToken(), null).indicatesSuccess())
                .isTrue();
    }

    @Test
    void whenAnOAuthClientsTokensArePresentedToTheV1Api_thenTheyAreRefusedAndNotSpent() throws Exception {
        var client = register();
        var flow = codeFor(client, newUser());
        var tokens = exchange(client, flow.code(), CALLBACK, flow.verifier())
                .toSuccessResponse()
                .getTokens();
        assertThat(server.http
                        .get("/v1/auth/me")
                        .bearer(tokens.getAccessToken().getValue())
                        .send()
                        .status())
                .isEqualTo(401);
        var v1 = server.http.post(
                "/v1/auth/refresh",
                map("refresh_token", tokens.getRefreshToken().getValue()));
        assertThat(v1.status()).isEqualTo(401);
        assertThat(refresh(client, tokens.getRefreshToken(), null).indicatesSuccess())
                .isTrue();
    }

    @Test
    void whenTheUserConsents_thenTheConsentIsRememberedForTheClient() throws Exception {
        var client = register(Map.of("client_name", "Photo <Printer>"));
        String email = newUser();
        var b = new Browser(server.base);
        var login = b.follow(
                b.get(request(client, new CodeVerifier(), new Nonce()).build().toURI()));
        var page = b.signIn(login, email, PASSWORD);
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("Photo &lt;Printer&gt;", "Sign you in", "See your email address");
        assertThat(page.headers().firstValue("Content-Security-Policy"))
                .hasValue(
                        "default-src 'none'; style-src 'self' 'unsafe-inline'; form-action 'self' http://localhost:9999;"
                                + " frame-ancestors 'none'");
        // Allowing answers the request in place (ADR 0021): one redirect, straight to the client.
        var allowed = b.submitConsent(page, "allow");
        assertThat(allowed.statusCode()).isEqualTo(303);
        var response = AuthorizationResponse.parse(Browser.location(allowed));
        assertThat(response.getRedirectionURI()).isEqualTo(CALLBACK);
        assertThat(response.indicatesSuccess()).isTrue();

        var again = b.follow(
                b.get(request(client, new CodeVerifier(), new Nonce()).build().toURI()));
        assertThat(again.statusCode()).isEqualTo(302);
        assertThat(AuthorizationResponse.parse(Browser.location(again)).indicatesSuccess())
                .isTrue();
    }

    @Test
    void whenTheUserDenies_thenTheClientGetsAccessDenied() throws Exception {
        var client = register();
        var b = new Browser(server.base);
        var req = request(client, new CodeVerifier(), new Nonce()).build();
        var page = b.signIn(b.follow(b.get(req.toURI())), newUser(), PASSWORD);
        var response = AuthorizationResponse.parse(Browser.location(b.consent(page, "deny")));
        assertThat(response.toErrorResponse().getErrorObject().getCode()).isEqualTo("access_denied");
        assertThat(response.getState()).isEqualTo(req.getState());
    }

    @Test
    void whenConsentIsPostedWithoutTheCsrfCookie_thenNothingIsGranted() throws Exception {
        var client = register();
        var b = new Browser(server.base);
        var page = b.signIn(
                b.follow(b.get(
                        request(client, new CodeVerifier(), new Nonce()).build().toURI())),
                newUser(),
                PASSWORD);
        b.cookies.getCookieStore().getCookies().stream()
                .filter(c -> c.getName().equals("gh_consent_csrf"))
                .toList()
                .forEach(c -> b.cookies.getCookieStore().remove(null, c));
        var r = b.consent(page, "allow");
        assertThat(r.statusCode()).isEqualTo(403);
    }

    @Test
    void whenTheClientRegisteredEs256ForIdTokens_thenTheIdTokenIsSignedWithIt() throws Exception {
        var client = register(Map.of("id_token_signed_response_alg", "ES256"));
        var flow = codeFor(client, newUser());
        var tokens = ((OIDCTokenResponse)
                        exchange(client, flow.code(), CALLBACK, flow.verifier()).toSuccessResponse())
                .getOIDCTokens();
        var validator = new IDTokenValidator(
                new Issuer(server.base),
                client.id(),
                JWSAlgorithm.ES256,
                URI.create(server.base + "/.well-known/jwks.json").toURL());
        validator.setMaxClockSkew(3600);
        assertThat(validator.validate(tokens.getIDToken(), flow.nonce()).getNonce())
                .isEqualTo(flow.nonce());
    }

    @Test
    void whenFragmentModeIsAsked_thenTheCodeComesInTheFragment() throws Exception {
        var client = register();
        String email = newUser();
        var b = new Browser(server.base);
        authorize(b, request(client, new CodeVerifier(), new Nonce()).build().toURI(), email);
        var req = request(client, new CodeVerifier(), new Nonce())
                .responseMode(com.nimbusds.oauth2.sdk.ResponseMode.FRAGMENT)
                .build();
        var location = Browser.location(b.follow(b.get(req.toURI())));
        assertThat(location.getQuery()).isNull();
        assertThat(location.getFragment()).contains("code=", "state=");
        assertThat(AuthorizationResponse.parse(location).indicatesSuccess()).isTrue();
    }

    @Test
    void whenTheNonceIsTooLong_thenInvalidRequestGoesBackToTheClient() throws Exception {
        var client = register();
        var req =
                request(client, new CodeVerifier(), new Nonce("n".repeat(600))).build();
        var response = AuthorizationResponse.parse(Browser.location(new Browser(server.base).get(req.toURI())));
        assertThat(response.toErrorResponse().getErrorObject().getCode()).isEqualTo("invalid_request");
    }

    @Test
    void whenDiscoveryIsRead_thenItAdvertisesTheCodeFlow() throws Exception {
        var r = new Browser(server.base).get(URI.create(server.base + "/.well-known/openid-configuration"));
        var meta = OIDCProviderMetadata.parse(r.body());
        assertThat(meta.getIssuer().getValue()).isEqualTo(server.base);
        assertThat(meta.getAuthorizationEndpointURI()).isEqualTo(authorizeUri);
        assertThat(meta.getUserInfoEndpointURI().toString()).isEqualTo(server.base + "/oauth2/userinfo");
        assertThat(meta.getCodeChallengeMethods()).containsExactly(CodeChallengeMethod.S256);
        assertThat(meta.getResponseTypes()).containsExactly(ResponseType.CODE, ResponseType.CODE_IDTOKEN);
        // Hybrid ID tokens carry c_hash and s_hash (OIDC Core §3.3.2.11, FAPI's s_hash): listed with the other claims.
        assertThat(meta.getClaims()).contains("at_hash", "c_hash", "s_hash", "sid", "auth_time");
        assertThat(meta.getGrantTypes().stream().map(Object::toString))
                .contains("authorization_code", "refresh_token", "client_credentials");
        var oauth = new Browser(server.base).get(URI.create(server.base + "/.well-known/oauth-authorization-server"));
        assertThat(oauth.body()).contains("\"authorization_endpoint\"", "\"S256\"");
    }
}
