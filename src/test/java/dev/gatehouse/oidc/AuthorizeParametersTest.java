package dev.gatehouse.oidc;

import static dev.gatehouse.testkit.HttpJson.map;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.oauth2.sdk.AuthorizationCode;
import com.nimbusds.oauth2.sdk.AuthorizationCodeGrant;
import com.nimbusds.oauth2.sdk.AuthorizationResponse;
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
import com.nimbusds.oauth2.sdk.util.URLUtils;
import com.nimbusds.openid.connect.sdk.AuthenticationRequest;
import com.nimbusds.openid.connect.sdk.Nonce;
import com.nimbusds.openid.connect.sdk.OIDCTokenResponse;
import com.nimbusds.openid.connect.sdk.OIDCTokenResponseParser;
import com.nimbusds.openid.connect.sdk.Prompt;
import com.nimbusds.openid.connect.sdk.claims.ACR;
import com.nimbusds.openid.connect.sdk.op.OIDCProviderMetadata;
import dev.gatehouse.testkit.ServerTest;
import dev.gatehouse.testkit.TestServer;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import net.minidev.json.JSONObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The authorization request's optional parameters (OIDC Core §3.1.2.1): response_mode=form_post, max_age, login_hint,
 * ui_locales, acr_values and every prompt value, driven over real HTTP with Nimbus building the requests.
 */
@ServerTest
class AuthorizeParametersTest {
    static final URI CALLBACK = URI.create("http://localhost:9999/cb");
    static final String PASSWORD = "Correct-Horse-Battery-9";
    static TestServer server;
    static String admin;

    @BeforeAll
    static void start() {
        server = TestServer.start();
        admin = server.adminToken();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    record Client(ClientID id, Secret secret) {}

    static Client register() {
        var r = server.registerClientAs(
                admin,
                TestServer.webClient(
                        "web app",
                        CALLBACK,
                        "openid profile email offline_access",
                        "authorization_code",
                        "refresh_token"));
        return new Client(new ClientID(r.text("client_id")), new Secret(r.text("client_secret")));
    }

    static String newUser() {
        return server.register("u" + System.nanoTime() + "@example.com", PASSWORD);
    }

    static AuthenticationRequest.Builder request(Client c, CodeVerifier verifier) {
        return new AuthenticationRequest.Builder(ResponseType.CODE, new Scope("openid", "email"), c.id(), CALLBACK)
                .endpointURI(URI.create(server.base + "/oauth2/authorize"))
                .state(new State())
                .nonce(new Nonce())
                .codeChallenge(verifier, CodeChallengeMethod.S256);
    }

    static boolean isLogin(HttpResponse<String> r) {
        return r.statusCode() == 200 && r.body().contains("name=\"password\"");
    }

    static boolean isConsent(HttpResponse<String> r) {
        return r.statusCode() == 200 && r.body().contains("name=\"decision\"");
    }

    /** Signs in and consents when asked; returns the response that leaves the server's pages. */
    static HttpResponse<String> through(Browser b, URI request, String email) throws Exception {
        var r = b.follow(b.get(request));
        if (isLogin(r)) r = b.signIn(r, email, PASSWORD);
        if (isConsent(r)) r = b.consent(r, "allow");
        return r;
    }

    static AuthorizationResponse redirected(HttpResponse<String> r) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isIn(302, 303);
        return AuthorizationResponse.parse(Browser.location(r));
    }

    static Map<String, List<String>> formFields(String html) {
        var fields = new LinkedHashMap<String, List<String>>();
        var m = Pattern.compile("<input type=\"hidden\" name=\"([^\"]+)\" value=\"([^\"]*)\">")
                .matcher(html);
        while (m.find())
            fields.put(m.group(1), List.of(m.group(2).replace("&quot;", "\"").replace("&amp;", "&")));
        return fields;
    }

    static OIDCTokenResponse exchange(Client c, AuthorizationCode code, CodeVerifier verifier) throws Exception {
        var response = OIDCTokenResponseParser.parse(new TokenRequest.Builder(
                        URI.create(server.base + "/oauth2/token"),
                        new ClientSecretBasic(c.id(), c.secret()),
                        new AuthorizationCodeGrant(code, CALLBACK, verifier))
                .build()
                .toHTTPRequest()
                .send());
        assertThat(response.indicatesSuccess()).isTrue();
        return (OIDCTokenResponse) response.toSuccessResponse();
    }

    /** Signs {@code email} in with a first authorization, so the browser has an SSO session and remembered consent. */
    static Browser signedIn(Client c, String email) throws Exception {
        var b = new Browser(server.base);
        assertThat(redirected(through(b, request(c, new CodeVerifier()).build().toURI(), email))
                        .indicatesSuccess())
                .isTrue();
        return b;
    }

    @Test
    void whenFormPostIsAsked_thenAnAutoSubmittingFormCarriesTheCodeToTheRedirectUri() throws Exception {
        var client = register();
        var verifier = new CodeVerifier();
        var req = request(client, verifier).responseMode(ResponseMode.FORM_POST).build();
        var page = through(new Browser(server.base), req.toURI(), newUser());

        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Location")).isEmpty();
        assertThat(page.headers().firstValue("Cache-Control")).hasValue("no-store");
        assertThat(page.body()).contains("<form method=\"post\" action=\"http://localhost:9999/cb\">");
        assertThat(page.body()).containsPattern("(?s)<noscript>.*<button type=\"submit\">.*</noscript>");
        assertThat(page.body())
                .contains("<html lang=\"en\">")
                .contains("JavaScript is off: press the button to continue to the application.");
        var csp = page.headers().firstValue("Content-Security-Policy").orElseThrow();
        assertThat(csp).contains("form-action http://localhost:9999/cb;", "frame-ancestors 'none'");
        var script = Pattern.compile("<script>(.*)</script>").matcher(page.body());
        assertThat(script.find()).isTrue();
        String hash = Base64.getEncoder()
                .encodeToString(MessageDigest.getInstance("SHA-256")
                        .digest(script.group(1).getBytes(StandardCharsets.UTF_8)));
        assertThat(csp).contains("script-src 'sha256-" + hash + "'");

        var response = AuthorizationResponse.parse(CALLBACK, formFields(page.body()));
        assertThat(response.indicatesSuccess()).isTrue();
        assertThat(response.getState()).isEqualTo(req.getState());
        assertThat(response.getIssuer().getValue()).isEqualTo(server.base);
        var tokens = exchange(client, response.toSuccessResponse().getAuthorizationCode(), verifier);
        assertThat(tokens.getOIDCTokens().getIDToken()).isNotNull();
    }

    @Test
    void whenFormPostIsAskedAndTheRequestFails_thenTheErrorIsPostedTooButNeverToAnUnregisteredUri() throws Exception {
        var client = register();
        var req = request(client, new CodeVerifier())
                .responseMode(ResponseMode.FORM_POST)
                .prompt(Prompt.Type.NONE)
                .build();
        var page = new Browser(server.base).get(req.toURI());
        assertThat(page.statusCode()).isEqualTo(200);
        var response = AuthorizationResponse.parse(CALLBACK, formFields(page.body()));
        assertThat(response.toErrorResponse().getErrorObject().getCode()).isEqualTo("login_required");
        assertThat(response.getState()).isEqualTo(req.getState());

        var evil = new AuthenticationRequest.Builder(
                        ResponseType.CODE, new Scope("openid"), client.id(), URI.create("https://evil.example/cb"))
                .endpointURI(URI.create(server.base + "/oauth2/authorize"))
                .responseMode(ResponseMode.FORM_POST)
                .nonce(new Nonce())
                .codeChallenge(new CodeVerifier(), CodeChallengeMethod.S256)
                .build();
        var refused = new Browser(server.base).get(evil.toURI());
        assertThat(refused.statusCode()).isEqualTo(400);
        assertThat(refused.body()).doesNotContain("evil.example").doesNotContain("<form");
    }

    @Test
    void whenTheSignInIsOlderThanMaxAge_thenTheUserSignsInAgainAndTheIdTokenSaysWhen() throws Exception {
        var client = register();
        String email = newUser();
        var b = signedIn(client, email);
        server.clock.advance(Duration.ofMinutes(2));

        var silent = redirected(b.get(request(client, new CodeVerifier())
                .maxAge(60)
                .prompt(Prompt.Type.NONE)
                .build()
                .toURI()));
        assertThat(silent.toErrorResponse().getErrorObject().getCode()).isEqualTo("login_required");

        var verifier = new CodeVerifier();
        var login = b.follow(b.get(request(client, verifier).maxAge(60).build().toURI()));
        assertThat(isLogin(login)).isTrue();
        var before = server.clock.instant();
        var response = redirected(b.signIn(login, email, PASSWORD));
        var idToken = exchange(client, response.toSuccessResponse().getAuthorizationCode(), verifier)
                .getOIDCTokens()
                .getIDToken();
        assertThat(idToken.getJWTClaimsSet().getLongClaim("auth_time")).isEqualTo(before.getEpochSecond());

        // Within max_age (and max_age=0 right after a fresh sign-in) no password is asked.
        assertThat(redirected(b.get(request(client, new CodeVerifier())
                                .maxAge(60)
                                .build()
                                .toURI()))
                        .indicatesSuccess())
                .isTrue();
    }

    @Test
    void whenTheClientRegisteredADefaultMaxAge_thenItAppliesToRequestsWithoutOne() throws Exception {
        var client = register();
        var set = server.http
                .put("/v1/admin/clients/" + client.id() + "/oidc")
                .bearer(admin)
                .json(map("default_max_age", 60))
                .send();
        assertThat(set.status()).as(set.body()).isEqualTo(200);
        String email = newUser();
        var b = signedIn(client, email);

        // Within the default max_age: no password.
        server.clock.advance(Duration.ofSeconds(30));
        assertThat(redirected(b.get(request(client, new CodeVerifier()).build().toURI()))
                        .indicatesSuccess())
                .isTrue();

        // Past it: the user signs in again, as with max_age=60 in the request.
        server.clock.advance(Duration.ofSeconds(60));
        var silent = redirected(b.get(request(client, new CodeVerifier())
                .prompt(Prompt.Type.NONE)
                .build()
                .toURI()));
        assertThat(silent.toErrorResponse().getErrorObject().getCode()).isEqualTo("login_required");
        assertThat(isLogin(b.follow(
                        b.get(request(client, new CodeVerifier()).build().toURI()))))
                .isTrue();

        // A max_age in the request wins over the default.
        assertThat(redirected(b.get(request(client, new CodeVerifier())
                                .maxAge(3600)
                                .build()
                                .toURI()))
                        .indicatesSuccess())
                .isTrue();
    }

    @Test
    void whenMaxAgeIsZero_thenEveryRequestSignsInOnceWithoutLooping() throws Exception {
        var client = register();
        String email = newUser();
        var b = signedIn(client, email);
        // Even within the second of the last sign-in: max_age=0 is prompt=login (OIDC Core §3.1.2.1, errata set 2).
        var login = b.follow(
                b.get(request(client, new CodeVerifier()).maxAge(0).build().toURI()));
        assertThat(isLogin(login)).isTrue();
        server.clock.advance(Duration.ofSeconds(3)); // the user types slowly
        var after = b.signIn(login, email, PASSWORD);
        assertThat(redirected(after).indicatesSuccess()).isTrue();
    }

    /** RFC 6749 §3.1: "Parameters sent without a value MUST be treated as if they were omitted from the request." */
    @Test
    void whenParametersAreSentWithoutAValue_thenTheyCountAsOmittedAndNothingFails() throws Exception {
        var client = register();
        var b = signedIn(client, newUser());
        // A request without state (an empty or blank one cannot be echoed), whose other empty parameters change
        // nothing.
        var plain = new AuthenticationRequest.Builder(ResponseType.CODE, new Scope("openid"), client.id(), CALLBACK)
                .endpointURI(URI.create(server.base + "/oauth2/authorize"))
                .codeChallenge(new CodeVerifier(), CodeChallengeMethod.S256)
                .build()
                .toURI();
        for (String empty : List.of(
                "state=",
                "state=%20",
                "state=%09",
                "state=%E2%80%A8",
                "max_age=&response_mode=&id_token_hint=&resource=&request=&request_uri=&prompt=",
                "redirect_uri=")) {
            var r = redirected(b.get(URI.create(plain + "&" + empty)));
            assertThat(r.indicatesSuccess()).as(empty).isTrue();
            assertThat(r.getState()).as(empty).isNull();
        }
        // The same through the sign-in page and the pushed authorization endpoint: no 500 anywhere.
        String returnTo = "/oauth2/authorize?" + plain.getRawQuery() + "&state=%20";
        var login = new Browser(server.base)
                .get(URI.create(server.base + "/login?return_to="
                        + java.net.URLEncoder.encode(returnTo, java.nio.charset.StandardCharsets.UTF_8)));
        assertThat(isLogin(login)).isTrue();
        var pushed = server.http
                .post("/oauth2/par")
                .header(
                        "Authorization",
                        new ClientSecretBasic(client.id(), client.secret()).toHTTPAuthorizationHeader())
                .raw("application/x-www-form-urlencoded", plain.getRawQuery() + "&state=&nonce=%20")
                .send();
        assertThat(pushed.status()).as(pushed.body()).isEqualTo(201);
    }

    @Test
    void whenAnOpenIdRequestLeavesOutTheRedirectUri_thenAnErrorPageAndAPlainOAuthRequestStillDefaultsIt()
            throws Exception {
        var client = register();
        var uri = request(client, new CodeVerifier()).build().toURI();
        String withoutRedirect = uri.toString().replaceAll("&?redirect_uri=[^&]*", "");
        // OIDC Core §3.1.2.1: redirect_uri is REQUIRED in an OpenID request.
        var page = new Browser(server.base).get(URI.create(withoutRedirect));
        assertThat(page.statusCode()).isEqualTo(400);
        assertThat(page.headers().firstValue("Location")).isEmpty();
        assertThat(page.body()).contains("An OpenID Connect request must name its redirect URI.");
        // RFC 6749 §3.1.2.3: without openid, the one registered redirect URI is the default.
        var b = signedIn(client, newUser());
        var plain = withoutRedirect.replaceAll("scope=[^&]*", "scope=email");
        assertThat(redirected(b.get(URI.create(plain))).indicatesSuccess()).isTrue();
    }

    @Test
    void whenAPostedRequestIsTooLargeToCarryThroughSignIn_thenTheClientIsToldAtOnceAndAPushedOneStillWorks()
            throws Exception {
        var client = register();
        var verifier = new CodeVerifier();
        // A 5,800-character state: posted, it fits the body, but not the sign-in page's URL after it.
        var state = new State("s".repeat(5800));
        var request = request(client, verifier).state(state).build();
        var posted = new Browser(server.base)
                .post(
                        URI.create(server.base + "/oauth2/authorize"),
                        request.toParameters().entrySet().stream()
                                .collect(java.util.stream.Collectors.toMap(
                                        Map.Entry::getKey, e -> e.getValue().get(0))));
        var refused = redirected(posted);
        assertThat(refused.toErrorResponse().getErrorObject().getCode()).isEqualTo("invalid_request");
        assertThat(refused.toErrorResponse().getErrorObject().getDescription()).contains("RFC 9126");
        assertThat(refused.getState()).isEqualTo(state);
        // Pushed, the same request keeps its parameters on the server, and the browser carries only the reference.
        var pushed = server.http
                .post("/oauth2/par")
                .header(
                        "Authorization",
                        new ClientSecretBasic(client.id(), client.secret()).toHTTPAuthorizationHeader())
                .raw("application/x-www-form-urlencoded", URLUtils.serializeParameters(request.toParameters()))
                .send();
        assertThat(pushed.status()).as(pushed.body()).isEqualTo(201);
        var byReference = URI.create(server.base + "/oauth2/authorize?client_id=" + client.id() + "&request_uri="
                + java.net.URLEncoder.encode(pushed.text("request_uri"), java.nio.charset.StandardCharsets.UTF_8));
        var done = redirected(through(new Browser(server.base), byReference, newUser()));
        assertThat(done.indicatesSuccess()).isTrue();
        assertThat(done.getState()).isEqualTo(state);
    }

    @Test
    void whenARequestObjectIsSent_thenRequestNotSupportedBeforeAnythingItCouldHaveCarried() throws Exception {
        var client = register();
        // Only client_id, redirect_uri and a request object: everything else would be inside it (OIDC Core §6.1).
        var uri = URI.create(server.base + "/oauth2/authorize?client_id=" + client.id() + "&redirect_uri="
                + java.net.URLEncoder.encode(CALLBACK.toString(), java.nio.charset.StandardCharsets.UTF_8)
                + "&request=eyJhbGciOiJub25lIn0.e30.");
        var r = redirected(new Browser(server.base).get(uri));
        assertThat(r.toErrorResponse().getErrorObject().getCode()).isEqualTo("request_not_supported");
    }

    @Test
    void whenMaxAgeIsNotANumber_thenInvalidRequestGoesBackToTheClient() throws Exception {
        var client = register();
        var uri = URI.create(request(client, new CodeVerifier()).build().toURI() + "&max_age=-5");
        assertThat(redirected(new Browser(server.base).get(uri))
                        .toErrorResponse()
                        .getErrorObject()
                        .getCode())
                .isEqualTo("invalid_request");
    }

    @Test
    void whenLoginHintAndUiLocalesAreSent_thenTheLoginPageIsPrefilledAndTheLocaleIsCarried() throws Exception {
        var client = register();
        String email = newUser();
        var req = request(client, new CodeVerifier())
                .loginHint(email)
                .uiLocales(
                        List.of(com.nimbusds.langtag.LangTag.parse("fr-CA"), com.nimbusds.langtag.LangTag.parse("en")))
                .build();
        var b = new Browser(server.base);
        var toLogin = b.get(req.toURI());
        String location = Browser.location(toLogin).toString();
        assertThat(location).contains("/login?", "ui_locales=fr-CA+en");
        var page = b.follow(toLogin);
        assertThat(page.body()).contains("value=\"" + email + "\"");

        // The hint is not looked up: an unknown address gives the same page apart from the value.
        var unknown = new Browser(server.base)
                .follow(new Browser(server.base)
                        .get(request(client, new CodeVerifier())
                                .loginHint("nobody-" + System.nanoTime() + "@example.com")
                                .build()
                                .toURI()));
        assertThat(unknown.statusCode()).isEqualTo(page.statusCode());
        assertThat(strip(unknown.body())).isEqualTo(strip(page.body()));

        var consent = b.signIn(page, email, PASSWORD);
        assertThat(isConsent(consent)).isTrue();
        assertThat(consent.uri().toString()).contains("ui_locales=fr-CA+en");
    }

    /**
     * The page without its per-request values (CSRF token, return path in fields and links, prefilled email, script
     * nonce).
     */
    private static String strip(String html) {
        return html.replaceAll("value=\"[^\"]*\"", "value=\"\"")
                .replaceAll("nonce=\"[^\"]*\"", "nonce=\"\"")
                .replaceAll("return_to=[^\"&]*", "return_to=");
    }

    @Test
    void whenAcrValuesAreSent_thenTheIdTokenStatesThePasswordClassOrPromptNoneIsRefused() throws Exception {
        var client = register();
        String email = newUser();
        var b = signedIn(client, email);

        var verifier = new CodeVerifier();
        var ok = redirected(b.get(request(client, verifier)
                .acrValues(List.of(new ACR("urn:example:loa:3"), new ACR("urn:gatehouse:acr:pwd")))
                .prompt(Prompt.Type.NONE)
                .build()
                .toURI()));
        var claims = exchange(client, ok.toSuccessResponse().getAuthorizationCode(), verifier)
                .getOIDCTokens()
                .getIDToken()
                .getJWTClaimsSet();
        assertThat(claims.getStringClaim("acr")).isEqualTo("urn:gatehouse:acr:pwd");
        assertThat(claims.getStringListClaim("amr")).containsExactly("pwd");

        var unmet = redirected(b.get(request(client, new CodeVerifier())
                .acrValues(List.of(new ACR("urn:example:loa:3")))
                .prompt(Prompt.Type.NONE)
                .build()
                .toURI()));
        assertThat(unmet.toErrorResponse().getErrorObject().getCode()).isEqualTo("unmet_authentication_requirements");

        // Interactive: acr_values are voluntary, so the user gets in and the token says what was achieved.
        var v2 = new CodeVerifier();
        var voluntary = redirected(b.get(request(client, v2)
                .acrValues(List.of(new ACR("urn:example:loa:3")))
                .build()
                .toURI()));
        var idToken = exchange(client, voluntary.toSuccessResponse().getAuthorizationCode(), v2)
                .getOIDCTokens()
                .getIDToken();
        assertThat(((SignedJWT) idToken).getJWTClaimsSet().getStringClaim("acr"))
                .isEqualTo("urn:gatehouse:acr:pwd");
    }

    @Test
    void whenPromptIsConsent_thenTheRememberedConsentIsAskedAgain() throws Exception {
        var client = register();
        var b = signedIn(client, newUser());
        var page = b.follow(b.get(request(client, new CodeVerifier())
                .prompt(Prompt.Type.CONSENT)
                .build()
                .toURI()));
        assertThat(isConsent(page)).isTrue();
        assertThat(redirected(b.consent(page, "allow")).indicatesSuccess()).isTrue();

        var denied = redirected(b.consent(
                b.follow(b.get(request(client, new CodeVerifier())
                        .prompt(Prompt.Type.CONSENT)
                        .build()
                        .toURI())),
                "deny"));
        assertThat(denied.toErrorResponse().getErrorObject().getCode()).isEqualTo("access_denied");
    }

    @Test
    void whenPromptIsNoneAndConsentIsMissing_thenConsentRequired() throws Exception {
        var first = register();
        var second = register();
        var b = signedIn(first, newUser());
        var r = redirected(b.get(request(second, new CodeVerifier())
                .prompt(Prompt.Type.NONE)
                .build()
                .toURI()));
        assertThat(r.toErrorResponse().getErrorObject().getCode()).isEqualTo("consent_required");
    }

    @Test
    void whenPromptIsSelectAccount_thenTheUserContinuesAsThemselvesOrSignsInAsAnother() throws Exception {
        var client = register();
        String email = newUser();
        String other = newUser();
        var b = signedIn(client, email);
        var page = b.follow(b.get(request(client, new CodeVerifier())
                .prompt(Prompt.Type.SELECT_ACCOUNT)
                .build()
                .toURI()));
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("You are signed in as <strong>" + email + "</strong>");
        assertThat(page.headers().firstValue("Content-Security-Policy")).isPresent();

        var cont = link(page.body(), "Continue as");
        assertThat(redirected(b.get(URI.create(server.base + cont))).indicatesSuccess())
                .isTrue();

        var again = b.follow(b.get(request(client, new CodeVerifier())
                .prompt(Prompt.Type.SELECT_ACCOUNT)
                .build()
                .toURI()));
        var login = b.follow(b.get(URI.create(server.base + link(again.body(), "Use another account"))));
        assertThat(isLogin(login)).isTrue();
        var after = b.signIn(login, other, PASSWORD);
        if (isConsent(after)) after = b.consent(after, "allow");
        assertThat(redirected(after).indicatesSuccess()).isTrue();
    }

    @Test
    void whenSelectAccountIsAskedInGerman_thenTheChoiceAndTheLoginBehindItAreGerman() throws Exception {
        var client = register();
        String email = newUser();
        var b = signedIn(client, email);
        var uri = URI.create(request(client, new CodeVerifier())
                        .prompt(Prompt.Type.SELECT_ACCOUNT)
                        .build()
                        .toURI()
                + "&ui_locales=de");
        var page = b.follow(b.get(uri));
        assertThat(page.statusCode()).isEqualTo(200);
        HostedPagesTest.assertPageHeaders(page);
        HostedPagesTest.assertAccessible(page.body(), "de");
        assertThat(page.body())
                .contains("<title>Konto auswählen</title>")
                .contains("<strong>web app</strong> fragt, welches Konto verwendet werden soll.")
                .contains("Sie sind als <strong>" + email + "</strong> angemeldet.")
                .contains(">Weiter als " + email + "</a>")
                .doesNotContain("Choose an account");
        var login = b.follow(b.get(URI.create(server.base + link(page.body(), "Anderes Konto verwenden"))));
        assertThat(isLogin(login)).isTrue();
        assertThat(login.body()).contains("<html lang=\"de\">");
        var cont = link(page.body(), "Weiter als");
        assertThat(redirected(b.get(URI.create(server.base + cont))).indicatesSuccess())
                .isTrue();
    }

    @Test
    void whenFormPostIsAskedInGerman_thenTheNoscriptButtonIsGermanAndTheFormCarriesOnlyTheResponse() throws Exception {
        var client = register();
        var req = request(client, new CodeVerifier())
                .responseMode(ResponseMode.FORM_POST)
                .build();
        var page = through(new Browser(server.base), URI.create(req.toURI() + "&ui_locales=de"), newUser());
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body())
                .contains("<html lang=\"de\">")
                .contains("<title>Weiter</title>")
                .contains(
                        "<p>JavaScript ist deaktiviert: Klicken Sie auf die Schaltfläche, um zur Anwendung zu gelangen.</p>")
                .contains("<button type=\"submit\">Weiter</button>");
        assertThat(formFields(page.body())).containsKeys("code", "state").doesNotContainKey("ui_locales");

        // Accept-Language alone chooses it too (here for an error posted back with prompt=none).
        var none = request(client, new CodeVerifier())
                .responseMode(ResponseMode.FORM_POST)
                .prompt(Prompt.Type.NONE)
                .build();
        var b = new Browser(server.base);
        var german = b.http.send(
                java.net.http.HttpRequest.newBuilder(none.toURI())
                        .header("Accept-Language", "de-DE,de;q=0.9")
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(german.statusCode()).isEqualTo(200);
        assertThat(german.body()).contains("<html lang=\"de\">").contains(">Weiter</button>");
        assertThat(AuthorizationResponse.parse(CALLBACK, formFields(german.body()))
                        .toErrorResponse()
                        .getErrorObject()
                        .getCode())
                .isEqualTo("login_required");
    }

    private static String link(String html, String text) {
        var m = Pattern.compile("<a href=\"([^\"]+)\">" + text).matcher(html);
        assertThat(m.find()).as(html).isTrue();
        return m.group(1).replace("&amp;", "&");
    }

    /** The ID token of a sign-in of {@code email} through {@code client}, in a browser of its own. */
    static com.nimbusds.jwt.JWT idTokenOf(Client client, String email) throws Exception {
        var verifier = new CodeVerifier();
        var response = redirected(through(
                new Browser(server.base), request(client, verifier).build().toURI(), email));
        return exchange(client, response.toSuccessResponse().getAuthorizationCode(), verifier)
                .getOIDCTokens()
                .getIDToken();
    }

    static String subjectOfCode(Client client, HttpResponse<String> r, CodeVerifier verifier) throws Exception {
        var code = redirected(r).toSuccessResponse().getAuthorizationCode();
        return exchange(client, code, verifier)
                .getOIDCTokens()
                .getIDToken()
                .getJWTClaimsSet()
                .getSubject();
    }

    @Test
    void whenAnIdTokenHintNamesTheUser_thenOnlyThatUserGetsACodeAndAnyoneElseHearsLoginRequired() throws Exception {
        var client = register();
        String alice = newUser();
        String bob = newUser();
        var hint = idTokenOf(client, alice);
        String aliceSub = hint.getJWTClaimsSet().getSubject();
        var none = new com.nimbusds.openid.connect.sdk.Prompt("none");

        // Alice's browser, silently: a code for Alice.
        var aliceBrowser = signedIn(client, alice);
        var v1 = new CodeVerifier();
        var silent = aliceBrowser.get(
                request(client, v1).prompt(none).idTokenHint(hint).build().toURI());
        assertThat(subjectOfCode(client, silent, v1)).isEqualTo(aliceSub);

        // Bob's browser, silently, with Alice's hint: login_required, and no code for Bob.
        var bobBrowser = signedIn(client, bob);
        var refused = redirected(bobBrowser.get(request(client, new CodeVerifier())
                .prompt(none)
                .idTokenHint(hint)
                .build()
                .toURI()));
        assertThat(refused.indicatesSuccess()).as("no code for Bob").isFalse();
        assertThat(refused.toErrorResponse().getErrorObject().getCode()).isEqualTo("login_required");

        // With interaction, Bob's browser is asked to sign in: as Bob again it is login_required, as Alice a code.
        var page = bobBrowser.follow(bobBrowser.get(
                request(client, new CodeVerifier()).idTokenHint(hint).build().toURI()));
        assertThat(isLogin(page)).as(page.body()).isTrue();
        var asBob = redirected(bobBrowser.signIn(page, bob, PASSWORD));
        assertThat(asBob.indicatesSuccess()).as("no code for Bob").isFalse();
        assertThat(asBob.toErrorResponse().getErrorObject().getCode()).isEqualTo("login_required");
        var v2 = new CodeVerifier();
        page = bobBrowser.follow(
                bobBrowser.get(request(client, v2).idTokenHint(hint).build().toURI()));
        assertThat(isLogin(page)).isTrue();
        assertThat(subjectOfCode(client, bobBrowser.signIn(page, alice, PASSWORD), v2))
                .isEqualTo(aliceSub);
    }

    @Test
    void whenALoginHintNamesAnotherAccountThanTheSignedInOne_thenThatAccountIsAskedToSignIn() throws Exception {
        var client = register();
        String alice = newUser();
        String bob = newUser();
        var none = new com.nimbusds.openid.connect.sdk.Prompt("none");
        var aliceBrowser = signedIn(client, alice);

        // The hint names Alice (her address in any case): silently, a code for her.
        var v1 = new CodeVerifier();
        String aliceSub = subjectOfCode(
                client,
                aliceBrowser.get(request(client, v1)
                        .prompt(none)
                        .loginHint(alice.toUpperCase(java.util.Locale.ROOT))
                        .build()
                        .toURI()),
                v1);
        // So does her subject identifier.
        var v2 = new CodeVerifier();
        assertThat(subjectOfCode(
                        client,
                        aliceBrowser.get(request(client, v2)
                                .prompt(none)
                                .loginHint(aliceSub)
                                .build()
                                .toURI()),
                        v2))
                .isEqualTo(aliceSub);

        // The hint names Bob: silently, login_required and no code for Alice.
        var refused = redirected(aliceBrowser.get(request(client, new CodeVerifier())
                .prompt(none)
                .loginHint(bob)
                .build()
                .toURI()));
        assertThat(refused.indicatesSuccess()).as("no code for Alice").isFalse();
        assertThat(refused.toErrorResponse().getErrorObject().getCode()).isEqualTo("login_required");

        // With interaction, the login page, prefilled with Bob's address; he signs in and gets the code.
        var v3 = new CodeVerifier();
        var page = aliceBrowser.follow(
                aliceBrowser.get(request(client, v3).loginHint(bob).build().toURI()));
        assertThat(isLogin(page)).as(page.body()).isTrue();
        assertThat(page.body()).contains("value=\"" + bob + "\"");
        var asBob = aliceBrowser.signIn(page, bob, PASSWORD);
        if (isConsent(asBob)) asBob = aliceBrowser.consent(asBob, "allow");
        String bobSub = subjectOfCode(client, asBob, v3);
        assertThat(bobSub).isNotEqualTo(aliceSub);

        // A hint is only a hint: asked for Alice, whoever signs in on that page gets the code.
        var v4 = new CodeVerifier();
        page = aliceBrowser.follow(
                aliceBrowser.get(request(client, v4).loginHint(alice).build().toURI()));
        assertThat(isLogin(page)).as(page.body()).isTrue();
        assertThat(subjectOfCode(client, aliceBrowser.signIn(page, bob, PASSWORD), v4))
                .isEqualTo(bobSub);
    }

    @Test
    void whenTheIdTokenHintIsForgedOrAnotherClients_thenInvalidRequestGoesBackToTheClient() throws Exception {
        var client = register();
        var other = register();
        String email = newUser();
        var browser = signedIn(client, email);
        var othersToken = idTokenOf(other, email);
        var forged = com.nimbusds.jwt.JWTParser.parse(new com.nimbusds.jose.PlainObject(new com.nimbusds.jose.Payload(
                        othersToken.getJWTClaimsSet().toJSONObject()))
                .serialize());
        for (var hint : List.of(othersToken, forged)) {
            var r = redirected(browser.get(request(client, new CodeVerifier())
                    .idTokenHint(hint)
                    .build()
                    .toURI()));
            assertThat(r.indicatesSuccess()).as("no code").isFalse();
            assertThat(r.toErrorResponse().getErrorObject().getCode()).isEqualTo("invalid_request");
            assertThat(r.toErrorResponse().getErrorObject().getDescription()).contains("id_token_hint");
        }
    }

    @Test
    void whenPromptNoneIsCombined_thenInvalidRequest() throws Exception {
        var client = register();
        var b = signedIn(client, newUser());
        for (var other : List.of(Prompt.Type.SELECT_ACCOUNT, Prompt.Type.CONSENT, Prompt.Type.LOGIN)) {
            var uri = URI.create(
                    request(client, new CodeVerifier()).build().toURI() + "&prompt=none+" + other.toString());
            var r = redirected(b.get(uri));
            assertThat(r.indicatesSuccess()).as("no code").isFalse();
            assertThat(r.toErrorResponse().getErrorObject().getCode()).isEqualTo("invalid_request");
        }
    }

    @Test
    void whenPromptIsLoginAndConsent_thenBothPagesAreShownOnceEach() throws Exception {
        var client = register();
        String email = newUser();
        var b = signedIn(client, email);
        var prompt = new Prompt(Prompt.Type.LOGIN, Prompt.Type.CONSENT);
        var login = b.follow(
                b.get(request(client, new CodeVerifier()).prompt(prompt).build().toURI()));
        assertThat(isLogin(login)).isTrue();
        var consent = b.signIn(login, email, PASSWORD);
        assertThat(isConsent(consent)).as(consent.body()).isTrue();
        assertThat(redirected(b.consent(consent, "allow")).indicatesSuccess()).isTrue();
    }

    @Test
    void whenDiscoveryIsRead_thenItAdvertisesTheNewRequestParameters() throws Exception {
        var b = new Browser(server.base);
        var meta = OIDCProviderMetadata.parse(b.get(URI.create(server.base + "/.well-known/openid-configuration"))
                .body());
        assertThat(meta.getResponseModes()).contains(ResponseMode.QUERY, ResponseMode.FRAGMENT, ResponseMode.FORM_POST);
        assertThat(meta.getACRs()).containsExactly(new ACR("urn:gatehouse:acr:pwd"), new ACR("urn:gatehouse:acr:mfa"));
        assertThat(meta.getPushedAuthorizationRequestEndpointURI()).isEqualTo(URI.create(server.base + "/oauth2/par"));
        assertThat(meta.requiresPushedAuthorizationRequests()).isFalse();
        assertThat(meta.supportsClaimsParam()).isFalse();
        JSONObject json = meta.toJSONObject();
        assertThat(json.toJSONString()).contains("\"prompt_values_supported\"");
        assertThat(meta.getUILocales().stream().map(Object::toString)).containsExactly("en", "de");
        var oauth = b.get(URI.create(server.base + "/.well-known/oauth-authorization-server"))
                .body();
        assertThat(oauth)
                .contains(
                        "\"pushed_authorization_request_endpoint\"",
                        "\"require_pushed_authorization_requests\":false",
                        "\"ui_locales_supported\":[\"en\",\"de\"]",
                        "\"form_post\"");
    }

    @Test
    void whenUiLocalesIsMalformed_thenItIsIgnoredAndTheUserStillSignsIn() throws Exception {
        var client = register();
        var uri = URI.create(request(client, new CodeVerifier()).build().toURI() + "&ui_locales=%3Cscript%3E");
        var toLogin = new Browser(server.base).get(uri);
        assertThat(Browser.location(toLogin).getPath()).isEqualTo("/login");
        assertThat(Browser.location(toLogin).getRawQuery()).doesNotContain("&ui_locales=");
    }
}
