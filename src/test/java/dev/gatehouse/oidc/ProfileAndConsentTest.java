package dev.gatehouse.oidc;

import static dev.gatehouse.testkit.HttpJson.map;
import static org.assertj.core.api.Assertions.assertThat;

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
import com.nimbusds.oauth2.sdk.token.Tokens;
import com.nimbusds.openid.connect.sdk.AuthenticationRequest;
import com.nimbusds.openid.connect.sdk.Nonce;
import com.nimbusds.openid.connect.sdk.OIDCTokenResponseParser;
import dev.gatehouse.testkit.ServerTest;
import dev.gatehouse.testkit.TestServer;
import java.net.URI;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** PUT /oauth2/userinfo (seed 000's profile update) and the user's consent management at /v1/auth/consents. */
@ServerTest
class ProfileAndConsentTest {
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

    record Client(ClientID id, Secret secret) {
        ClientSecretBasic auth() {
            return new ClientSecretBasic(id, secret);
        }
    }

    static Client register() {
        return register("openid profile email offline_access");
    }

    static Client register(String scope) {
        var r = server.registerClientAs(
                admin, TestServer.webClient("Photo app", CALLBACK, scope, "authorization_code", "refresh_token"));
        return new Client(new ClientID(r.text("client_id")), new Secret(r.text("client_secret")));
    }

    static String newUser() {
        return server.register("u" + System.nanoTime() + "@example.com", PASSWORD);
    }

    /** The authorization request's first page as the browser sees it (after signing in if asked). */
    static HttpResponse<String> open(Browser b, URI request, String email) throws Exception {
        var r = b.follow(b.get(request));
        if (r.statusCode() == 200 && r.body().contains("name=\"password\"")) r = b.signIn(r, email, PASSWORD);
        return r;
    }

    static URI authorizationRequest(Client c, Scope scope, CodeVerifier verifier) {
        return new AuthenticationRequest.Builder(ResponseType.CODE, scope, c.id(), CALLBACK)
                .endpointURI(URI.create(server.base + "/oauth2/authorize"))
                .state(new State())
                .nonce(new Nonce())
                .codeChallenge(verifier, CodeChallengeMethod.S256)
                .build()
                .toURI();
    }

    /** Signs in, consents, and redeems the code. */
    static Tokens tokens(Browser b, Client c, String email, Scope scope) throws Exception {
        var verifier = new CodeVerifier();
        var r = open(b, authorizationRequest(c, scope, verifier), email);
        if (r.statusCode() == 200 && r.body().contains("name=\"decision\"")) r = b.consent(r, "allow");
        var response = AuthorizationResponse.parse(Browser.location(r));
        var code = response.toSuccessResponse().getAuthorizationCode();
        var t = OIDCTokenResponseParser.parse(new TokenRequest.Builder(
                        URI.create(server.base + "/oauth2/token"),
                        c.auth(),
                        new AuthorizationCodeGrant(code, CALLBACK, verifier))
                .build()
                .toHTTPRequest()
                .send());
        assertThat(t.indicatesSuccess()).isTrue();
        return t.toSuccessResponse().getTokens();
    }

    static TokenResponse refresh(Client c, Tokens t) throws Exception {
        return TokenResponse.parse(new TokenRequest.Builder(
                        URI.create(server.base + "/oauth2/token"), c.auth(), new RefreshTokenGrant(t.getRefreshToken()))
                .build()
                .toHTTPRequest()
                .send());
    }

    @Test
    void whenTokenHasProfileScope_thenPutUpdatesTheProfileAndGetShowsIt() throws Exception {
        var client = register();
        String email = newUser();
        var t = tokens(new Browser(server.base), client, email, new Scope("openid", "profile", "email"));
        String at = t.getAccessToken().getValue();

        var put = server.http
                .put("/oauth2/userinfo")
                .bearer(at)
                .json(map("given_name", "Ada", "family_name", "Lovelace"))
                .send();
        assertThat(put.status()).as(put.body()).isEqualTo(200);
        assertThat(put.header("Cache-Control")).isEqualTo("no-store");
        assertThat(put.text("name")).isEqualTo("Ada Lovelace");
        assertThat(put.text("email")).isEqualTo(email);

        var get = server.http.get("/oauth2/userinfo").bearer(at).send();
        assertThat(get.text("given_name")).isEqualTo("Ada");
        assertThat(get.text("family_name")).isEqualTo("Lovelace");

        // Only the claims sent change; null clears one.
        var clear = server.http
                .put("/oauth2/userinfo")
                .bearer(at)
                .raw("application/json", "{\"family_name\":null}")
                .send();
        assertThat(clear.status()).isEqualTo(200);
        assertThat(clear.text("given_name")).isEqualTo("Ada");
        assertThat(clear.json().has("family_name")).isFalse();
    }

    @Test
    void whenPutIsBadOrUnauthorized_thenOAuthErrorsAndNothingChanges() throws Exception {
        var client = register();
        String email = newUser();
        var b = new Browser(server.base);
        String at = tokens(b, client, email, new Scope("openid", "profile"))
                .getAccessToken()
                .getValue();
        assertThat(server.http
                        .put("/oauth2/userinfo")
                        .bearer(at)
                        .json(map("given_name", "Grace"))
                        .send()
                        .status())
                .isEqualTo(200);

        for (String body : List.of(
                "{\"email\":\"evil@example.com\"}",
                "{\"sub\":\"x\"}",
                "{\"given_name\":42}",
                "{\"given_name\":\"" + "x".repeat(101) + "\"}",
                "{\"given_name\":\"a\\u0000b\"}",
                "{}",
                "[]",
                "not json",
                "{\"given_name\":\"x\"")) {
            var r = server.http
                    .put("/oauth2/userinfo")
                    .bearer(at)
                    .raw("application/json", body)
                    .send();
            assertThat(r.status()).as(body).isEqualTo(400);
            assertThat(r.text("error")).as(body).isEqualTo("invalid_request");
            assertThat(r.body()).doesNotContain("evil@example.com");
        }
        var form = server.http
                .put("/oauth2/userinfo")
                .bearer(at)
                .raw("application/x-www-form-urlencoded", "given_name=X")
                .send();
        assertThat(form.status()).isEqualTo(400);

        var noToken =
                server.http.put("/oauth2/userinfo").json(map("given_name", "X")).send();
        assertThat(noToken.status()).isEqualTo(401);
        // RFC 6750 §3.1: no credentials, so a challenge without an error code.
        assertThat(noToken.header("WWW-Authenticate")).isEqualTo("Bearer realm=\"gatehouse\"");
        var otherScheme = server.http
                .get("/oauth2/userinfo")
                .header("Authorization", "Basic dXNlcjpwYXNz")
                .send();
        assertThat(otherScheme.status()).isEqualTo(401);
        assertThat(otherScheme.header("WWW-Authenticate")).doesNotContain("error=");
        var badToken = server.http
                .put("/oauth2/userinfo")
                .bearer("not-a-token")
                .json(map("given_name", "X"))
                .send();
        assertThat(badToken.status()).isEqualTo(401);

        // A token without the profile scope may read userinfo but not change the profile (RFC 6750 §3.1).
        String emailOnly = tokens(b, client, email, new Scope("openid", "email"))
                .getAccessToken()
                .getValue();
        var scoped = server.http
                .put("/oauth2/userinfo")
                .bearer(emailOnly)
                .json(map("given_name", "X"))
                .send();
        assertThat(scoped.status()).isEqualTo(403);
        assertThat(scoped.text("error")).isEqualTo("insufficient_scope");
        assertThat(scoped.header("WWW-Authenticate"))
                .contains("insufficient_scope")
                .contains("profile");

        var after = server.http.get("/oauth2/userinfo").bearer(at).send();
        assertThat(after.text("given_name")).isEqualTo("Grace");
        assertThat(after.json().has("family_name")).isFalse();
        assertThat(server.http.get("/oauth2/userinfo").bearer(emailOnly).send().text("email"))
                .isEqualTo(email);
    }

    @Test
    void whenPhoneAddressAndProfileClaimsAreSet_thenUserinfoReleasesEachOnlyWithItsScope() throws Exception {
        var client = register("openid profile email address phone");
        String email = newUser();
        var b = new Browser(server.base);
        String all = tokens(b, client, email, new Scope("openid", "profile", "email", "address", "phone"))
                .getAccessToken()
                .getValue();

        var put = server.http
                .put("/oauth2/userinfo")
                .bearer(all)
                .raw("application/json", """
                        {"nickname": "Ada", "preferred_username": "ada", "birthdate": "0000-12-10",
                         "zoneinfo": "Europe/London", "locale": "en-GB", "website": "https://ada.example/",
                         "picture": "https://ada.example/ada.png", "phone_number": "+442071234567",
                         "address": {"country": "UK", "street_address": "12 St James's Square\\r\\nSt James's",
                                     "locality": "London", "postal_code": "SW1Y 4JH"}}
                        """)
                .send();
        assertThat(put.status()).as(put.body()).isEqualTo(200);

        var full = server.http.get("/oauth2/userinfo").bearer(all).send().json();
        assertThat(full.path("nickname").asText()).isEqualTo("Ada");
        assertThat(full.path("preferred_username").asText()).isEqualTo("ada");
        assertThat(full.path("birthdate").asText()).isEqualTo("0000-12-10");
        assertThat(full.path("zoneinfo").asText()).isEqualTo("Europe/London");
        assertThat(full.path("locale").asText()).isEqualTo("en-GB");
        assertThat(full.path("website").asText()).isEqualTo("https://ada.example/");
        assertThat(full.path("picture").asText()).isEqualTo("https://ada.example/ada.png");
        assertThat(full.path("phone_number").asText()).isEqualTo("+442071234567");
        // Gatehouse sends no text messages, so it has verified no phone number.
        assertThat(full.path("phone_number_verified").isBoolean()).isTrue();
        assertThat(full.path("phone_number_verified").asBoolean()).isFalse();
        assertThat(full.path("updated_at").isNumber()).isTrue();
        // OIDC Core §5.1.1: the address is an object of its members, line breaks as \n.
        var address = full.path("address");
        assertThat(names(address)).containsExactly("street_address", "locality", "postal_code", "country");
        assertThat(address.path("street_address").asText()).isEqualTo("12 St James's Square\nSt James's");
        assertThat(full.path("email").asText()).isEqualTo(email);

        // Each scope releases its own claims and no others (OIDC Core §5.4).
        String phoneOnly = tokens(b, client, email, new Scope("openid", "phone"))
                .getAccessToken()
                .getValue();
        var phone = server.http.get("/oauth2/userinfo").bearer(phoneOnly).send().json();
        assertThat(names(phone)).containsExactly("sub", "phone_number", "phone_number_verified");
        String addressOnly = tokens(b, client, email, new Scope("openid", "address"))
                .getAccessToken()
                .getValue();
        assertThat(names(server.http
                        .get("/oauth2/userinfo")
                        .bearer(addressOnly)
                        .send()
                        .json()))
                .containsExactly("sub", "address");

        // The ID token of a token response carries the same claims as userinfo (many clients read only that).
        var idToken = tokens(b, client, email, new Scope("openid", "phone", "address"))
                .toOIDCTokens()
                .getIDToken()
                .getJWTClaimsSet();
        assertThat(idToken.getStringClaim("phone_number")).isEqualTo("+442071234567");
        assertThat(idToken.getBooleanClaim("phone_number_verified")).isFalse();
        assertThat(idToken.getJSONObjectClaim("address")).containsEntry("locality", "London");
        assertThat(idToken.getClaims()).doesNotContainKeys("email", "nickname", "name", "updated_at");
        var withProfile = tokens(b, client, email, new Scope("openid", "profile", "email"))
                .toOIDCTokens()
                .getIDToken()
                .getJWTClaimsSet();
        assertThat(withProfile.getStringClaim("nickname")).isEqualTo("Ada");
        assertThat(withProfile.getStringClaim("email")).isEqualTo(email);
        assertThat(withProfile.getClaims()).doesNotContainKeys("phone_number", "address");

        // A claim is changed only by a token that can read it: the phone token cannot change the address.
        var refused = server.http
                .put("/oauth2/userinfo")
                .bearer(phoneOnly)
                .json(map("address", map("locality", "Paris")))
                .send();
        assertThat(refused.status()).isEqualTo(403);
        assertThat(refused.text("error")).isEqualTo("insufficient_scope");
        assertThat(refused.header("WWW-Authenticate")).contains("scope=\"openid address\"");
        var cleared = server.http
                .put("/oauth2/userinfo")
                .bearer(phoneOnly)
                .raw("application/json", "{\"phone_number\": null}")
                .send();
        assertThat(cleared.status()).as(cleared.body()).isEqualTo(200);
        assertThat(names(cleared.json())).containsExactly("sub");
        var after = server.http.get("/oauth2/userinfo").bearer(all).send().json();
        assertThat(after.has("phone_number")).isFalse();
        assertThat(after.has("phone_number_verified")).isFalse();
        assertThat(after.path("address").path("locality").asText()).isEqualTo("London");
    }

    @Test
    void whenAStandardClaimIsMalformed_thenInvalidRequestNamesItAndNothingChanges() throws Exception {
        var client = register("openid profile address phone");
        String email = newUser();
        String at = tokens(new Browser(server.base), client, email, new Scope("openid", "profile", "address", "phone"))
                .getAccessToken()
                .getValue();
        var ok = server.http
                .put("/oauth2/userinfo")
                .bearer(at)
                .json(map("phone_number", "+33142685300", "zoneinfo", "UTC", "birthdate", "1815"))
                .send();
        assertThat(ok.status()).as(ok.body()).isEqualTo(200);

        for (String body : List.of(
                "{\"phone_number\":\"01 42 68 53 00\"}",
                "{\"phone_number\":\"+0142685300\"}",
                "{\"birthdate\":\"2020-02-30\"}",
                "{\"birthdate\":\"0000\"}",
                "{\"birthdate\":\"10/12/1815\"}",
                "{\"zoneinfo\":\"Mars/Olympus_Mons\"}",
                "{\"locale\":\"en_GB\"}",
                "{\"website\":\"javascript:alert(1)\"}",
                "{\"picture\":\"/relative.png\"}",
                "{\"nickname\":\"" + "n".repeat(101) + "\"}",
                "{\"address\":\"1 Main Street\"}",
                "{\"address\":{\"planet\":\"Earth\"}}",
                "{\"address\":{\"country\":7}}",
                "{\"address\":{\"locality\":\"a\\nb\"}}",
                "{\"phone_number_verified\":true}",
                "{\"updated_at\":0}",
                "{\"name\":\"Ada Lovelace\"}")) {
            var r = server.http
                    .put("/oauth2/userinfo")
                    .bearer(at)
                    .raw("application/json", body)
                    .send();
            assertThat(r.status()).as(body).isEqualTo(400);
            assertThat(r.text("error")).as(body).isEqualTo("invalid_request");
            String claim = body.substring(2, body.indexOf('"', 2));
            assertThat(r.text("error_description")).as(body).contains(claim);
        }
        var after = server.http.get("/oauth2/userinfo").bearer(at).send().json();
        assertThat(after.path("phone_number").asText()).isEqualTo("+33142685300");
        assertThat(after.path("zoneinfo").asText()).isEqualTo("UTC");
        assertThat(after.path("birthdate").asText()).isEqualTo("1815");
        assertThat(after.has("address")).isFalse();
        assertThat(after.has("locale")).isFalse();
    }

    /**
     * A claim is released to every relying party, so it is held to the text rule the rest of the API keeps (and client
     * names too): no line or paragraph separators, unpaired surrogates, bidirectional overrides, nor bytes that are not
     * UTF-8 (RFC 8259 §8.1), which would otherwise be stored as "?" or U+FFFD.
     */
    @Test
    void whenAClaimHoldsTextTheRestOfTheApiRefuses_thenInvalidRequestAndNothingChanges() throws Exception {
        var client = register("openid profile address");
        String email = newUser();
        String at = tokens(new Browser(server.base), client, email, new Scope("openid", "profile", "address"))
                .getAccessToken()
                .getValue();
        var ok = server.http
                .put("/oauth2/userinfo")
                .bearer(at)
                .json(map("given_name", "Ada", "nickname", "Countess", "address", map("street_address", "1 A\nB")))
                .send();
        assertThat(ok.status()).as(ok.body()).isEqualTo(200);

        for (String body : List.of(
                "{\"given_name\":\"a\\ud800b\"}",
                "{\"family_name\":\"a\\udfffb\"}",
                "{\"nickname\":\"a\\u2028b\"}",
                "{\"middle_name\":\"a\\u2029b\"}",
                "{\"given_name\":\"\\u202Eevil\"}",
                "{\"preferred_username\":\"\\u2066x\\u2069\"}",
                "{\"gender\":\"\\u200Fx\"}",
                "{\"website\":\"https://example.com/\\u202Ex\"}",
                "{\"address\":{\"locality\":\"\\u202Ex\"}}",
                "{\"address\":{\"street_address\":\"1 Main\\nSt\\u2028x\"}}",
                "{\"address\":{\"formatted\":\"a\\n\\ud800\"}}")) {
            var r = server.http
                    .put("/oauth2/userinfo")
                    .bearer(at)
                    .raw("application/json", body)
                    .send();
            assertThat(r.status()).as(body + " -> " + r.body()).isEqualTo(400);
            assertThat(r.text("error")).as(body).isEqualTo("invalid_request");
            String claim = body.substring(2, body.indexOf('"', 2));
            assertThat(r.text("error_description")).as(body).contains(claim);
        }
        var raw = new dev.gatehouse.testkit.RawHttp(server.base);
        var notUtf8 = new java.io.ByteArrayOutputStream();
        notUtf8.writeBytes("{\"given_name\":\"a".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        notUtf8.write(0xFF);
        notUtf8.writeBytes("b\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        var r = raw.send(dev.gatehouse.testkit.RawHttp.request("PUT", "/oauth2/userinfo")
                .header("Authorization", "Bearer " + at)
                .header("Content-Type", "application/json")
                .body(notUtf8.toByteArray()));
        assertThat(r.status()).as(r.body()).isEqualTo(400);
        assertThat(r.body()).contains("\"error\":\"invalid_request\"").contains("UTF-8");

        var after = server.http.get("/oauth2/userinfo").bearer(at).send().json();
        assertThat(after.path("given_name").asText()).isEqualTo("Ada");
        assertThat(after.path("nickname").asText()).isEqualTo("Countess");
        assertThat(after.has("family_name")).isFalse();
        assertThat(after.has("website")).isFalse();
        assertThat(after.path("address").path("street_address").asText()).isEqualTo("1 A\nB");
    }

    @Test
    void whenAnAdministratorMapsClaimsToACustomScope_thenUserinfoReleasesThemForIt() throws Exception {
        String scope = "contact" + System.nanoTime();
        var created = server.http
                .post("/v1/admin/scopes")
                .bearer(admin)
                .json(map("name", scope, "description", "Contact you", "claims", List.of("email", "phone_number")))
                .send();
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        var client = register("openid phone " + scope);
        String email = newUser();
        var b = new Browser(server.base);
        String phone = tokens(b, client, email, new Scope("openid", "phone"))
                .getAccessToken()
                .getValue();
        assertThat(server.http
                        .put("/oauth2/userinfo")
                        .bearer(phone)
                        .json(map("phone_number", "+14155550100"))
                        .send()
                        .status())
                .isEqualTo(200);

        String contact = tokens(b, client, email, new Scope("openid", scope))
                .getAccessToken()
                .getValue();
        var info = server.http.get("/oauth2/userinfo").bearer(contact).send().json();
        assertThat(names(info)).containsExactly("sub", "email", "phone_number");
        assertThat(info.path("email").asText()).isEqualTo(email);
        assertThat(info.path("phone_number").asText()).isEqualTo("+14155550100");

        // Discovery lists every claim a scope can release.
        var discovery =
                server.http.get("/.well-known/openid-configuration").send().json();
        var supported = new java.util.ArrayList<String>();
        discovery.path("claims_supported").forEach(n -> supported.add(n.asText()));
        assertThat(supported)
                .contains(
                        "sub",
                        "name",
                        "nickname",
                        "birthdate",
                        "zoneinfo",
                        "locale",
                        "phone_number",
                        "phone_number_verified",
                        "address",
                        "updated_at",
                        "at_hash")
                .doesNotHaveDuplicates();
    }

    static List<String> names(com.fasterxml.jackson.databind.JsonNode object) {
        var names = new java.util.ArrayList<String>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }

    static boolean activeTo(Client asker, com.nimbusds.oauth2.sdk.token.Token token) throws Exception {
        var r = com.nimbusds.oauth2.sdk.TokenIntrospectionResponse.parse(
                new com.nimbusds.oauth2.sdk.TokenIntrospectionRequest(
                                URI.create(server.base + "/oauth2/introspect"), asker.auth(), token)
                        .toHTTPRequest()
                        .send());
        assertThat(r.indicatesSuccess()).isTrue();
        return r.toSuccessResponse().isActive();
    }

    @Test
    void whenAnAdministratorDeletesAClient_thenItsUsersTokensAndConsentsGoWithIt() throws Exception {
        var client = register();
        var other = register();
        String email = newUser();
        var b = new Browser(server.base);
        var t = tokens(b, client, email, new Scope("openid", "email", "offline_access"));
        var otherTokens = tokens(b, other, email, new Scope("openid", "offline_access"));
        assertThat(activeTo(other, t.getAccessToken())).isTrue();

        var deleted = server.http
                .delete("/v1/admin/clients/" + client.id().getValue())
                .bearer(admin)
                .send();
        assertThat(deleted.status()).as(deleted.body()).isEqualTo(204);

        // RFC 7592 §2.3: the deleted client's grants and tokens end at once; the other client's stay.
        assertThat(activeTo(other, t.getAccessToken())).isFalse();
        assertThat(activeTo(other, t.getRefreshToken())).isFalse();
        assertThat(server.http
                        .get("/oauth2/userinfo")
                        .bearer(t.getAccessToken().getValue())
                        .send()
                        .status())
                .isEqualTo(401);
        assertThat(activeTo(other, otherTokens.getAccessToken())).isTrue();
        assertThat(refresh(other, otherTokens).indicatesSuccess()).isTrue();
        String api = server.accessToken(email, PASSWORD);
        assertThat(server.http
                        .get("/v1/auth/consents")
                        .bearer(api)
                        .send()
                        .json()
                        .path("consents")
                        .findValuesAsText("client_id"))
                .containsExactly(other.id().getValue());
    }

    @Test
    void whenUserRevokesConsent_thenRefreshTokensStopAndTheConsentPageShowsAgain() throws Exception {
        var client = register();
        var other = register();
        String email = newUser();
        var b = new Browser(server.base);
        var t = tokens(b, client, email, new Scope("openid", "email", "offline_access"));
        var otherTokens = tokens(b, other, email, new Scope("openid", "offline_access"));
        String api = server.accessToken(email, PASSWORD);

        var list = server.http.get("/v1/auth/consents").bearer(api).send();
        assertThat(list.status()).as(list.body()).isEqualTo(200);
        assertThat(list.json().path("consents").findValuesAsText("client_id"))
                .containsExactlyInAnyOrder(client.id().getValue(), other.id().getValue());
        assertThat(list.json().path("consents").findValuesAsText("client_name")).contains("Photo app");
        assertThat(list.body()).contains("offline_access");

        // Remembered: no consent page for the same scope.
        var remembered = open(b, authorizationRequest(client, new Scope("openid", "email"), new CodeVerifier()), email);
        assertThat(remembered.statusCode()).isIn(302, 303);

        var revoke = server.http
                .delete("/v1/auth/consents/" + client.id().getValue())
                .bearer(api)
                .send();
        assertThat(revoke.status()).as(revoke.body()).isEqualTo(204);

        var refused = refresh(client, t);
        assertThat(refused.indicatesSuccess()).isFalse();
        assertThat(refused.toErrorResponse().getErrorObject().getCode()).isEqualTo("invalid_grant");
        assertThat(refresh(other, otherTokens).indicatesSuccess()).isTrue();

        var page = open(b, authorizationRequest(client, new Scope("openid", "email"), new CodeVerifier()), email);
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("name=\"decision\"");

        assertThat(server.http
                        .get("/v1/auth/consents")
                        .bearer(api)
                        .send()
                        .json()
                        .path("consents")
                        .findValuesAsText("client_id"))
                .containsExactly(other.id().getValue());
        var again = server.http
                .delete("/v1/auth/consents/" + client.id().getValue())
                .bearer(api)
                .send();
        assertThat(again.status()).isEqualTo(404);
        assertThat(again.header("Content-Type")).startsWith("application/problem+json");
        assertThat(server.http.get("/v1/auth/consents").send().status()).isEqualTo(401);

        var logs = server.http
                .get("/v1/audit/logs?event_type=oauth.consent_revoked")
                .bearer(admin)
                .send();
        assertThat(logs.json().path("count").asInt()).isPositive();
    }

    @Test
    void whenAuthorizationRequestHasNoScope_thenTheDefaultScopesTheClientMayUseAreGranted() throws Exception {
        var client = register();
        String email = newUser();
        var verifier = new CodeVerifier();
        URI request = URI.create(server.base + "/oauth2/authorize?response_type=code&client_id="
                + client.id().getValue() + "&redirect_uri=" + CALLBACK + "&state=s1&code_challenge="
                + com.nimbusds.oauth2.sdk.pkce.CodeChallenge.compute(CodeChallengeMethod.S256, verifier)
                        .getValue()
                + "&code_challenge_method=S256");
        var b = new Browser(server.base);
        var page = open(b, request, email);
        assertThat(page.statusCode()).isEqualTo(200);
        // openid is the only default scope of a fresh install: the page asks for it alone.
        assertThat(page.body()).contains("Sign you in").doesNotContain("See your email address");
        var r = b.consent(page, "allow");
        var code = AuthorizationResponse.parse(Browser.location(r))
                .toSuccessResponse()
                .getAuthorizationCode();
        var t = TokenResponse.parse(new TokenRequest.Builder(
                                URI.create(server.base + "/oauth2/token"),
                                client.auth(),
                                new AuthorizationCodeGrant(code, CALLBACK, verifier))
                        .build()
                        .toHTTPRequest()
                        .send())
                .toSuccessResponse()
                .getTokens();
        assertThat(t.getAccessToken().getScope().toStringList()).containsExactly("openid");
    }
}
