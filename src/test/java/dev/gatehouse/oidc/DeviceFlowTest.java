package dev.gatehouse.oidc;

import static dev.gatehouse.testkit.HttpJson.map;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.oauth2.sdk.RefreshTokenGrant;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.TokenErrorResponse;
import com.nimbusds.oauth2.sdk.TokenRequest;
import com.nimbusds.oauth2.sdk.TokenResponse;
import com.nimbusds.oauth2.sdk.as.AuthorizationServerMetadata;
import com.nimbusds.oauth2.sdk.auth.ClientSecretBasic;
import com.nimbusds.oauth2.sdk.auth.Secret;
import com.nimbusds.oauth2.sdk.device.DeviceAuthorizationRequest;
import com.nimbusds.oauth2.sdk.device.DeviceAuthorizationResponse;
import com.nimbusds.oauth2.sdk.device.DeviceAuthorizationSuccessResponse;
import com.nimbusds.oauth2.sdk.device.DeviceCodeGrant;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.openid.connect.sdk.OIDCTokenResponse;
import com.nimbusds.openid.connect.sdk.OIDCTokenResponseParser;
import dev.gatehouse.testkit.ServerTest;
import dev.gatehouse.testkit.TestServer;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** RFC 8628 device authorization grant: the device side driven by the Nimbus SDK, the user side by a browser. */
@ServerTest
class DeviceFlowTest {
    static final String PASSWORD = "Correct-Horse-Battery-9";
    static final String DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";
    static TestServer server;
    static String admin;
    static URI deviceUri;
    static URI tokenUri;

    @BeforeAll
    static void start() {
        server = TestServer.start();
        admin = server.adminToken();
        deviceUri = URI.create(server.base + "/oauth2/device_authorization");
        tokenUri = URI.create(server.base + "/oauth2/token");
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** A TV app: public, device grant only, and no redirect URIs at all. */
    static ClientID registerPublic(String scope, String... resources) {
        var r = server.registerClientAs(
                admin,
                map(
                        "client_name",
                        "Living room TV",
                        "grant_types",
                        List.of(DEVICE_GRANT, "refresh_token"),
                        "token_endpoint_auth_method",
                        "none",
                        "scope",
                        scope,
                        "resources",
                        List.of(resources)));
        assertThat(r.json().has("redirect_uris")).isFalse();
        return new ClientID(r.text("client_id"));
    }

    static String newUser() {
        return server.register("d" + System.nanoTime() + "@example.com", PASSWORD);
    }

    static DeviceAuthorizationSuccessResponse authorize(ClientID client, Scope scope) throws Exception {
        var response = DeviceAuthorizationResponse.parse(new DeviceAuthorizationRequest(deviceUri, client, scope)
                .toHTTPRequest()
                .send());
        assertThat(response.indicatesSuccess()).isTrue();
        return response.toSuccessResponse();
    }

    static TokenResponse poll(ClientID client, DeviceAuthorizationSuccessResponse d) throws Exception {
        return OIDCTokenResponseParser.parse(
                new TokenRequest.Builder(tokenUri, client, new DeviceCodeGrant(d.getDeviceCode()))
                        .build()
                        .toHTTPRequest()
                        .send());
    }

    static String error(TokenResponse r) {
        assertThat(r.indicatesSuccess()).as("expected an error").isFalse();
        return ((TokenErrorResponse) r).getErrorObject().getCode();
    }

    /** Signs in through the /device page (arriving at {@code uri}) and returns the code entry form. */
    static HttpResponse<String> entryForm(Browser b, URI uri, String email) throws Exception {
        var first = b.get(uri);
        assertThat(first.statusCode()).isEqualTo(303);
        assertThat(Browser.location(first).getPath()).isEqualTo("/login");
        var login = b.follow(first);
        var form = b.signIn(login, email, PASSWORD);
        assertThat(form.statusCode()).as(form.body()).isEqualTo(200);
        assertThat(form.body()).contains("name=\"user_code\"");
        return form;
    }

    static HttpResponse<String> submit(Browser b, HttpResponse<String> page, String code, String decision)
            throws Exception {
        var fields = new java.util.HashMap<String, String>();
        fields.put("user_code", code);
        if (decision != null) fields.put("decision", decision);
        return b.submit(page, "/device", fields);
    }

    @Test
    void whenTheDevicePageIsAskedInGerman_thenEveryStepIsGermanAndTheLanguageSurvivesTheSignIn() throws Exception {
        var client = registerPublic("openid offline_access");
        var d = authorize(client, new Scope("openid", "offline_access"));
        String userCode = d.getUserCode().getValue();
        var b = new Browser(server.base);
        var first = b.get(URI.create(d.getVerificationURIComplete() + "&ui_locales=de"));
        assertThat(first.statusCode()).isEqualTo(303);
        var login = b.follow(first);
        assertThat(login.body()).contains("<html lang=\"de\">").contains("<title>Anmelden</title>");

        var form = b.signIn(login, newUser(), PASSWORD);
        assertThat(form.statusCode()).as(form.body()).isEqualTo(200);
        HostedPagesTest.assertPageHeaders(form);
        HostedPagesTest.assertAccessible(form.body(), "de");
        assertThat(form.body())
                .contains("<title>Gerät verbinden</title>")
                .contains("Geben Sie den Code ein, der auf Ihrem Gerät angezeigt wird.")
                .contains("name=\"ui_locales\" value=\"de\"")
                .contains("value=\"" + userCode + "\"")
                .contains(">Weiter</button>")
                .doesNotContain("Connect a device");

        var wrong = submit(b, form, "BCDF-GHJK", null);
        assertThat(wrong.statusCode()).isEqualTo(400);
        HostedPagesTest.assertAccessible(wrong.body(), "de");
        assertThat(wrong.body()).contains("role=\"alert\">Dieser Code ist ungültig oder abgelaufen.");

        var confirm = submit(b, wrong, userCode, null);
        assertThat(confirm.statusCode()).as(confirm.body()).isEqualTo(200);
        HostedPagesTest.assertPageHeaders(confirm);
        HostedPagesTest.assertAccessible(confirm.body(), "de");
        assertThat(confirm.body())
                .contains("<title>Zugriff erlauben?</title>")
                .contains("Code <strong>" + userCode
                        + "</strong>: <strong>Living room TV</strong> auf Ihrem Gerät möchte:")
                .contains("<li>Sie mit Ihrem Konto anmelden</li>")
                .contains("value=\"allow\">Erlauben</button>")
                .contains("value=\"deny\">Ablehnen</button>")
                .contains("name=\"ui_locales\" value=\"de\"");

        var done = submit(b, confirm, Browser.hidden(confirm.body(), "user_code"), "allow");
        assertThat(done.statusCode()).isEqualTo(200);
        HostedPagesTest.assertAccessible(done.body(), "de");
        assertThat(done.body())
                .contains("<h1>Gerät verbunden</h1>")
                .contains("Sie können zu Ihrem Gerät zurückkehren.");

        // A form without its CSRF cookie: refused in the form's language, with a way back that keeps it.
        var forged = new Browser(server.base)
                .post(
                        URI.create(server.base + "/device"),
                        Map.of("csrf", "x", "user_code", userCode, "ui_locales", "de"));
        assertThat(forged.statusCode()).isEqualTo(403);
        HostedPagesTest.assertAccessible(forged.body(), "de");
        assertThat(forged.body())
                .contains("<h1>Bitte beginnen Sie erneut</h1>")
                .contains("<a href=\"/device?ui_locales=de\">Code erneut eingeben</a>");
    }

    @Test
    void whenTheBrowserPrefersGerman_thenTheDevicePageIsGermanWithoutUiLocales() throws Exception {
        var b = new Browser(server.base);
        var form = entryForm(b, URI.create(server.base + "/device"), newUser());
        var req = java.net.http.HttpRequest.newBuilder(URI.create(server.base + "/device"))
                .header("Accept-Language", "de-CH, en;q=0.5")
                .GET()
                .build();
        var german = b.http.send(req, HttpResponse.BodyHandlers.ofString());
        assertThat(german.statusCode()).isEqualTo(200);
        HostedPagesTest.assertAccessible(german.body(), "de");
        assertThat(german.body()).contains("<title>Gerät verbinden</title>").contains("name=\"ui_locales\" value=\"\"");
        // Without a preference the page stays English.
        assertThat(form.body()).contains("<html lang=\"en\">").contains("<title>Connect a device</title>");
    }

    @Test
    void whenUserApprovesOnTheDevicePage_thenThePollingDeviceGetsTokensOnce() throws Exception {
        var client = registerPublic("openid profile offline_access");
        var d = authorize(client, new Scope("openid", "offline_access"));
        String userCode = d.getUserCode().getValue();
        assertThat(userCode).matches("[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}");
        assertThat(d.getVerificationURI().toString()).isEqualTo(server.base + "/device");
        assertThat(d.getVerificationURIComplete().toString()).isEqualTo(server.base + "/device?user_code=" + userCode);
        assertThat(d.getLifetime()).isEqualTo(600);
        assertThat(d.getInterval()).isEqualTo(5);

        assertThat(error(poll(client, d))).isEqualTo("authorization_pending");
        // Polling again at once is too fast: slow_down, and the interval grows to 10 s.
        assertThat(error(poll(client, d))).isEqualTo("slow_down");
        server.clock.advance(Duration.ofSeconds(6));
        assertThat(error(poll(client, d))).isEqualTo("slow_down");
        server.clock.advance(Duration.ofSeconds(15));
        assertThat(error(poll(client, d))).isEqualTo("authorization_pending");

        var b = new Browser(server.base);
        String email = newUser();
        var form = entryForm(b, d.getVerificationURIComplete(), email);
        assertThat(form.body()).contains("value=\"" + userCode + "\"");
        // Case, dash and spaces do not matter.
        String typed = " " + userCode.replace("-", "").toLowerCase(Locale.ROOT) + " ";
        var confirm = submit(b, form, typed, null);
        assertThat(confirm.statusCode()).as(confirm.body()).isEqualTo(200);
        assertThat(confirm.body()).contains("Living room TV", "name=\"decision\"");
        assertThat(confirm.headers().firstValue("Cache-Control")).hasValue("no-store");
        // The page's own token in an approval the browser says came from another site (ADR 0023): refused.
        b.fetchSite = "cross-site";
        var crossSite = submit(b, confirm, Browser.hidden(confirm.body(), "user_code"), "allow");
        assertThat(crossSite.statusCode()).isEqualTo(403);
        b.fetchSite = "same-origin";
        var done = submit(b, confirm, Browser.hidden(confirm.body(), "user_code"), "allow");
        assertThat(done.statusCode()).isEqualTo(200);
        assertThat(done.body()).contains("Device connected");

        // Two slow_downs made the interval 15 s.
        server.clock.advance(Duration.ofSeconds(14));
        assertThat(error(poll(client, d))).isEqualTo("slow_down");
        server.clock.advance(Duration.ofSeconds(20));
        var tokens = poll(client, d);
        assertThat(tokens.indicatesSuccess()).as(tokens.toString()).isTrue();
        var ok = (OIDCTokenResponse) tokens.toSuccessResponse();
        var at = SignedJWT.parse(ok.getTokens().getAccessToken().getValue()).getJWTClaimsSet();
        assertThat(at.getStringClaim("client_id")).isEqualTo(client.getValue());
        assertThat(at.getStringClaim("scope").split(" ")).containsExactlyInAnyOrder("openid", "offline_access");
        var idToken = ok.getOIDCTokens().getIDToken().getJWTClaimsSet();
        assertThat(idToken.getAudience()).containsExactly(client.getValue());
        assertThat(idToken.getSubject()).isEqualTo(at.getSubject());
        assertThat(ok.getTokens().getRefreshToken()).isNotNull();

        // The device code works once.
        server.clock.advance(Duration.ofSeconds(20));
        assertThat(error(poll(client, d))).isEqualTo("invalid_grant");
        // The refresh token of a device-flow session refreshes, and its scope may only shrink.
        var refreshed = TokenResponse.parse(new TokenRequest(
                        tokenUri, client, new RefreshTokenGrant(ok.getTokens().getRefreshToken()), null)
                .toHTTPRequest()
                .send());
        assertThat(refreshed.indicatesSuccess()).as(refreshed.toString()).isTrue();
        var wider = TokenResponse.parse(new TokenRequest(
                        tokenUri,
                        client,
                        new RefreshTokenGrant(
                                refreshed.toSuccessResponse().getTokens().getRefreshToken()),
                        new Scope("openid", "profile"))
                .toHTTPRequest()
                .send());
        assertThat(error(wider)).isEqualTo("invalid_scope");
    }

    @Test
    void whenThePollNamesAResourceTheUserDidNotApprove_thenInvalidTargetAndTheApprovalWaits() throws Exception {
        String tvApi = "https://tv-api.example/";
        var client = registerPublic("openid", tvApi, "https://elsewhere.example/");
        // A resource the client is not registered for is refused at once (ADR 0025).
        var unregistered = server.http
                .post("/oauth2/device_authorization")
                .raw(
                        "application/x-www-form-urlencoded",
                        "client_id=" + client.getValue() + "&scope=openid&resource=" + q("https://payroll.example/"))
                .send();
        assertThat(unregistered.status()).isEqualTo(400);
        assertThat(unregistered.text("error")).isEqualTo("invalid_target");
        var started = server.http
                .post("/oauth2/device_authorization")
                .raw(
                        "application/x-www-form-urlencoded",
                        "client_id=" + client.getValue() + "&scope=openid&resource=" + q(tvApi))
                .send();
        assertThat(started.status()).as(started.body()).isEqualTo(200);
        String deviceCode = started.text("device_code");
        var b = new Browser(server.base);
        var form = entryForm(b, URI.create(started.text("verification_uri_complete")), newUser());
        var confirm = submit(b, form, started.text("user_code"), null);
        assertThat(submit(b, confirm, Browser.hidden(confirm.body(), "user_code"), "allow")
                        .statusCode())
                .isEqualTo(200);

        // RFC 8707 §2.2: the poll may only narrow to what was approved.
        String poll =
                "grant_type=" + q(DEVICE_GRANT) + "&device_code=" + deviceCode + "&client_id=" + client.getValue();
        var elsewhere = server.http
                .post("/oauth2/token")
                .raw("application/x-www-form-urlencoded", poll + "&resource=" + q("https://elsewhere.example/"))
                .send();
        assertThat(elsewhere.status()).isEqualTo(400);
        assertThat(elsewhere.text("error")).isEqualTo("invalid_target");
        // The approval is still there: the next poll, with the approved resource, gets the token.
        server.clock.advance(Duration.ofSeconds(6));
        var ok = server.http
                .post("/oauth2/token")
                .raw("application/x-www-form-urlencoded", poll + "&resource=" + q(tvApi))
                .send();
        assertThat(ok.status()).as(ok.body()).isEqualTo(200);
        assertThat(SignedJWT.parse(ok.text("access_token")).getJWTClaimsSet().getAudience())
                .containsExactly(tvApi);
    }

    static String q(String s) {
        return java.net.URLEncoder.encode(s, java.nio.charset.StandardCharsets.UTF_8);
    }

    @Test
    void whenAnApprovedCodeIsPolledConcurrently_thenExactlyOnePollGetsTokens() throws Exception {
        var client = registerPublic("profile");
        var d = authorize(client, null);
        var b = new Browser(server.base);
        var form = entryForm(b, URI.create(server.base + "/device"), newUser());
        var confirm = submit(b, form, d.getUserCode().getValue(), null);
        assertThat(submit(b, confirm, d.getUserCode().getValue(), "allow").body())
                .contains("Device connected");
        List<Boolean> results =
                dev.gatehouse.testkit.Race.run(6, () -> poll(client, d).indicatesSuccess());
        assertThat(results).containsOnlyOnce(true);
    }

    @Test
    void whenUserDenies_thenTheDeviceIsToldAccessDenied() throws Exception {
        var client = registerPublic("profile");
        var d = authorize(client, null);
        var b = new Browser(server.base);
        var form = entryForm(b, URI.create(server.base + "/device"), newUser());
        var confirm = submit(b, form, d.getUserCode().getValue(), null);
        var done = submit(b, confirm, d.getUserCode().getValue(), "deny");
        assertThat(done.body()).contains("Access denied");
        assertThat(error(poll(client, d))).isEqualTo("access_denied");
        // Decided once: the code cannot be approved afterwards.
        var fresh = b.get(URI.create(server.base + "/device"));
        var again = submit(b, fresh, d.getUserCode().getValue(), "allow");
        assertThat(again.statusCode()).isEqualTo(400);
        server.clock.advance(Duration.ofSeconds(6));
        assertThat(error(poll(client, d))).isEqualTo("access_denied");
    }

    /** A device waiting for its code, and a new user signed in on the device page, at the confirmation step. */
    record Confirming(
            ClientID client,
            DeviceAuthorizationSuccessResponse d,
            Browser b,
            String email,
            HttpResponse<String> confirm) {
        HttpResponse<String> decide(String decision) throws Exception {
            return submit(b, confirm, d.getUserCode().getValue(), decision);
        }
    }

    static Confirming confirming() throws Exception {
        var client = registerPublic("profile");
        var d = authorize(client, null);
        var b = new Browser(server.base);
        String email = newUser();
        var form = entryForm(b, URI.create(server.base + "/device"), email);
        return new Confirming(
                client, d, b, email, submit(b, form, d.getUserCode().getValue(), null));
    }

    @Test
    void whenEverySessionEndsAfterApprovingButBeforeThePoll_thenTheDeviceIsToldAccessDenied() throws Exception {
        var c = confirming();
        assertThat(c.decide("allow").statusCode()).isEqualTo(200);

        var revoked = server.http
                .post("/v1/auth/revoke-all-sessions")
                .bearer(server.accessToken(c.email(), PASSWORD))
                .send();
        assertThat(revoked.status()).as(revoked.body()).isEqualTo(200);

        assertThat(error(poll(c.client(), c.d()))).isEqualTo("access_denied");
    }

    @Test
    void whenTheClientsTokensAreRevokedBeforeThePoll_thenNeitherAnApprovedNorAPendingCodeGetsTokens() throws Exception {
        var approved = confirming();
        assertThat(approved.decide("allow").statusCode()).isEqualTo(200);
        var pending = authorize(approved.client(), null);

        var revoked = server.http
                .post("/v1/admin/clients/" + approved.client().getValue() + "/revoke-tokens")
                .bearer(admin)
                .send();
        assertThat(revoked.status()).as(revoked.body()).isEqualTo(200);

        // Both were issued before the cut: neither yields tokens after it, even once approved.
        assertThat(error(poll(approved.client(), approved.d()))).isEqualTo("access_denied");
        var b = new Browser(server.base);
        var form = entryForm(b, URI.create(server.base + "/device"), newUser());
        submit(b, form, pending.getUserCode().getValue(), "allow");
        server.clock.advance(Duration.ofSeconds(6));
        assertThat(error(poll(approved.client(), pending))).isEqualTo("access_denied");
        // A code asked for after the revocation works as usual.
        assertThat(error(poll(approved.client(), authorize(approved.client(), null))))
                .isEqualTo("authorization_pending");
    }

    @Test
    void whenTheAccountIsDisabledBeforeApproving_thenTheDeviceGetsNoTokens() throws Exception {
        var c = confirming();
        // An operator's change in the database: the API has no call that disables an account yet.
        assertThat(server.database.update("UPDATE users SET status = ? WHERE email = ?", "disabled", c.email()))
                .isEqualTo(1);

        var done = c.decide("allow");
        assertThat(done.statusCode()).isEqualTo(403);
        assertThat(error(poll(c.client(), c.d()))).isEqualTo("authorization_pending");
    }

    @Test
    void whenTheCodeExpires_thenPollingSaysExpiredTokenAndThePageRefusesIt() throws Exception {
        var client = registerPublic("profile");
        var d = authorize(client, null);
        var b = new Browser(server.base);
        var form = entryForm(b, URI.create(server.base + "/device"), newUser());
        server.clock.advance(Duration.ofSeconds(601));
        assertThat(error(poll(client, d))).isEqualTo("expired_token");
        var refused = submit(b, form, d.getUserCode().getValue(), null);
        assertThat(refused.statusCode()).isEqualTo(400);
        assertThat(refused.body()).contains("not valid or has expired");
    }

    @Test
    void whenTheFormHasNoCsrfToken_thenNothingIsApproved() throws Exception {
        var client = registerPublic("profile");
        var d = authorize(client, null);
        var b = new Browser(server.base);
        entryForm(b, URI.create(server.base + "/device"), newUser());
        var forged = b.post(
                URI.create(server.base + "/device"),
                Map.of("csrf", "forged", "user_code", d.getUserCode().getValue(), "decision", "allow"));
        assertThat(forged.statusCode()).isEqualTo(403);
        assertThat(error(poll(client, d))).isEqualTo("authorization_pending");
    }

    @Test
    void whenClientIsConfidentialOrNotRegisteredForTheGrant_thenDeviceAuthorizationChecksIt() throws Exception {
        var r = server.registerClientAs(
                admin,
                map(
                        "client_name",
                        "kiosk",
                        "grant_types",
                        List.of(DEVICE_GRANT),
                        "token_endpoint_auth_method",
                        "client_secret_basic"));
        var id = new ClientID(r.text("client_id"));
        var secret = new Secret(r.text("client_secret"));
        var unauthenticated = server.http
                .post("/oauth2/device_authorization")
                .raw("application/x-www-form-urlencoded", "client_id=" + id.getValue())
                .send();
        assertThat(unauthenticated.status()).isEqualTo(401);
        assertThat(unauthenticated.text("error")).isEqualTo("invalid_client");
        var ok = DeviceAuthorizationResponse.parse(
                new DeviceAuthorizationRequest(deviceUri, new ClientSecretBasic(id, secret), null, Map.of())
                        .toHTTPRequest()
                        .send());
        assertThat(ok.indicatesSuccess()).isTrue();

        var cc = server.registerClientAs(
                admin,
                map("grant_types", List.of("client_credentials"), "token_endpoint_auth_method", "client_secret_basic"));
        var notDevice = DeviceAuthorizationResponse.parse(new DeviceAuthorizationRequest(
                        deviceUri,
                        new ClientSecretBasic(new ClientID(cc.text("client_id")), new Secret(cc.text("client_secret"))),
                        null,
                        Map.of())
                .toHTTPRequest()
                .send());
        assertThat(notDevice.toErrorResponse().getErrorObject().getCode()).isEqualTo("unauthorized_client");

        var escalated = DeviceAuthorizationResponse.parse(
                new DeviceAuthorizationRequest(deviceUri, registerPublic("profile"), new Scope("email"))
                        .toHTTPRequest()
                        .send());
        assertThat(escalated.toErrorResponse().getErrorObject().getCode()).isEqualTo("invalid_scope");
    }

    @Test
    void whenAClientRegisteredNoScope_thenItMayAskForAnyScopeInTheTableAsAtTheAuthorizationEndpoint() throws Exception {
        var r = server.registerClientAs(
                admin,
                map(
                        "client_name",
                        "Kitchen TV",
                        "grant_types",
                        List.of(DEVICE_GRANT),
                        "token_endpoint_auth_method",
                        "none"));
        var client = new ClientID(r.text("client_id"));
        // address is in the scope table (and in discovery's scopes_supported), though not among openid profile email.
        var d = authorize(client, new Scope("openid", "address"));
        assertThat(d.getUserCode()).isNotNull();
        var unknown = DeviceAuthorizationResponse.parse(
                new DeviceAuthorizationRequest(deviceUri, client, new Scope("openid", "no-such-scope"))
                        .toHTTPRequest()
                        .send());
        assertThat(unknown.indicatesSuccess()).isFalse();
        assertThat(unknown.toErrorResponse().getErrorObject().getCode()).isEqualTo("invalid_scope");
    }

    @Test
    void whenDiscoveryIsRead_thenTheDeviceEndpointAndGrantAreAdvertised() throws Exception {
        var r = new Browser(server.base).get(URI.create(server.base + "/.well-known/oauth-authorization-server"));
        var meta = AuthorizationServerMetadata.parse(r.body());
        assertThat(meta.getDeviceAuthorizationEndpointURI()).isEqualTo(deviceUri);
        assertThat(meta.getGrantTypes().stream().map(Object::toString))
                .contains(DEVICE_GRANT, "urn:ietf:params:oauth:grant-type:token-exchange");
    }

    @Test
    void whenCodesAreGuessed_thenThePageIsRateLimited() throws Exception {
        try (var limited = TestServer.start(Map.of("GATEHOUSE_RATE_LIMITS", "on"))) {
            limited.register("g@example.com", PASSWORD);
            var b = new Browser(limited.base);
            var first = b.get(URI.create(limited.base + "/device"));
            var form = b.signIn(b.follow(first), "g@example.com", PASSWORD);
            int status = 0;
            for (int i = 0; i < 25 && status != 429; i++) {
                var r = b.post(
                        URI.create(limited.base + "/device"),
                        Map.of("csrf", Browser.hidden(form.body(), "csrf"), "user_code", "BCDF-GHJK"));
                status = r.statusCode();
                if (status == 400) form = r;
            }
            assertThat(status).isEqualTo(429);
        }
    }
}
