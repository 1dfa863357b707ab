package dev.gatehouse.oidc;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.oauth2.sdk.AuthorizationResponse;
import com.nimbusds.oauth2.sdk.ResponseType;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.id.State;
import com.nimbusds.oauth2.sdk.pkce.CodeChallengeMethod;
import com.nimbusds.oauth2.sdk.pkce.CodeVerifier;
import com.nimbusds.openid.connect.sdk.AuthenticationRequest;
import dev.gatehouse.testkit.HttpJson;
import dev.gatehouse.testkit.ServerTest;
import dev.gatehouse.testkit.TestServer;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * CORS for browser-based clients (ADR 0017): a single-page app on the origin of its redirect URI can read the token,
 * revocation and userinfo answers; a page on any other origin cannot. The browser's side of this is
 * {@link SinglePageAppBrowserTest}; here are the headers.
 */
@ServerTest
class BrowserClientCorsTest {
    static final String APP = "http://127.0.0.1:5173";
    static final URI CALLBACK = URI.create(APP + "/cb");
    static final String OTHER = "https://evil.example";
    static final String PASSWORD = "Correct-Horse-Battery-9";
    static TestServer server;
    static ClientID spa;

    @BeforeAll
    static void start() {
        server = TestServer.start();
        var r = server.registerClient(
                "client_name",
                "single-page app",
                "application_type", // it also registers an app's private-use scheme, which only a native client may
                "native",
                "grant_types",
                List.of("authorization_code", "refresh_token"),
                "redirect_uris",
                List.of(CALLBACK.toString(), "com.example.app:/cb"),
                "token_endpoint_auth_method",
                "none",
                "scope",
                "openid email offline_access");
        spa = new ClientID(r.text("client_id"));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static String form(Map<String, String> fields) {
        return fields.entrySet().stream()
                .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                        + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
    }

    static HttpJson.Response post(String path, String origin, Map<String, String> fields) {
        var call = server.http.post(path).raw("application/x-www-form-urlencoded", form(fields));
        if (origin != null) call.header("Origin", origin);
        return call.send();
    }

    /** A code for the SPA after a real sign-in, and the verifier that redeems it. */
    record Code(String code, CodeVerifier verifier) {}

    static Code code() throws Exception {
        String email = server.register("spa" + System.nanoTime() + "@example.com", PASSWORD);
        var verifier = new CodeVerifier();
        var request = new AuthenticationRequest.Builder(
                        ResponseType.CODE, new Scope("openid", "email", "offline_access"), spa, CALLBACK)
                .endpointURI(URI.create(server.base + "/oauth2/authorize"))
                .state(new State())
                .nonce(new com.nimbusds.openid.connect.sdk.Nonce())
                .codeChallenge(verifier, CodeChallengeMethod.S256)
                .build();
        var b = new Browser(server.base);
        var r = b.follow(b.get(request.toURI()));
        if (r.body().contains("name=\"password\"")) r = b.signIn(r, email, PASSWORD);
        if (r.body().contains("name=\"decision\"")) r = b.consent(r, "allow");
        var response = AuthorizationResponse.parse(Browser.location(r));
        assertThat(response.indicatesSuccess()).as(response.toString()).isTrue();
        return new Code(response.toSuccessResponse().getAuthorizationCode().getValue(), verifier);
    }

    static HttpJson.Response redeem(Code code, String origin) {
        return post(
                "/oauth2/token",
                origin,
                Map.of(
                        "grant_type", "authorization_code",
                        "code", code.code(),
                        "redirect_uri", CALLBACK.toString(),
                        "client_id", spa.getValue(),
                        "code_verifier", code.verifier().getValue()));
    }

    static void assertReadableBy(HttpJson.Response r, String origin) {
        assertThat(r.header("Access-Control-Allow-Origin")).as(r.body()).isEqualTo(origin);
        assertThat(r.header("Access-Control-Expose-Headers")).isEqualTo("WWW-Authenticate");
        assertThat(r.header("Access-Control-Allow-Credentials")).isNull();
        assertThat(r.header("Vary")).isEqualTo("Origin");
    }

    static void assertNotReadable(HttpJson.Response r) {
        assertThat(r.header("Access-Control-Allow-Origin")).as(r.body()).isNull();
        assertThat(r.header("Access-Control-Expose-Headers")).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"/oauth2/token", "/oauth2/revoke", "/oauth2/userinfo", "/oauth2/par"})
    void whenABrowserAsksBeforeSending_thenThePreflightAllowsTheMethodsAndHeadersAClientSends(String path) {
        var r = server.http
                .options(path)
                .header("Origin", OTHER)
                .header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "authorization, dpop")
                .send();
        assertThat(r.status()).isEqualTo(204);
        // Any origin may ask: whether it may read the answer is decided with the actual request.
        assertThat(r.header("Access-Control-Allow-Origin")).isEqualTo(OTHER);
        assertThat(r.header("Access-Control-Allow-Methods"))
                .isEqualTo(path.equals("/oauth2/userinfo") ? "GET, POST, PUT" : "POST");
        assertThat(r.header("Access-Control-Allow-Headers")).isEqualTo("Authorization, Content-Type, DPoP");
        assertThat(r.header("Access-Control-Max-Age")).isEqualTo("600");
        assertThat(r.header("Access-Control-Allow-Credentials")).isNull();
        assertThat(r.header("Vary")).contains("Origin");
    }

    @Test
    void whenOptionsComesWithoutCors_thenItListsTheMethodsAndAllowsNoOrigin() {
        var plain = server.http.options("/oauth2/token").send();
        assertThat(plain.status()).isEqualTo(204);
        assertThat(plain.header("Allow")).isEqualTo("POST, OPTIONS");
        assertThat(plain.header("Access-Control-Allow-Origin")).isNull();

        var opaque = server.http
                .options("/oauth2/token")
                .header("Origin", "null")
                .header("Access-Control-Request-Method", "POST")
                .send();
        assertThat(opaque.status()).isEqualTo(204);
        assertThat(opaque.header("Access-Control-Allow-Origin")).isNull();
    }

    @Test
    void whenTheAppRedeemsItsCodeFromItsOrigin_thenItCanReadTokensUserinfoAndRevocation() throws Exception {
        var tokens = redeem(code(), APP);
        assertThat(tokens.status()).as(tokens.body()).isEqualTo(200);
        assertReadableBy(tokens, APP);
        assertThat(tokens.header("Cache-Control")).isEqualTo("no-store");

        String access = tokens.text("access_token");
        var info = server.http
                .get("/oauth2/userinfo")
                .bearer(access)
                .header("Origin", APP)
                .send();
        assertThat(info.status()).as(info.body()).isEqualTo(200);
        assertThat(info.text("email")).startsWith("spa");
        assertReadableBy(info, APP);

        var refreshed = post(
                "/oauth2/token",
                APP,
                Map.of(
                        "grant_type", "refresh_token",
                        "refresh_token", tokens.text("refresh_token"),
                        "client_id", spa.getValue()));
        assertThat(refreshed.status()).as(refreshed.body()).isEqualTo(200);
        assertReadableBy(refreshed, APP);

        var revoked = post(
                "/oauth2/revoke", APP, Map.of("token", refreshed.text("refresh_token"), "client_id", spa.getValue()));
        assertThat(revoked.status()).isEqualTo(200);
        assertReadableBy(revoked, APP);
    }

    @Test
    void whenTheAppPushesItsRequestFromItsOrigin_thenItCanReadTheRequestUriAndItsRefusals() {
        var verifier = new CodeVerifier();
        var push = new java.util.HashMap<>(Map.of(
                "client_id", spa.getValue(),
                "response_type", "code",
                "redirect_uri", CALLBACK.toString(),
                "scope", "openid email",
                "state", "s1",
                "code_challenge",
                        com.nimbusds.oauth2.sdk.pkce.CodeChallenge.compute(CodeChallengeMethod.S256, verifier)
                                .getValue(),
                "code_challenge_method", "S256"));

        var pushed = post("/oauth2/par", APP, push);
        assertThat(pushed.status()).as(pushed.body()).isEqualTo(201);
        assertThat(pushed.text("request_uri")).startsWith("urn:ietf:params:oauth:request_uri:");
        assertReadableBy(pushed, APP);

        var fromElsewhere = post("/oauth2/par", OTHER, push);
        assertThat(fromElsewhere.status()).isEqualTo(201);
        assertNotReadable(fromElsewhere);

        push.put("redirect_uri", APP + "/not-registered");
        var refused = post("/oauth2/par", APP, push);
        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.text("error")).isEqualTo("invalid_request");
        assertReadableBy(refused, APP);
    }

    @Test
    void whenTheAppIsRefused_thenItCanReadTheError() throws Exception {
        var wrongVerifier = redeem(new Code(code().code(), new CodeVerifier()), APP);
        assertThat(wrongVerifier.status()).isEqualTo(400);
        assertThat(wrongVerifier.text("error")).isEqualTo("invalid_grant");
        assertReadableBy(wrongVerifier, APP);

        var badToken = server.http
                .get("/oauth2/userinfo")
                .bearer("not-a-token")
                .header("Origin", APP)
                .send();
        assertThat(badToken.status()).isEqualTo(401);
        assertThat(badToken.header("WWW-Authenticate")).startsWith("Bearer error=\"invalid_token\"");
        assertReadableBy(badToken, APP);

        // The opaque origin of a sandboxed frame or a local file is anyone's: never readable.
        var opaque = server.http
                .get("/oauth2/userinfo")
                .bearer("not-a-token")
                .header("Origin", "null")
                .send();
        assertThat(opaque.status()).isEqualTo(401);
        assertNotReadable(opaque);
    }

    @Test
    void whenAnotherOriginUsesTheAppsTokens_thenItCannotReadTheAnswers() throws Exception {
        var tokens = redeem(code(), OTHER);
        // CORS does not stop a request that needs no preflight; it keeps the answer from the page that sent it.
        assertThat(tokens.status()).as(tokens.body()).isEqualTo(200);
        assertNotReadable(tokens);
        assertThat(tokens.header("Vary")).isEqualTo("Origin");

        var info = server.http
                .get("/oauth2/userinfo")
                .bearer(tokens.text("access_token"))
                .header("Origin", OTHER)
                .send();
        assertThat(info.status()).isEqualTo(200);
        assertNotReadable(info);

        var revoked = post(
                "/oauth2/revoke", OTHER, Map.of("token", tokens.text("refresh_token"), "client_id", spa.getValue()));
        assertNotReadable(revoked);
    }

    @Test
    void whenTheRequestNamesNoKnownClient_thenNoOriginCanReadTheAnswer() {
        var r = post("/oauth2/token", APP, Map.of("grant_type", "client_credentials", "client_id", "no-such-client"));
        assertThat(r.status()).isEqualTo(401);
        assertNotReadable(r);

        var noClient = post("/oauth2/token", APP, Map.of("grant_type", "client_credentials"));
        assertThat(noClient.status()).isEqualTo(401);
        assertNotReadable(noClient);
    }

    @Test
    void whenNoOriginIsSent_thenTheAnswersCarryNoCorsHeaders() throws Exception {
        var tokens = redeem(code(), null);
        assertThat(tokens.status()).isEqualTo(200);
        assertNotReadable(tokens);
        assertThat(tokens.header("Vary")).isNull();
        var info = server.http
                .get("/oauth2/userinfo")
                .bearer(tokens.text("access_token"))
                .send();
        assertNotReadable(info);
    }

    @Test
    void whenTheOriginDiffersInSchemeOrHost_thenItIsAnotherOrigin() throws Exception {
        for (String origin : List.of("https://127.0.0.1:5173", "http://localhost:5173", "http://[::1]:5173")) {
            var r = redeem(code(), origin);
            assertThat(r.status()).isEqualTo(200);
            assertNotReadable(r);
        }
    }

    @Test
    void whenALoopbackOriginDiffersOnlyInPort_thenItIsTheAppOnItsChosenPort() throws Exception {
        // The authorization endpoint sends the code to a loopback IP redirect URI on any port (RFC 8252 §7.3), so the
        // page that received it, on that port, may read the answer of its token request.
        for (String origin : List.of("http://127.0.0.1:5174", "http://127.0.0.1")) {
            var r = redeem(code(), origin);
            assertThat(r.status()).isEqualTo(200);
            assertReadableBy(r, origin);
        }
    }
}
