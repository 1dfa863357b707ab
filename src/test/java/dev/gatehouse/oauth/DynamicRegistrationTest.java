package dev.gatehouse.oauth;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.oauth2.sdk.ClientCredentialsGrant;
import com.nimbusds.oauth2.sdk.GrantType;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.TokenRequest;
import com.nimbusds.oauth2.sdk.TokenResponse;
import com.nimbusds.oauth2.sdk.auth.ClientSecretBasic;
import com.nimbusds.oauth2.sdk.auth.Secret;
import com.nimbusds.oauth2.sdk.client.ClientDeleteRequest;
import com.nimbusds.oauth2.sdk.client.ClientReadRequest;
import com.nimbusds.oauth2.sdk.client.ClientRegistrationErrorResponse;
import com.nimbusds.oauth2.sdk.client.ClientRegistrationResponse;
import com.nimbusds.oauth2.sdk.client.ClientUpdateRequest;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.token.BearerAccessToken;
import com.nimbusds.openid.connect.sdk.rp.OIDCClientInformation;
import com.nimbusds.openid.connect.sdk.rp.OIDCClientInformationResponse;
import com.nimbusds.openid.connect.sdk.rp.OIDCClientMetadata;
import com.nimbusds.openid.connect.sdk.rp.OIDCClientRegistrationRequest;
import com.nimbusds.openid.connect.sdk.rp.OIDCClientRegistrationResponseParser;
import dev.gatehouse.testkit.HttpJson;
import dev.gatehouse.testkit.ServerTest;
import dev.gatehouse.testkit.TestServer;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** RFC 7591 registration and RFC 7592 management, driven by the Nimbus SDK's registration client. */
@ServerTest
class DynamicRegistrationTest {
    static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static OIDCClientMetadata metadata() {
        var m = new OIDCClientMetadata();
        m.setName("native app");
        m.setRedirectionURI(URI.create("https://app.example.com/callback"));
        m.setGrantTypes(Set.of(GrantType.AUTHORIZATION_CODE, GrantType.REFRESH_TOKEN));
        m.setScope(new Scope("openid", "email"));
        return m;
    }

    URI register() {
        return URI.create(server.base + "/oauth2/register");
    }

    @Test
    void whenAdministratorRegisters_thenClientCanReadUpdateAndDeleteItself() throws Exception {
        var request =
                new OIDCClientRegistrationRequest(register(), metadata(), new BearerAccessToken(server.adminToken()));
        var http = request.toHTTPRequest().send();
        assertThat(http.getStatusCode()).as(http.getBody()).isEqualTo(201);
        ClientRegistrationResponse response = OIDCClientRegistrationResponseParser.parse(http);
        assertThat(response.indicatesSuccess()).isTrue();
        OIDCClientInformation info = ((OIDCClientInformationResponse) response).getOIDCClientInformation();
        assertThat(info.getSecret()).isNotNull();
        assertThat(info.getRegistrationAccessToken()).isNotNull();
        assertThat(info.getOIDCMetadata().getRedirectionURIs())
                .containsExactly(URI.create("https://app.example.com/callback"));
        URI self = info.getRegistrationURI();
        assertThat(self)
                .isEqualTo(URI.create(
                        server.base + "/oauth2/register/" + info.getID().getValue()));

        var readHttp = new ClientReadRequest(self, info.getRegistrationAccessToken())
                .toHTTPRequest()
                .send();
        assertThat(readHttp.getStatusCode()).as(readHttp.getBody()).isEqualTo(200);
        var read = OIDCClientRegistrationResponseParser.parse(readHttp);
        assertThat(read.indicatesSuccess()).isTrue();
        // RFC 7592 §3: the read carries the registration access token and configuration URI, and is not cached.
        var readInfo = ((OIDCClientInformationResponse) read).getOIDCClientInformation();
        assertThat(readInfo.getRegistrationAccessToken()).isEqualTo(info.getRegistrationAccessToken());
        assertThat(readInfo.getRegistrationURI()).isEqualTo(self);
        assertThat(readHttp.getHeaderValue("Cache-Control")).isEqualTo("no-store");

        var changed = metadata();
        changed.setName("renamed");
        var update = new ClientUpdateRequest(self, info.getID(), info.getRegistrationAccessToken(), changed, null);
        var updated = OIDCClientRegistrationResponseParser.parse(
                update.toHTTPRequest().send());
        assertThat(((OIDCClientInformationResponse) updated)
                        .getOIDCClientInformation()
                        .getOIDCMetadata()
                        .getName())
                .isEqualTo("renamed");
        assertThat(((OIDCClientInformationResponse) updated)
                        .getOIDCClientInformation()
                        .getRegistrationAccessToken())
                .isEqualTo(info.getRegistrationAccessToken());

        var wrongToken = new ClientReadRequest(self, new BearerAccessToken("grt_wrong"))
                .toHTTPRequest()
                .send();
        assertThat(wrongToken.getStatusCode()).isEqualTo(401);

        var deleted = new ClientDeleteRequest(self, info.getRegistrationAccessToken())
                .toHTTPRequest()
                .send();
        assertThat(deleted.getStatusCode()).isEqualTo(204);
        var gone = new ClientReadRequest(self, info.getRegistrationAccessToken())
                .toHTTPRequest()
                .send();
        assertThat(gone.getStatusCode()).isEqualTo(401);
    }

    @Test
    void whenNoAdministratorTokenIsPresented_thenOpenRegistrationIsRefused() throws Exception {
        var anonymous = new OIDCClientRegistrationRequest(register(), metadata(), null)
                .toHTTPRequest()
                .send();
        assertThat(anonymous.getStatusCode()).isEqualTo(401);
        String user = server.register("mallory@example.com", "Correct-Horse-Battery-9");
        var notAdmin = new OIDCClientRegistrationRequest(
                        register(),
                        metadata(),
                        new BearerAccessToken(server.accessToken(user, "Correct-Horse-Battery-9")))
                .toHTTPRequest()
                .send();
        assertThat(notAdmin.getStatusCode()).isEqualTo(403);
    }

    /**
     * RFC 6750 §3: a token that does not grant access is challenged with {@code insufficient_scope}; §3.1: a request
     * with no token at all gets a bare challenge, without an error code (the body keeps the OAuth error field).
     */
    @Test
    void whenRegistrationOrManagementIsRefused_thenTheBearerChallengeSaysWhy() {
        var none = server.http
                .post("/oauth2/register")
                .json(HttpJson.map("client_name", "x"))
                .send();
        assertThat(none.status()).isEqualTo(401);
        assertThat(none.header("WWW-Authenticate")).isEqualTo("Bearer realm=\"gatehouse\"");
        assertThat(none.text("error")).isEqualTo("invalid_token");

        var wrong = server.http
                .post("/oauth2/register")
                .bearer("not-a-token")
                .json(HttpJson.map("client_name", "x"))
                .send();
        assertThat(wrong.status()).isEqualTo(401);
        assertThat(wrong.header("WWW-Authenticate")).isEqualTo("Bearer error=\"invalid_token\"");

        String user = server.register("not-an-admin@example.com", "Correct-Horse-Battery-9");
        var notAdmin = server.http
                .post("/oauth2/register")
                .bearer(server.accessToken(user, "Correct-Horse-Battery-9"))
                .json(HttpJson.map("client_name", "x"))
                .send();
        assertThat(notAdmin.status()).isEqualTo(403);
        assertThat(notAdmin.header("WWW-Authenticate")).isEqualTo("Bearer error=\"insufficient_scope\"");
        assertThat(notAdmin.text("error")).isEqualTo("insufficient_scope");

        var created = registerRaw(HttpJson.map("client_name", "managed", "grant_types", List.of("client_credentials")));
        String self = "/oauth2/register/" + created.text("client_id");
        for (var call :
                List.of(server.http.get(self), server.http.put(self).json(HttpJson.map()), server.http.delete(self))) {
            var r = call.send();
            assertThat(r.status()).isEqualTo(401);
            assertThat(r.header("WWW-Authenticate")).isEqualTo("Bearer realm=\"gatehouse\"");
            assertThat(r.text("error")).isEqualTo("invalid_token");
        }
        var wrongRat = server.http.get(self).bearer("grt_wrong").send();
        assertThat(wrongRat.status()).isEqualTo(401);
        assertThat(wrongRat.header("WWW-Authenticate")).isEqualTo("Bearer error=\"invalid_token\"");
    }

    @Test
    void whenRedirectUriIsNotAllowed_thenInvalidRedirectUriIsReturned() throws Exception {
        // plain http to a non-loopback host: Nimbus builds it, Gatehouse refuses it (OAuth 2.1 §2.3.1)
        var bad = metadata();
        bad.setRedirectionURI(URI.create("http://app.example.com/callback"));
        var response = OIDCClientRegistrationResponseParser.parse(
                new OIDCClientRegistrationRequest(register(), bad, new BearerAccessToken(server.adminToken()))
                        .toHTTPRequest()
                        .send());
        assertThat(response.indicatesSuccess()).isFalse();
        assertThat(((ClientRegistrationErrorResponse) response).getErrorObject().getCode())
                .isEqualTo("invalid_redirect_uri");

        var fragment = server.http
                .post("/oauth2/register")
                .bearer(server.adminToken())
                .json(dev.gatehouse.testkit.HttpJson.map(
                        "redirect_uris", java.util.List.of("https://app.example.com/cb#x")))
                .send();
        assertThat(fragment.status()).isEqualTo(400);
        assertThat(fragment.text("error")).isEqualTo("invalid_redirect_uri");
    }

    HttpJson.Response registerRaw(Map<String, Object> body) {
        return server.http
                .post("/oauth2/register")
                .bearer(server.adminToken())
                .json(body)
                .send();
    }

    @Test
    void whenARegistrationNamesResponseOnlyFields_thenTheyAreIgnoredAndTheServerIssuesItsOwn() {
        // RFC 7591 §2 and §3.2.1: client_id, the secret and the registration token are the server's, not metadata.
        var created = registerRaw(HttpJson.map(
                "client_name", "chooser",
                "redirect_uris", List.of("https://app.example.com/callback"),
                "client_id", "x",
                "client_secret", "chosen",
                "client_id_issued_at", 1,
                "client_secret_expires_at", 1,
                "registration_access_token", "grt_chosen",
                "registration_client_uri", "https://evil.example/"));
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        String id = created.text("client_id");
        assertThat(id).startsWith("gc_");
        assertThat(created.text("client_secret")).startsWith("gcs_");
        assertThat(created.json().path("client_secret_expires_at").asInt()).isZero();
        assertThat(created.json().path("client_id_issued_at").asLong()).isGreaterThan(1);
        assertThat(created.text("registration_access_token")).startsWith("grt_").isNotEqualTo("grt_chosen");
        assertThat(created.text("registration_client_uri")).isEqualTo(server.base + "/oauth2/register/" + id);

        var read = server.http
                .get("/oauth2/register/" + id)
                .bearer(created.text("registration_access_token"))
                .send();
        assertThat(read.status()).as(read.body()).isEqualTo(200);
        assertThat(read.text("client_id")).isEqualTo(id);
        assertThat(read.text("registration_client_uri")).isEqualTo(server.base + "/oauth2/register/" + id);
        assertThat(read.body()).doesNotContain("chosen", "\"client_secret\"", "evil.example");
    }

    @Test
    void whenAClientUpdatesItsRegistration_thenItMustNameItsIdAndAnySecretItSendsMustBeItsOwn() throws Exception {
        var created = registerRaw(HttpJson.map(
                "client_name", "self-managed",
                "redirect_uris", List.of("https://app.example.com/callback"),
                "grant_types", List.of("authorization_code", "client_credentials")));
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        String id = created.text("client_id");
        String secret = created.text("client_secret");
        String rat = created.text("registration_access_token");
        String self = "/oauth2/register/" + id;
        Map<String, Object> metadata = HttpJson.map(
                "client_name", "renamed",
                "redirect_uris", List.of("https://app.example.com/callback"),
                "grant_types", List.of("authorization_code", "client_credentials"));

        // RFC 7592 §2.2: client_id MUST be present and equal to the path's; a client_secret MUST be the current one.
        for (var wrong : List.of(
                HttpJson.map(),
                HttpJson.map("client_id", "gc_someone_else"),
                HttpJson.map("client_id", id, "client_secret", "gcs_wrong"),
                HttpJson.map("client_id", id, "client_secret", 7))) {
            var body = new LinkedHashMap<>(metadata);
            body.putAll(wrong);
            var r = server.http.put(self).bearer(rat).json(body).send();
            assertThat(r.status()).as(wrong + " -> " + r.body()).isEqualTo(400);
            assertThat(r.text("error")).isEqualTo("invalid_client_metadata");
        }
        assertThat(server.http.get(self).bearer(rat).send().text("client_name")).isEqualTo("self-managed");

        var body = new LinkedHashMap<>(metadata);
        body.put("client_id", id);
        body.put("client_secret", secret);
        var updated = server.http.put(self).bearer(rat).json(body).send();
        assertThat(updated.status()).as(updated.body()).isEqualTo(200);
        assertThat(updated.text("client_id")).isEqualTo(id);
        assertThat(updated.text("client_name")).isEqualTo("renamed");
        assertThat(updated.json().has("client_secret")).isFalse();
        assertThat(server.http.get(self).bearer(rat).send().body()).doesNotContain(secret);

        // The secret is unchanged: the client still authenticates with it.
        var token = TokenResponse.parse(new TokenRequest(
                        URI.create(server.base + "/oauth2/token"),
                        new ClientSecretBasic(new ClientID(id), new Secret(secret)),
                        new ClientCredentialsGrant(),
                        null)
                .toHTTPRequest()
                .send());
        assertThat(token.indicatesSuccess()).isTrue();
    }

    @Test
    void whenAClientUpdatesItself_thenItMayNarrowButNotWidenWhatAnAdministratorRegistered() throws Exception {
        var created = registerRaw(HttpJson.map(
                "client_name",
                "job",
                "grant_types",
                List.of("client_credentials"),
                "scope",
                "openid email",
                "dpop_bound_access_tokens",
                true));
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        String id = created.text("client_id");
        String rat = created.text("registration_access_token");
        String self = "/oauth2/register/" + id;

        for (var widening : List.of(
                HttpJson.map("scope", "openid email profile"),
                HttpJson.map(
                        "grant_types",
                        List.of("client_credentials", "authorization_code"),
                        "redirect_uris",
                        List.of("https://app.example.com/callback")))) {
            var body = new LinkedHashMap<String, Object>(HttpJson.map("client_id", id, "client_name", "job"));
            body.putAll(widening);
            var r = server.http.put(self).bearer(rat).json(body).send();
            assertThat(r.status()).as(widening + " -> " + r.body()).isEqualTo(400);
            assertThat(r.text("error")).isEqualTo("invalid_client_metadata");
        }

        // Leaving them out keeps them (not the wider defaults), and the DPoP requirement cannot be lifted.
        var kept = server.http
                .put(self)
                .bearer(rat)
                .json(HttpJson.map("client_id", id, "client_name", "job", "dpop_bound_access_tokens", false))
                .send();
        assertThat(kept.status()).as(kept.body()).isEqualTo(200);
        assertThat(kept.text("scope")).isEqualTo("openid email");
        assertThat(kept.json().path("grant_types").toString()).isEqualTo("[\"client_credentials\"]");
        assertThat(kept.json().path("dpop_bound_access_tokens").asBoolean()).isTrue();

        var narrowed = server.http
                .put(self)
                .bearer(rat)
                .json(HttpJson.map("client_id", id, "client_name", "job", "scope", "email"))
                .send();
        assertThat(narrowed.status()).as(narrowed.body()).isEqualTo(200);
        assertThat(narrowed.text("scope")).isEqualTo("email");
    }

    @Test
    void whenAClientAsksForSomethingThisServerCannotHonourOrAMisleadingName_thenItIsRefused() {
        for (var unsupported : List.of(
                HttpJson.map("sector_identifier_uri", "https://app.example.com/sector.json"),
                HttpJson.map("request_uris", List.of("https://app.example.com/request.jwt")),
                HttpJson.map("request_object_signing_alg", "RS256"),
                HttpJson.map("authorization_signed_response_alg", "RS256"),
                HttpJson.map("tls_client_certificate_bound_access_tokens", true),
                HttpJson.map("client_name", "Pay\u202Eelpmaxe.live"),
                HttpJson.map("client_name", "line\nbreak"))) {
            var body = new LinkedHashMap<String, Object>(HttpJson.map(
                    "client_name", "demanding", "redirect_uris", List.of("https://app.example.com/callback")));
            body.putAll(unsupported);
            var r = registerRaw(body);
            assertThat(r.status()).as(unsupported + " -> " + r.body()).isEqualTo(400);
            assertThat(r.text("error")).isEqualTo("invalid_client_metadata");
        }
    }

    /** RFC 7591 §2.2: a name or page in one language is shown as the untagged one is, so it is checked as strictly. */
    @Test
    void whenALanguageTaggedNameOrPageIsMisleading_thenItIsRefusedNamingTheField() {
        for (var tagged : List.of(
                HttpJson.map("client_name#ja", "\u202Eevil"),
                HttpJson.map("client_name#ja", "\u202Eevil" + "x".repeat(300) + "\u0007"),
                HttpJson.map("client_name#ja", "x".repeat(201)),
                HttpJson.map("client_name#en-US", "line\nbreak"),
                HttpJson.map("client_name#fr", "a\u2028b"),
                HttpJson.map("client_name#de", 7),
                HttpJson.map("tos_uri#ja", "https://app.example.com/\u202Etos"),
                HttpJson.map("logo_uri#ja", "javascript:alert(1)"))) {
            var body = new LinkedHashMap<String, Object>(HttpJson.map(
                    "client_name", "tagged", "redirect_uris", List.of("https://app.example.com/callback")));
            body.putAll(tagged);
            var r = registerRaw(body);
            assertThat(r.status()).as(tagged + " -> " + r.body()).isEqualTo(400);
            assertThat(r.text("error")).isEqualTo("invalid_client_metadata");
            assertThat(r.text("error_description"))
                    .contains(tagged.keySet().iterator().next());
        }
        var fine = new LinkedHashMap<String, Object>(
                HttpJson.map("client_name", "tagged", "redirect_uris", List.of("https://app.example.com/callback")));
        fine.put("client_name#ja", "\u30a2\u30d7\u30ea");
        var r = registerRaw(fine);
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        assertThat(r.text("client_name#ja")).isEqualTo("\u30a2\u30d7\u30ea");
    }

    /**
     * RFC 7591 §2: members the server does not understand are ignored, so the answer (§3.2.1) and a later read (RFC 7592
     * §3) do not list them as registered; Gatehouse's own members stay.
     */
    @Test
    void whenARegistrationCarriesMembersThisServerDoesNotKnow_thenTheyAreNeitherRegisteredNorShown() {
        var created = registerRaw(HttpJson.map(
                "client_name",
                "extended",
                "grant_types",
                List.of("client_credentials"),
                "require_signed_request_object",
                true,
                "x_ext",
                Map.of("a", 1),
                "access_token_signed_response_alg",
                "ES256",
                "resources",
                List.of("https://api.example.com/")));
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        assertThat(created.body()).doesNotContain("require_signed_request_object", "x_ext");
        assertThat(created.text("access_token_signed_response_alg")).isEqualTo("ES256");
        assertThat(created.json().path("resources").toString()).isEqualTo("[\"https://api.example.com/\"]");
        String id = created.text("client_id");
        String rat = created.text("registration_access_token");

        var read = server.http.get("/oauth2/register/" + id).bearer(rat).send();
        assertThat(read.status()).as(read.body()).isEqualTo(200);
        assertThat(read.body()).doesNotContain("require_signed_request_object", "x_ext");
        assertThat(read.text("access_token_signed_response_alg")).isEqualTo("ES256");

        // A registration stored before they were dropped does not show them either (the client was not cached yet).
        var old =
                registerRaw(HttpJson.map("client_name", "stored before", "grant_types", List.of("client_credentials")));
        assertThat(server.database.update(
                        "UPDATE oauth_clients SET metadata = CONCAT(?, SUBSTRING(metadata, 2)) WHERE client_id = ?",
                        "{\"x_ext\":{\"a\":1},\"backchannel_token_delivery_mode\":\"poll\",",
                        old.text("client_id")))
                .isEqualTo(1);
        var oldRead = server.http
                .get("/oauth2/register/" + old.text("client_id"))
                .bearer(old.text("registration_access_token"))
                .send();
        assertThat(oldRead.status()).as(oldRead.body()).isEqualTo(200);
        assertThat(oldRead.body()).doesNotContain("x_ext", "backchannel_token_delivery_mode");
    }

    /**
     * Members the SDK knows but Gatehouse does not implement are refused, naming the field, as the OIDC settings it
     * cannot honour are: answered as registered, they would promise what the client does not get.
     */
    @Test
    void whenARegistrationAsksForAFeatureThisServerDoesNotHave_thenInvalidClientMetadataNamesIt() {
        for (var unsupported : List.of(
                HttpJson.map("authorization_details_types", List.of("payment_initiation")),
                HttpJson.map("backchannel_token_delivery_mode", "poll"),
                HttpJson.map("backchannel_user_code_parameter", true),
                HttpJson.map("signed_jwks_uri", "https://app.example.com/jwks.jwt"),
                HttpJson.map("client_registration_types", List.of("automatic")),
                HttpJson.map("tls_client_auth_subject_dn", "CN=app"),
                HttpJson.map("id_token_encrypted_response_enc", "A128GCM"),
                HttpJson.map("digest_algorithm", "sha-256"))) {
            var body = new LinkedHashMap<String, Object>(
                    HttpJson.map("client_name", "demanding", "grant_types", List.of("client_credentials")));
            body.putAll(unsupported);
            var r = registerRaw(body);
            assertThat(r.status()).as(unsupported + " -> " + r.body()).isEqualTo(400);
            assertThat(r.text("error")).isEqualTo("invalid_client_metadata");
            assertThat(r.text("error_description"))
                    .startsWith(unsupported.keySet().iterator().next() + " ");
        }
    }

    @Test
    void whenAHybridClientListsImplicitAsOidcRegistrationAsks_thenItRegistersButImplicitAloneIsRefused() {
        var hybrid = registerRaw(HttpJson.map(
                "client_name", "hybrid",
                "redirect_uris", List.of("https://app.example.com/callback"),
                "grant_types", List.of("authorization_code", "implicit"),
                "response_types", List.of("code", "code id_token")));
        assertThat(hybrid.status()).as(hybrid.body()).isEqualTo(201);

        var implicitOnly = registerRaw(HttpJson.map(
                "client_name", "implicit",
                "redirect_uris", List.of("https://app.example.com/callback"),
                "grant_types", List.of("implicit"),
                "response_types", List.of("code")));
        assertThat(implicitOnly.status()).as(implicitOnly.body()).isEqualTo(400);
        assertThat(implicitOnly.text("error")).isEqualTo("invalid_client_metadata");
    }

    @Test
    void whenAClientWithoutAuthorizationCodeRegistersRedirectUris_thenTheyAreCheckedToo() {
        var backend = registerRaw(HttpJson.map(
                "grant_types", List.of("client_credentials"), "redirect_uris", List.of("http://evil.example/")));
        assertThat(backend.status()).as(backend.body()).isEqualTo(400);
        assertThat(backend.text("error")).isEqualTo("invalid_redirect_uri");

        var admin = server.http
                .post("/v1/admin/clients")
                .bearer(server.adminToken())
                .json(HttpJson.map(
                        "grant_types", List.of("client_credentials"), "redirect_uris", List.of("http://evil.example/")))
                .send();
        assertThat(admin.status()).as(admin.body()).isEqualTo(422);
        assertThat(admin.body()).contains("invalid_redirect_uri");
    }

    @Test
    void whenARedirectUriHasNoHostOrCarriesUserInfo_thenInvalidRedirectUriIsReturned() {
        for (String uri : List.of(
                "https://app.example@evil.example/cb",
                "https:///cb",
                "https:foo",
                "http://user@127.0.0.1/cb",
                "http:///cb",
                "com.example.app://user@host/cb")) {
            var r = registerRaw(HttpJson.map("redirect_uris", List.of(uri)));
            assertThat(r.status()).as(uri + " -> " + r.body()).isEqualTo(400);
            assertThat(r.text("error")).as(uri).isEqualTo("invalid_redirect_uri");
        }
        // RFC 8252 §7: a native app may use a private-use scheme, loopback http, or a claimed https URI.
        var nativeApp = registerRaw(HttpJson.map(
                "application_type",
                "native",
                "token_endpoint_auth_method",
                "none",
                "redirect_uris",
                List.of("com.example.app:/cb", "http://127.0.0.1/cb", "https://app.example.com/cb")));
        assertThat(nativeApp.status()).as(nativeApp.body()).isEqualTo(201);
    }

    @Test
    void whenTheGrantTypesCouldNeverBeUsed_thenInvalidClientMetadataNamesThem() {
        for (var grants : List.of(List.<String>of(), List.of("refresh_token"))) {
            var r = registerRaw(
                    HttpJson.map("redirect_uris", List.of("https://app.example.com/callback"), "grant_types", grants));
            assertThat(r.status()).as(grants + " -> " + r.body()).isEqualTo(400);
            assertThat(r.text("error")).isEqualTo("invalid_client_metadata");
            assertThat(r.text("error_description")).startsWith("grant_types");
        }
    }

    @Test
    void whenTheScopeNamesAScopeThisServerDoesNotHave_thenInvalidClientMetadataNamesIt() {
        var r = registerRaw(HttpJson.map(
                "redirect_uris", List.of("https://app.example.com/callback"), "scope", "openid never:created email"));
        assertThat(r.status()).as(r.body()).isEqualTo(400);
        assertThat(r.text("error")).isEqualTo("invalid_client_metadata");
        assertThat(r.text("error_description")).startsWith("scope").contains("(never:created)");
    }

    @Test
    void whenAPageAddressIsNotAWebPage_orAJwksUriIsGiven_thenInvalidClientMetadataNamesIt() {
        for (var bad : List.of(
                Map.<String, Object>of("logo_uri", "javascript:alert(1)"),
                Map.<String, Object>of("client_uri", "data:text/html,hi"),
                Map.<String, Object>of("policy_uri", "/relative"),
                Map.<String, Object>of("tos_uri", "https://app.example.com/tos#x"),
                // Gatehouse fetches no client URLs: a secret client's jwks_uri would be stored for nothing
                Map.<String, Object>of("jwks_uri", "https://app.example.com/jwks.json"))) {
            var body = new java.util.HashMap<String, Object>(bad);
            body.put("redirect_uris", List.of("https://app.example.com/callback"));
            var r = registerRaw(body);
            assertThat(r.status()).as(bad + " -> " + r.body()).isEqualTo(400);
            assertThat(r.text("error")).isEqualTo("invalid_client_metadata");
            assertThat(r.text("error_description"))
                    .startsWith(bad.keySet().iterator().next());
        }
        var ok = registerRaw(HttpJson.map(
                "redirect_uris",
                List.of("https://app.example.com/callback"),
                "logo_uri",
                "https://app.example.com/logo.png",
                "policy_uri",
                "https://app.example.com/privacy"));
        assertThat(ok.status()).as(ok.body()).isEqualTo(201);
    }

    @Test
    void whenAClientRegistersBothJwksAndJwksUri_thenInvalidClientMetadataIsReturned() throws Exception {
        var key = new ECKeyGenerator(Curve.P_256).generate().toPublicJWK();
        // RFC 7591 §2: jwks_uri and jwks MUST NOT both be present, whatever the authentication method.
        for (String method : List.of("client_secret_basic", "none")) {
            var r = registerRaw(HttpJson.map(
                    "token_endpoint_auth_method",
                    method,
                    "redirect_uris",
                    List.of("https://app.example.com/callback"),
                    "jwks",
                    Map.of("keys", List.of(key.toJSONObject())),
                    "jwks_uri",
                    "https://app.example.com/jwks.json"));
            assertThat(r.status()).as(method + " -> " + r.body()).isEqualTo(400);
            assertThat(r.text("error")).isEqualTo("invalid_client_metadata");
        }
    }

    /** A well-formed signed software statement (RFC 7591 §2.3), so that refusing it is not about its syntax. */
    static String softwareStatement() throws Exception {
        var statement = new SignedJWT(
                new JWSHeader(JWSAlgorithm.ES256),
                new JWTClaimsSet.Builder().claim("software_id", "sw-1").build());
        statement.sign(new ECDSASigner(new ECKeyGenerator(Curve.P_256).generate()));
        return statement.serialize();
    }

    @Test
    void whenARegistrationCarriesASoftwareStatement_thenUnapprovedSoftwareStatementIsReturned() throws Exception {
        // RFC 7591 §3.1.1 and §3.2.2: this server accepts no software statement, and says so, rather than store one
        // it never verified and echo it back as if its claims had been accepted.
        Map<String, Object> body = HttpJson.map(
                "client_name",
                "with statement",
                "redirect_uris",
                List.of("https://app.example.com/callback"),
                "software_statement",
                softwareStatement());
        var dynamic = registerRaw(body);
        assertThat(dynamic.status()).as(dynamic.body()).isEqualTo(400);
        assertThat(dynamic.text("error")).isEqualTo("unapproved_software_statement");
        assertThat(dynamic.text("error_description")).contains("software statements are not accepted");
        var admin = server.http
                .post("/v1/admin/clients")
                .bearer(server.adminToken())
                .json(body)
                .send();
        assertThat(admin.status()).as(admin.body()).isEqualTo(422);
        assertThat(admin.text("code")).isEqualTo("unapproved_software_statement");

        // RFC 7592: nor can a client add one to its registration.
        var created = registerRaw(
                HttpJson.map("client_name", "plain", "redirect_uris", List.of("https://app.example.com/callback")));
        String id = created.text("client_id");
        String rat = created.text("registration_access_token");
        var withStatement = new LinkedHashMap<>(body);
        withStatement.put("client_id", id);
        var update = server.http
                .put("/oauth2/register/" + id)
                .bearer(rat)
                .json(withStatement)
                .send();
        assertThat(update.status()).as(update.body()).isEqualTo(400);
        assertThat(update.text("error")).isEqualTo("unapproved_software_statement");
        assertThat(server.http.get("/oauth2/register/" + id).bearer(rat).send().body())
                .doesNotContain("software_statement");
    }

    @Test
    void whenAStoredRegistrationHoldsASoftwareStatement_thenItIsNeitherShownNorKept() throws Exception {
        var created = registerRaw(HttpJson.map(
                "client_name", "stored before", "redirect_uris", List.of("https://app.example.com/callback")));
        String id = created.text("client_id");
        String rat = created.text("registration_access_token");
        // As a registration from before statements were refused holds one (the client was not read yet: no cache).
        assertThat(server.database.update(
                        "UPDATE oauth_clients SET metadata = CONCAT(?, SUBSTRING(metadata, 2)) WHERE client_id = ?",
                        "{\"software_statement\":\"" + softwareStatement() + "\",",
                        id))
                .isEqualTo(1);

        var read = server.http.get("/oauth2/register/" + id).bearer(rat).send();
        assertThat(read.status()).as(read.body()).isEqualTo(200);
        assertThat(read.body()).doesNotContain("software_statement");
        var admin = server.http
                .get("/v1/admin/clients/" + id)
                .bearer(server.adminToken())
                .send();
        assertThat(admin.status()).as(admin.body()).isEqualTo(200);
        assertThat(admin.body()).doesNotContain("software_statement");

        // The next change of its settings stores the metadata without it.
        var changed = server.http
                .put("/v1/admin/clients/" + id + "/oidc")
                .bearer(server.adminToken())
                .json(HttpJson.map("default_max_age", 600))
                .send();
        assertThat(changed.status()).as(changed.body()).isEqualTo(200);
        assertThat(server.database.update(
                        "UPDATE oauth_clients SET client_name = client_name WHERE client_id = ?"
                                + " AND metadata LIKE '%software_statement%'",
                        id))
                .isZero();
    }

    @Test
    void whenGrantTypesAndResponseTypesDoNotMatch_thenInvalidClientMetadataIsReturned() {
        // RFC 7591 §2.1, OIDC Registration §2: each response type needs its grant types (code: authorization_code;
        // code id_token: authorization_code and implicit), and each browser grant type a response type that uses it.
        record Case(Map<String, Object> metadata, String refusal) {}
        for (var c : List.of(
                new Case(
                        HttpJson.map(
                                "grant_types",
                                List.of("authorization_code"),
                                "response_types",
                                List.of("code id_token")),
                        "grant_types must include implicit for the response type code id_token"),
                new Case( // grant_types left out: authorization_code alone (RFC 7591 §2)
                        HttpJson.map("response_types", List.of("code", "code id_token")),
                        "grant_types must include implicit for the response type code id_token"),
                new Case(
                        HttpJson.map("grant_types", List.of("client_credentials"), "response_types", List.of("code")),
                        "grant_types must include authorization_code for the response type code"),
                new Case(
                        HttpJson.map("grant_types", List.of("authorization_code"), "response_types", List.of()),
                        "response_types must include code for the grant type authorization_code"),
                new Case( // response_types left out: code (RFC 7591 §2)
                        HttpJson.map("grant_types", List.of("authorization_code", "implicit")),
                        "response_types must include code id_token for the grant type implicit"))) {
            var body = new LinkedHashMap<String, Object>(HttpJson.map(
                    "client_name", "mismatched", "redirect_uris", List.of("https://app.example.com/callback")));
            body.putAll(c.metadata());
            var r = registerRaw(body);
            assertThat(r.status()).as(c.metadata() + " -> " + r.body()).isEqualTo(400);
            assertThat(r.text("error")).isEqualTo("invalid_client_metadata");
            assertThat(r.text("error_description")).isEqualTo(c.refusal());
        }
        var admin = server.http
                .post("/v1/admin/clients")
                .bearer(server.adminToken())
                .json(HttpJson.map(
                        "redirect_uris",
                        List.of("https://app.example.com/callback"),
                        "response_types",
                        List.of("code id_token")))
                .send();
        assertThat(admin.status()).as(admin.body()).isEqualTo(422);
        assertThat(admin.text("code")).isEqualTo("invalid_client_metadata");

        // Left out, response_types follow the grant types: none without authorization_code, redirect URIs or not.
        for (var machine : List.of(
                HttpJson.map("grant_types", List.of("client_credentials")),
                HttpJson.map(
                        "grant_types",
                        List.of("client_credentials"),
                        "redirect_uris",
                        List.of("https://app.example.com/callback")),
                HttpJson.map(
                        "grant_types",
                        List.of(GrantType.DEVICE_CODE.getValue(), "refresh_token"),
                        "token_endpoint_auth_method",
                        "none"))) {
            var r = registerRaw(machine);
            assertThat(r.status()).as(machine + " -> " + r.body()).isEqualTo(201);
            assertThat(r.json().path("response_types").isEmpty()).as(r.body()).isTrue();
        }

        // RFC 7592: a hybrid client cannot drop implicit and keep code id_token.
        var hybrid = registerRaw(HttpJson.map(
                "client_name", "hybrid",
                "redirect_uris", List.of("https://app.example.com/callback"),
                "grant_types", List.of("authorization_code", "implicit"),
                "response_types", List.of("code id_token")));
        assertThat(hybrid.status()).as(hybrid.body()).isEqualTo(201);
        String id = hybrid.text("client_id");
        var narrowed = server.http
                .put("/oauth2/register/" + id)
                .bearer(hybrid.text("registration_access_token"))
                .json(HttpJson.map(
                        "client_id", id,
                        "redirect_uris", List.of("https://app.example.com/callback"),
                        "grant_types", List.of("authorization_code"),
                        "response_types", List.of("code id_token")))
                .send();
        assertThat(narrowed.status()).as(narrowed.body()).isEqualTo(400);
        assertThat(narrowed.text("error_description"))
                .isEqualTo("grant_types must include implicit for the response type code id_token");
    }

    @Test
    void whenARedirectUriDoesNotSuitTheApplicationType_thenInvalidRedirectUriIsReturned() {
        // OIDC Registration §2: a web client (the default) registers no private-use scheme; a native one may.
        Map<String, Object> app = HttpJson.map(
                "client_name",
                "app",
                "token_endpoint_auth_method",
                "none",
                "redirect_uris",
                List.of("com.example.app:/cb", "http://127.0.0.1/cb"));
        var web = registerRaw(app);
        assertThat(web.status()).as(web.body()).isEqualTo(400);
        assertThat(web.text("error")).isEqualTo("invalid_redirect_uri");
        assertThat(web.text("error_description")).contains("com.example.app:/cb", "application_type native");
        var admin = server.http
                .post("/v1/admin/clients")
                .bearer(server.adminToken())
                .json(app)
                .send();
        assertThat(admin.status()).as(admin.body()).isEqualTo(422);
        assertThat(admin.text("code")).isEqualTo("invalid_redirect_uri");
        var nativeApp = new LinkedHashMap<>(app);
        nativeApp.put("application_type", "native");
        var created = registerRaw(nativeApp);
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        assertThat(created.text("application_type")).isEqualTo("native");

        // Updates are checked alike: a native client that leaves application_type out becomes a web client.
        String id = created.text("client_id");
        String rat = created.text("registration_access_token");
        var asWeb = new LinkedHashMap<>(app);
        asWeb.put("client_id", id);
        var ownUpdate = server.http
                .put("/oauth2/register/" + id)
                .bearer(rat)
                .json(asWeb)
                .send();
        assertThat(ownUpdate.status()).as(ownUpdate.body()).isEqualTo(400);
        assertThat(ownUpdate.text("error")).isEqualTo("invalid_redirect_uri");
        var adminUpdate = server.http
                .put("/v1/admin/clients/" + id)
                .bearer(server.adminToken())
                .json(app)
                .send();
        assertThat(adminUpdate.status()).as(adminUpdate.body()).isEqualTo(422);
        assertThat(adminUpdate.text("code")).isEqualTo("invalid_redirect_uri");
        nativeApp.put("client_id", id);
        var kept = server.http
                .put("/oauth2/register/" + id)
                .bearer(rat)
                .json(nativeApp)
                .send();
        assertThat(kept.status()).as(kept.body()).isEqualTo(200);

        // The same for where the user returns after signing out (RP-Initiated Logout §3.1).
        var webLogout = registerRaw(HttpJson.map(
                "redirect_uris",
                List.of("https://app.example.com/callback"),
                "post_logout_redirect_uris",
                List.of("https://app.example.com/bye", "com.example.app:/bye")));
        assertThat(webLogout.status()).as(webLogout.body()).isEqualTo(400);
        assertThat(webLogout.text("error")).isEqualTo("invalid_client_metadata");
        assertThat(webLogout.text("error_description"))
                .contains("post_logout_redirect_uris", "com.example.app:/bye", "application_type native");
        var nativeLogout = registerRaw(HttpJson.map(
                "application_type",
                "native",
                "token_endpoint_auth_method",
                "none",
                "redirect_uris",
                List.of("com.example.app:/cb"),
                "post_logout_redirect_uris",
                List.of("com.example.app:/bye")));
        assertThat(nativeLogout.status()).as(nativeLogout.body()).isEqualTo(201);

        // A web client may use http on a loopback host (development) for the code flow...
        var loopback = registerRaw(HttpJson.map(
                "redirect_uris", List.of("http://127.0.0.1:9999/cb", "http://localhost:9999/cb", "http://[::1]/cb")));
        assertThat(loopback.status()).as(loopback.body()).isEqualTo(201);
        assertThat(loopback.text("application_type")).isEqualTo("web");
        // ...but with the implicit grant (code id_token) only https, and never localhost.
        for (String uri : List.of(
                "http://127.0.0.1:9999/cb", "https://localhost/cb", "https://LocalHost./cb", "https://127.0.0.1/cb")) {
            var hybrid = registerRaw(HttpJson.map(
                    "redirect_uris", List.of("https://app.example.com/callback", uri),
                    "grant_types", List.of("authorization_code", "implicit"),
                    "response_types", List.of("code id_token")));
            assertThat(hybrid.status()).as(uri + " -> " + hybrid.body()).isEqualTo(400);
            assertThat(hybrid.text("error")).isEqualTo("invalid_redirect_uri");
            assertThat(hybrid.text("error_description")).contains("implicit grant", uri);
        }
        // A native hybrid client keeps the native rules.
        var nativeHybrid = registerRaw(HttpJson.map(
                "application_type", "native",
                "redirect_uris", List.of("http://127.0.0.1/cb"),
                "grant_types", List.of("authorization_code", "implicit"),
                "response_types", List.of("code id_token")));
        assertThat(nativeHybrid.status()).as(nativeHybrid.body()).isEqualTo(201);
    }

    @Test
    void whenTheApplicationTypeIsUnknown_thenInvalidClientMetadataIsReturned() {
        // OIDC Registration §2 defines web and native, nothing else, in lower case.
        for (Object unknown : List.of("desktop", "NATIVE", 7)) {
            var r = registerRaw(HttpJson.map(
                    "application_type", unknown, "redirect_uris", List.of("https://app.example.com/callback")));
            assertThat(r.status()).as(unknown + " -> " + r.body()).isEqualTo(400);
            assertThat(r.text("error")).isEqualTo("invalid_client_metadata");
            assertThat(r.text("error_description")).isEqualTo("application_type must be web or native");
        }
    }
}
