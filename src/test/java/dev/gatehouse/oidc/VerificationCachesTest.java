package dev.gatehouse.oidc;

import static dev.gatehouse.testkit.HttpJson.map;
import static org.assertj.core.api.Assertions.assertThat;

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
import com.nimbusds.oauth2.sdk.token.Tokens;
import com.nimbusds.openid.connect.sdk.AuthenticationRequest;
import com.nimbusds.openid.connect.sdk.Nonce;
import com.nimbusds.openid.connect.sdk.OIDCTokenResponseParser;
import dev.gatehouse.accounts.AccountService;
import dev.gatehouse.sessions.SessionService;
import dev.gatehouse.testkit.HttpJson;
import dev.gatehouse.testkit.ServerTest;
import dev.gatehouse.testkit.TestServer;
import java.net.URI;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The caches on the introspection and userinfo paths (docs/adr/0010): a verified access token is remembered by its
 * SHA-256, users and sessions for a short time. Changes made through this node show on the next call; changes written
 * straight to the database, as another node would, within the documented bound.
 */
@ServerTest
class VerificationCachesTest {
    static final URI CALLBACK = URI.create("http://localhost:9999/cb");
    static final String PASSWORD = "Correct-Horse-Battery-9";
    static final String FORM = "application/x-www-form-urlencoded";
    static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start();
        server.createScopes("a");
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    record Client(ClientID id, Secret secret) {
        ClientSecretBasic auth() {
            return new ClientSecretBasic(id, secret);
        }

        String basic() {
            return auth().toHTTPAuthorizationHeader();
        }
    }

    static Client register(List<String> grants, String scope) {
        // registerClient signs the admin in afresh: tests move the clock past an access token's lifetime
        var r = server.registerClient(
                "client_name",
                "Cache test",
                "grant_types",
                grants,
                "redirect_uris",
                List.of(CALLBACK.toString()),
                "token_endpoint_auth_method",
                "client_secret_basic",
                "scope",
                scope);
        return new Client(new ClientID(r.text("client_id")), new Secret(r.text("client_secret")));
    }

    /** Signs a new user in through the authorization code flow with PKCE; the tokens are session-bound. */
    static Tokens userTokens(Client c, String email) throws Exception {
        var b = new Browser(server.base);
        var verifier = new CodeVerifier();
        URI request = new AuthenticationRequest.Builder(
                        ResponseType.CODE, new Scope("openid", "profile", "email", "offline_access"), c.id(), CALLBACK)
                .endpointURI(URI.create(server.base + "/oauth2/authorize"))
                .state(new State())
                .nonce(new Nonce())
                .codeChallenge(verifier, CodeChallengeMethod.S256)
                .build()
                .toURI();
        var r = b.follow(b.get(request));
        if (r.statusCode() == 200 && r.body().contains("name=\"password\"")) r = b.signIn(r, email, PASSWORD);
        if (r.statusCode() == 200 && r.body().contains("name=\"decision\"")) r = b.consent(r, "allow");
        var code = AuthorizationResponse.parse(Browser.location(r))
                .toSuccessResponse()
                .getAuthorizationCode();
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

    static Client webClient() {
        return register(
                List.of("authorization_code", "refresh_token", "client_credentials"),
                "openid profile email offline_access");
    }

    static String newUser() {
        return server.register("c" + System.nanoTime() + "@example.com", PASSWORD);
    }

    static HttpJson.Response userinfo(String at) {
        return server.http.get("/oauth2/userinfo").bearer(at).send();
    }

    /**
     * GET userinfo is answered by the server's fast path (ADR 0026) and by its Javalin route otherwise (here the path
     * with a trailing slash, which only the route takes): both give the same answers, refusals and CORS included.
     */
    @Test
    void whenUserinfoIsAskedOnTheFastPathAndOnItsRoute_thenBothAnswerAlike() throws Exception {
        var c = webClient();
        String email = newUser();
        String at = userTokens(c, email).getAccessToken().getValue();
        String noOpenid = server.accessToken(email, PASSWORD); // a /v1 token: no openid scope
        var raw = new dev.gatehouse.testkit.RawHttp(server.base);
        List<List<String>> cases = List.of(
                List.of("Authorization", "Bearer " + at),
                List.of("Authorization", "Bearer " + at, "Origin", "https://elsewhere.example"),
                List.of("Authorization", "Bearer " + noOpenid),
                List.of("Authorization", "Bearer not-a-token"),
                List.of("Authorization", "Basic dXNlcjpwYXNz"),
                List.of());
        for (List<String> headers : cases) {
            var fast = raw.send(get("/oauth2/userinfo", headers));
            var route = raw.send(get("/oauth2/userinfo/", headers));
            assertThat(fast.status()).as(headers + ": " + fast.body()).isEqualTo(route.status());
            assertThat(fast.comparableHeaders()).as(headers.toString()).isEqualTo(route.comparableHeaders());
            assertThat(fast.body()).isEqualTo(route.body());
            assertThat(fast.header("Cache-Control")).isEqualTo("no-store");
        }
        var claims = raw.send(get("/oauth2/userinfo", List.of("Authorization", "Bearer " + at)));
        assertThat(claims.status()).isEqualTo(200);
        assertThat(claims.body()).contains("\"email\":\"" + email + "\"");
        assertThat(raw.send(get("/oauth2/userinfo", List.of("Authorization", "Bearer " + noOpenid)))
                        .status())
                .isEqualTo(403);
        // without a token: the bare Bearer challenge, and the DPoP scheme offered beside it
        var bare = raw.send(get("/oauth2/userinfo", List.of()));
        assertThat(bare.status()).isEqualTo(401);
        assertThat(bare.headers().get("www-authenticate")).hasSize(2).first().isEqualTo("Bearer realm=\"gatehouse\"");
    }

    /**
     * A query that is not a well-formed form is refused alike by GET on the fast path, GET on the route and HEAD (RFC
     * 9110 §9.3.2: HEAD answers as GET would), with a reason that names the query (ADR 0026).
     */
    @ParameterizedTest
    @ValueSource(strings = {"a=%zz", "a=%", "a=%ff", "a=%e2%82"})
    void whenUserinfoIsAskedWithAMalformedQuery_thenGetOnBothPathsAndHeadRefuseItAlike(String query) throws Exception {
        String at = userTokens(webClient(), newUser()).getAccessToken().getValue();
        var raw = new dev.gatehouse.testkit.RawHttp(server.base);
        var bearer = List.of("Authorization", "Bearer " + at);
        var fast = raw.send(get("/oauth2/userinfo?" + query, bearer));
        var route = raw.send(get("/oauth2/userinfo/?" + query, bearer));
        var head = raw.send(request("HEAD", "/oauth2/userinfo?" + query, bearer));

        assertThat(fast.status()).as(fast.body()).isEqualTo(400);
        var error = new com.fasterxml.jackson.databind.ObjectMapper().readTree(fast.body());
        assertThat(error.path("error").asText()).isEqualTo("invalid_request");
        assertThat(error.path("error_description").asText()).startsWith("the query must be well-formed");
        assertThat(route.status()).as(route.body()).isEqualTo(400);
        assertThat(route.body()).isEqualTo(fast.body());
        assertThat(route.comparableHeaders()).isEqualTo(fast.comparableHeaders());
        assertThat(head.status()).isEqualTo(400);
        assertThat(head.bytes()).isEmpty();
        assertThat(head.header("Content-Length")).isEqualTo(fast.header("Content-Length"));
        // A well-formed escape is read as before.
        assertThat(raw.send(get("/oauth2/userinfo?a=%41", bearer)).status()).isEqualTo(200);
        assertThat(raw.send(get("/oauth2/userinfo/?a=%41", bearer)).status()).isEqualTo(200);
    }

    private static dev.gatehouse.testkit.RawHttp.Request get(String path, List<String> headers) {
        return request("GET", path, headers);
    }

    private static dev.gatehouse.testkit.RawHttp.Request request(String method, String path, List<String> headers) {
        var r = dev.gatehouse.testkit.RawHttp.request(method, path);
        for (int i = 0; i < headers.size(); i += 2) r.header(headers.get(i), headers.get(i + 1));
        return r;
    }

    static HttpJson.Response introspect(Client c, String token) {
        return server.http
                .post("/oauth2/introspect")
                .header("Authorization", c.basic())
                .raw(FORM, "token=" + enc(token))
                .send();
    }

    static String enc(String v) {
        return java.net.URLEncoder.encode(v, java.nio.charset.StandardCharsets.UTF_8);
    }

    static void sql(String statement, Object... args) {
        assertThat(server.database.update(statement, args)).as(statement).isEqualTo(1);
    }

    @Test
    void whenATokenWasVerifiedBefore_thenAnotherSignatureOnTheSameClaimsIsStillRefused() {
        var c = register(List.of("client_credentials"), "a");
        String at = server.http
                .post("/oauth2/token")
                .header("Authorization", c.basic())
                .raw(FORM, "grant_type=client_credentials")
                .send()
                .text("access_token");
        assertThat(introspect(c, at).json().path("active").asBoolean()).isTrue();
        assertThat(introspect(c, at).json().path("active").asBoolean())
                .as("from the cache")
                .isTrue();

        String[] parts = at.split("\\.", -1);
        char first = parts[2].charAt(0);
        String forged = parts[0] + "." + parts[1] + "." + (first == 'A' ? 'B' : 'A') + parts[2].substring(1);
        assertThat(introspect(c, forged).json().path("active").asBoolean()).isFalse();
        assertThat(introspect(c, at + "x").json().path("active").asBoolean()).isFalse();
        assertThat(introspect(c, at).json().path("active").asBoolean()).isTrue();

        // Expiry is checked on every hit, not only when the entry leaves the cache.
        server.clock.advance(java.time.Duration.ofMinutes(16));
        assertThat(introspect(c, at).json().path("active").asBoolean()).isFalse();
    }

    @Test
    void whenARevokedTokenWasCached_thenTheNextIntrospectionAndUserinfoRefuseIt() throws Exception {
        var c = webClient();
        String at = userTokens(c, newUser()).getAccessToken().getValue();
        assertThat(userinfo(at).status()).isEqualTo(200);
        assertThat(introspect(c, at).json().path("active").asBoolean()).isTrue();

        var revoke = server.http
                .post("/oauth2/revoke")
                .header("Authorization", c.basic())
                .raw(FORM, "token=" + enc(at))
                .send();
        assertThat(revoke.status()).isEqualTo(200);

        assertThat(introspect(c, at).json().path("active").asBoolean()).isFalse();
        var refused = userinfo(at);
        assertThat(refused.status()).isEqualTo(401);
        assertThat(refused.header("WWW-Authenticate")).contains("invalid_token");
    }

    @Test
    void whenTheProfileChangesOnThisNode_thenTheNextUserinfoShowsIt() throws Exception {
        var c = webClient();
        String at = userTokens(c, newUser()).getAccessToken().getValue();
        assertThat(userinfo(at).json().has("given_name")).isFalse();

        var put = server.http
                .put("/oauth2/userinfo")
                .bearer(at)
                .json(map("given_name", "Ada", "family_name", "Lovelace"))
                .send();
        assertThat(put.status()).as(put.body()).isEqualTo(200);
        var after = userinfo(at);
        assertThat(after.text("given_name")).isEqualTo("Ada");
        assertThat(after.text("name")).isEqualTo("Ada Lovelace");

        server.http
                .put("/oauth2/userinfo")
                .bearer(at)
                .json(map("given_name", "Grace"))
                .send();
        assertThat(userinfo(at).text("name")).isEqualTo("Grace Lovelace");
    }

    @Test
    void whenAnotherNodeChangesOrRemovesTheUser_thenUserinfoFollowsWithinTheBound() throws Exception {
        var c = webClient();
        String email = newUser();
        String at = userTokens(c, email).getAccessToken().getValue();
        var first = userinfo(at);
        assertThat(first.status()).isEqualTo(200);
        UUID id = UUID.fromString(first.text("sub"));

        sql("UPDATE users SET first_name = ? WHERE id = ?", "Hedy", id);
        server.clock.advance(AccountService.RECENT);
        assertThat(userinfo(at).text("given_name")).isEqualTo("Hedy");

        sql("UPDATE users SET status = ? WHERE id = ?", "deleted", id);
        server.clock.advance(AccountService.RECENT);
        var gone = userinfo(at);
        assertThat(gone.status()).isEqualTo(401);
        assertThat(gone.header("WWW-Authenticate")).contains("invalid_token");
    }

    @Test
    void whenTheSessionEnds_thenItsAccessTokensStopOnThisNodeAtOnceAndAfterTheBoundElsewhere() throws Exception {
        var c = webClient();
        var t = userTokens(c, newUser());
        String at = t.getAccessToken().getValue();
        assertThat(userinfo(at).status()).isEqualTo(200);
        assertThat(introspect(c, at).json().path("active").asBoolean()).isTrue();

        // RFC 7009 revocation of the refresh token ends the session on this node.
        var revoke = server.http
                .post("/oauth2/revoke")
                .header("Authorization", c.basic())
                .raw(FORM, "token=" + enc(t.getRefreshToken().getValue()))
                .send();
        assertThat(revoke.status()).isEqualTo(200);
        assertThat(userinfo(at).status()).isEqualTo(401);
        assertThat(introspect(c, at).json().path("active").asBoolean()).isFalse();

        // A session ended by another node (written straight to the table) stops its tokens within the bound.
        var other = userTokens(c, newUser());
        String otherAt = other.getAccessToken().getValue();
        assertThat(userinfo(otherAt).status()).isEqualTo(200);
        String sid = com.nimbusds.jwt.SignedJWT.parse(otherAt).getJWTClaimsSet().getStringClaim("sid");
        sql(
                "UPDATE sessions SET ended_at = ?, end_reason = ? WHERE id = ?",
                java.sql.Timestamp.from(server.clock.instant()),
                "logout",
                UUID.fromString(sid));
        server.clock.advance(SessionService.RECENT);
        assertThat(userinfo(otherAt).status()).isEqualTo(401);
        assertThat(introspect(c, otherAt).json().path("active").asBoolean()).isFalse();
    }
}
