package dev.gatehouse.oidc;

import static dev.gatehouse.testkit.HttpJson.map;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.oauth2.sdk.AuthorizationCode;
import com.nimbusds.oauth2.sdk.AuthorizationCodeGrant;
import com.nimbusds.oauth2.sdk.RefreshTokenGrant;
import com.nimbusds.oauth2.sdk.ResponseType;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.TokenRequest;
import com.nimbusds.oauth2.sdk.TokenResponse;
import com.nimbusds.oauth2.sdk.auth.ClientSecretBasic;
import com.nimbusds.oauth2.sdk.auth.Secret;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.id.Issuer;
import com.nimbusds.oauth2.sdk.id.State;
import com.nimbusds.oauth2.sdk.pkce.CodeChallengeMethod;
import com.nimbusds.oauth2.sdk.pkce.CodeVerifier;
import com.nimbusds.oauth2.sdk.util.URLUtils;
import com.nimbusds.openid.connect.sdk.AuthenticationRequest;
import com.nimbusds.openid.connect.sdk.AuthenticationResponseParser;
import com.nimbusds.openid.connect.sdk.Nonce;
import com.nimbusds.openid.connect.sdk.OIDCTokenResponse;
import com.nimbusds.openid.connect.sdk.OIDCTokenResponseParser;
import com.nimbusds.openid.connect.sdk.op.OIDCProviderMetadata;
import com.nimbusds.openid.connect.sdk.token.OIDCTokens;
import com.nimbusds.openid.connect.sdk.validators.LogoutTokenValidator;
import com.sun.net.httpserver.HttpServer;
import dev.gatehouse.testkit.ServerTest;
import dev.gatehouse.testkit.TestServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * OIDC RP-Initiated, Front-Channel and Back-Channel Logout and Session Management over real HTTP: Nimbus as the
 * client, a JDK HttpServer on loopback as the client's back-channel logout endpoint.
 */
@ServerTest
class LogoutTest {
    static final URI CALLBACK = URI.create("http://localhost:9999/cb");
    static final String BYE = "http://localhost:9999/bye";
    static final String FRONT = "http://localhost:9999/frontchannel";
    static final String PASSWORD = "Correct-Horse-Battery-9";
    static TestServer server;
    static HttpServer rp;
    static String backChannelUri;
    /** Logout tokens the back-channel endpoint received, as "path logout_token". */
    static final LinkedBlockingQueue<String> received = new LinkedBlockingQueue<>();

    static final java.util.concurrent.atomic.AtomicInteger flakyCalls = new java.util.concurrent.atomic.AtomicInteger();

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.start();

        rp = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        rp.createContext("/backchannel", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            String contentType = exchange.getRequestHeaders().getFirst("Content-Type");
            var form = URLUtils.parseParameters(body);
            if ("POST".equals(exchange.getRequestMethod())
                    && contentType != null
                    && contentType.startsWith("application/x-www-form-urlencoded")
                    && form.containsKey("logout_token")) {
                received.add(exchange.getRequestURI().getPath() + " "
                        + form.get("logout_token").get(0));
                exchange.sendResponseHeaders(200, -1);
            } else {
                exchange.sendResponseHeaders(400, -1);
            }
            exchange.close();
        });
        rp.createContext("/flaky", exchange -> {
            // Fails once with 503, then behaves: the sender must retry.
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            if (flakyCalls.incrementAndGet() == 1) {
                exchange.sendResponseHeaders(503, -1);
            } else {
                received.add("/flaky "
                        + URLUtils.parseParameters(body).get("logout_token").get(0));
                exchange.sendResponseHeaders(200, -1);
            }
            exchange.close();
        });
        rp.createContext("/slow", exchange -> {
            try {
                Thread.sleep(8_000); // longer than the sender's timeout
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        rp.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        rp.start();
        backChannelUri = "http://127.0.0.1:" + rp.getAddress().getPort() + "/backchannel";
    }

    @AfterAll
    static void stop() {
        rp.stop(0);
        server.close();
    }

    record Client(ClientID id, Secret secret) {
        ClientSecretBasic auth() {
            return new ClientSecretBasic(id, secret);
        }
    }

    /** The web app's metadata with {@code extra} added. */
    static Map<String, Object> metadata(Map<String, Object> extra) {
        var body = TestServer.webClient(
                "web app", CALLBACK, "openid email offline_access", "authorization_code", "refresh_token");
        body.putAll(extra);
        return body;
    }

    static HttpJsonResponse registerRaw(Map<String, Object> extra) {
        var r = server.http
                .post("/v1/admin/clients")
                .bearer(adminToken())
                .json(metadata(extra))
                .send();
        return new HttpJsonResponse(
                r.status(),
                r.body(),
                r.status() == 201 ? r.text("client_id") : null,
                r.status() == 201 ? r.text("client_secret") : null);
    }

    /** A fresh admin token: tests move the server clock past earlier ones. */
    static String adminToken() {
        return server.adminToken();
    }

    record HttpJsonResponse(int status, String body, String clientId, String secret) {}

    static Client register(Map<String, Object> extra) {
        var r = server.registerClient(metadata(extra)); // signs the admin in afresh, as adminToken() does
        return new Client(new ClientID(r.text("client_id")), new Secret(r.text("client_secret")));
    }

    static String newUser() {
        return server.register("u" + System.nanoTime() + "@example.com", PASSWORD);
    }

    record SignIn(OIDCTokens tokens, State sessionState) {}

    /** A grant whose refresh token lives as long as the browser's sign-in. */
    static final Scope ONLINE = new Scope("openid", "email");

    /** A grant whose refresh token outlives the browser's sign-in (OIDC Core §11). */
    static final Scope OFFLINE = new Scope("openid", "email", "offline_access");

    /** An authorization request of {@code c} for openid and email, with PKCE S256 and a nonce. */
    static URI authorizationRequest(Client c, CodeVerifier verifier) {
        return authorizationRequest(c, verifier, ONLINE);
    }

    static URI authorizationRequest(Client c, CodeVerifier verifier, Scope scope) {
        return new AuthenticationRequest.Builder(ResponseType.CODE, scope, c.id(), CALLBACK)
                .endpointURI(URI.create(server.base + "/oauth2/authorize"))
                .state(new State())
                .nonce(new Nonce())
                .codeChallenge(verifier, CodeChallengeMethod.S256)
                .build()
                .toURI();
    }

    /** Authorization code + PKCE in {@code browser} (signing in or consenting when asked), then the token exchange. */
    static SignIn signIn(Browser browser, Client c, String email) throws Exception {
        return signIn(browser, c, email, "");
    }

    /** As {@link #signIn(Browser, Client, String)} with {@code extraQuery} (such as {@code &prompt=login}) added. */
    static SignIn signIn(Browser browser, Client c, String email, String extraQuery) throws Exception {
        return signIn(browser, c, email, extraQuery, ONLINE);
    }

    static SignIn signIn(Browser browser, Client c, String email, String extraQuery, Scope scope) throws Exception {
        var verifier = new CodeVerifier();
        var r = browser.follow(browser.get(URI.create(authorizationRequest(c, verifier, scope) + extraQuery)));
        if (r.statusCode() == 200 && r.body().contains("name=\"password\"")) r = browser.signIn(r, email, PASSWORD);
        if (r.statusCode() == 200 && r.body().contains("name=\"decision\"")) r = browser.consent(r, "allow");
        assertThat(r.statusCode()).as(r.body()).isIn(302, 303);
        var response = AuthenticationResponseParser.parse(Browser.location(r)).toSuccessResponse();
        var token = OIDCTokenResponseParser.parse(new TokenRequest.Builder(
                        URI.create(server.base + "/oauth2/token"),
                        c.auth(),
                        new AuthorizationCodeGrant(response.getAuthorizationCode(), CALLBACK, verifier))
                .build()
                .toHTTPRequest()
                .send());
        assertThat(token.indicatesSuccess()).isTrue();
        return new SignIn(((OIDCTokenResponse) token.toSuccessResponse()).getOIDCTokens(), response.getSessionState());
    }

    static boolean refreshes(Client c, OIDCTokens tokens) throws Exception {
        return TokenResponse.parse(new TokenRequest.Builder(
                                URI.create(server.base + "/oauth2/token"),
                                c.auth(),
                                new RefreshTokenGrant(tokens.getRefreshToken()))
                        .build()
                        .toHTTPRequest()
                        .send())
                .indicatesSuccess();
    }

    /** Whether the browser still has an SSO session: an authorization request goes to the login page if not. */
    static boolean signedIn(Browser browser, Client c) throws Exception {
        var req = new AuthenticationRequest.Builder(ResponseType.CODE, new Scope("openid"), c.id(), CALLBACK)
                .endpointURI(URI.create(server.base + "/oauth2/authorize"))
                .state(new State())
                .codeChallenge(new CodeVerifier(), CodeChallengeMethod.S256)
                .build();
        var r = browser.follow(browser.get(req.toURI()));
        return !(r.statusCode() == 200 && r.body().contains("name=\"password\""));
    }

    static String q(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    static String sid(OIDCTokens t) throws Exception {
        return t.getIDToken().getJWTClaimsSet().getStringClaim("sid");
    }

    /** Logout tokens received within a few seconds, keyed by the client they were addressed to. */
    static Map<String, JWTClaimsSet> logoutTokens(int expected, Client... clients) throws Exception {
        var out = new LinkedHashMap<String, JWTClaimsSet>();
        for (int i = 0; i < expected; i++) {
            String got = received.poll(15, TimeUnit.SECONDS);
            assertThat(got).as("logout token %d of %d", i + 1, expected).isNotNull();
            var jwt = SignedJWT.parse(got.substring(got.indexOf(' ') + 1));
            String aud = jwt.getJWTClaimsSet().getAudience().get(0);
            Client c = java.util.Arrays.stream(clients)
                    .filter(x -> x.id().getValue().equals(aud))
                    .findFirst()
                    .orElseThrow();
            var validator = new LogoutTokenValidator(
                    new Issuer(server.base),
                    c.id(),
                    JWSAlgorithm.RS256,
                    URI.create(server.base + "/.well-known/jwks.json").toURL());
            validator.setMaxClockSkew(7200); // tests move the server clock
            var claims = validator.validate(jwt);
            assertThat(jwt.getHeader().getType().toString()).isEqualTo("logout+jwt");
            assertThat(claims.toJWTClaimsSet().getClaim("nonce")).isNull();
            out.put(aud, claims.toJWTClaimsSet());
        }
        return out;
    }

    @Test
    void whenTheClientLogsOutWithItsIdToken_thenEverySessionEndsAndEveryClientIsTold() throws Exception {
        received.clear();
        var front = register(map(
                "post_logout_redirect_uris",
                List.of(BYE),
                "frontchannel_logout_uri",
                FRONT,
                "frontchannel_logout_session_required",
                true,
                "backchannel_logout_uri",
                backChannelUri,
                "backchannel_logout_session_required",
                true));
        var back = register(map("backchannel_logout_uri", backChannelUri));
        var bystander = register(map());
        String email = newUser();
        var browser = new Browser(server.base);
        var first = signIn(browser, front, email);
        var second = signIn(browser, back, email);
        var other = signIn(new Browser(server.base), bystander, email); // another browser: not part of this logout

        var r = browser.get(URI.create(server.base + "/oauth2/logout?id_token_hint="
                + q(first.tokens().getIDTokenString()) + "&post_logout_redirect_uri=" + q(BYE) + "&state=s-123"));

        // No confirmation: the signed-out page frames the front-channel URI with iss and sid, then returns.
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        String frame = FRONT + "?iss=" + q(server.base) + "&amp;sid=" + sid(first.tokens());
        assertThat(r.body()).contains("<iframe src=\"" + frame + "\"");
        assertThat(r.body()).contains("url=" + BYE + "?state=s-123\"", "href=\"" + BYE + "?state=s-123\"");
        assertThat(r.headers().firstValue("Content-Security-Policy").orElseThrow())
                .contains("frame-src http://localhost:9999")
                .contains("frame-ancestors 'none'");
        assertThat(r.headers().firstValue("Cache-Control")).hasValue("no-store");

        assertThat(refreshes(front, first.tokens())).isFalse();
        assertThat(refreshes(back, second.tokens())).isFalse();
        assertThat(refreshes(bystander, other.tokens())).isTrue();
        assertThat(signedIn(browser, front)).isFalse();

        var tokens = logoutTokens(2, front, back);
        assertThat(tokens.get(front.id().getValue()).getStringClaim("sid")).isEqualTo(sid(first.tokens()));
        assertThat(tokens.get(back.id().getValue()).getStringClaim("sid")).isEqualTo(sid(second.tokens()));
        assertThat(tokens.get(back.id().getValue()).getSubject())
                .isEqualTo(second.tokens().getIDToken().getJWTClaimsSet().getSubject());
        assertThat(received.poll(500, TimeUnit.MILLISECONDS))
                .as("nothing for the bystander")
                .isNull();

        String sub = first.tokens().getIDToken().getJWTClaimsSet().getSubject();
        var audit = server.http
                .get("/v1/audit/logs?event_type=sso.logout&user_id=" + sub)
                .bearer(adminToken())
                .send();
        assertThat(audit.body())
                .contains("sso.logout", "sessions_ended", front.id().getValue());
    }

    @Test
    void whenTheGrantIncludesOfflineAccess_thenItsRefreshTokenOutlivesTheLogoutAndTheClientIsStillTold()
            throws Exception {
        received.clear();
        var offline = register(map("backchannel_logout_uri", backChannelUri));
        var online = register(map("post_logout_redirect_uris", List.of(BYE)));
        String email = newUser();
        var browser = new Browser(server.base);
        var kept = signIn(browser, offline, email, "", OFFLINE);
        var ended = signIn(browser, online, email);

        var r = browser.get(URI.create(server.base + "/oauth2/logout?id_token_hint="
                + q(ended.tokens().getIDTokenString()) + "&post_logout_redirect_uri=" + q(BYE)));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(302);
        assertThat(signedIn(browser, online)).isFalse();

        // Back-Channel Logout §2.7: refresh tokens without offline_access are revoked, those with it are not.
        assertThat(refreshes(online, ended.tokens())).isFalse();
        assertThat(server.http
                        .get("/oauth2/userinfo")
                        .bearer(ended.tokens().getAccessToken().getValue())
                        .send()
                        .status())
                .isEqualTo(401);
        assertThat(server.http
                        .get("/oauth2/userinfo")
                        .bearer(kept.tokens().getAccessToken().getValue())
                        .send()
                        .status())
                .isEqualTo(200);
        var refreshed = TokenResponse.parse(new TokenRequest.Builder(
                                URI.create(server.base + "/oauth2/token"),
                                offline.auth(),
                                new RefreshTokenGrant(kept.tokens().getRefreshToken()))
                        .build()
                        .toHTTPRequest()
                        .send())
                .toSuccessResponse()
                .getTokens();
        assertThat(server.http
                        .get("/oauth2/userinfo")
                        .bearer(refreshed.getAccessToken().getValue())
                        .send()
                        .status())
                .isEqualTo(200);
        // The client's sign-in in that browser ended all the same: it is told, and decides what its tokens are for.
        assertThat(logoutTokens(1, offline).get(offline.id().getValue()).getStringClaim("sid"))
                .isEqualTo(sid(kept.tokens()));

        String sub = ended.tokens().getIDToken().getJWTClaimsSet().getSubject();
        var audit = server.http
                .get("/v1/audit/logs?event_type=sso.logout&user_id=" + sub)
                .bearer(adminToken())
                .send();
        assertThat(audit.json()
                        .path("logs")
                        .get(0)
                        .path("details")
                        .path("sessions_ended")
                        .asInt())
                .isEqualTo(1);
        assertThat(audit.json()
                        .path("logs")
                        .get(0)
                        .path("details")
                        .path("offline_sessions_kept")
                        .asInt())
                .isEqualTo(1);
    }

    /** A code from the authorization endpoint in {@code browser}, already signed in and consented, not yet redeemed. */
    static AuthorizationCode codeOnly(Browser browser, Client c, CodeVerifier verifier) throws Exception {
        var r = browser.get(authorizationRequest(c, verifier));
        assertThat(r.statusCode()).as(r.body()).isIn(302, 303);
        return AuthenticationResponseParser.parse(Browser.location(r))
                .toSuccessResponse()
                .getAuthorizationCode();
    }

    static boolean redeems(Client c, AuthorizationCode code, CodeVerifier verifier) throws Exception {
        return TokenResponse.parse(new TokenRequest.Builder(
                                URI.create(server.base + "/oauth2/token"),
                                c.auth(),
                                new AuthorizationCodeGrant(code, CALLBACK, verifier))
                        .build()
                        .toHTTPRequest()
                        .send())
                .indicatesSuccess();
    }

    /**
     * Two browsers signed in to two clients (one told through the back channel), and a code not yet redeemed; then
     * {@code everywhere} ends every session of the account. Asserts that both browsers must sign in again, that the
     * code and the refresh tokens are dead, and that the told client got a valid logout token for its session.
     */
    void assertEndsBrowsersAndTellsClients(String email, java.util.function.Consumer<String> everywhere)
            throws Exception {
        received.clear();
        var told = register(map("backchannel_logout_uri", backChannelUri));
        var other = register(map());
        var browser = new Browser(server.base);
        var secondBrowser = new Browser(server.base);
        // Granted offline_access: a logout leaves such grants, but ending everything at once ends them too.
        var first = signIn(browser, told, email, "", OFFLINE);
        var second = signIn(secondBrowser, other, email, "", OFFLINE);
        var verifier = new CodeVerifier();
        var pending = codeOnly(browser, other, verifier);

        everywhere.accept(email);

        assertThat(signedIn(browser, told)).as("first browser still signed in").isFalse();
        assertThat(signedIn(secondBrowser, other))
                .as("second browser still signed in")
                .isFalse();
        assertThat(redeems(other, pending, verifier))
                .as("a code of the ended sign-in redeems")
                .isFalse();
        assertThat(refreshes(told, first.tokens())).isFalse();
        assertThat(refreshes(other, second.tokens())).isFalse();
        var tokens = logoutTokens(1, told);
        assertThat(tokens.get(told.id().getValue()).getStringClaim("sid")).isEqualTo(sid(first.tokens()));
        assertThat(tokens.get(told.id().getValue()).getSubject())
                .isEqualTo(first.tokens().getIDToken().getJWTClaimsSet().getSubject());
        assertThat(received.poll(500, TimeUnit.MILLISECONDS))
                .as("nothing for a client without a back-channel URI")
                .isNull();
    }

    @Test
    void whenTheUserSignsInAgainInTheSameBrowser_thenOneLogoutStillEndsEveryClientSignedInThere() throws Exception {
        var a = register(map());
        var b = register(map());
        String email = newUser();
        var browser = new Browser(server.base);
        var first = signIn(browser, a, email);
        server.clock.advance(Duration.ofSeconds(5));
        // prompt=login: the password again, in the same browser, renews its session instead of opening a second one.
        var second = signIn(browser, b, email, "&prompt=login");
        assertThat(second.tokens().getIDToken().getJWTClaimsSet().getLongClaim("auth_time"))
                .isGreaterThan(first.tokens().getIDToken().getJWTClaimsSet().getLongClaim("auth_time"));

        // The first client's ID token still names the browser's session: no confirmation, and both clients are out.
        var r = browser.get(URI.create(
                server.base + "/oauth2/logout?id_token_hint=" + q(first.tokens().getIDTokenString())));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        // No return address: the page offers to sign in again.
        assertThat(r.body()).contains("You are signed out.").contains("href=\"/login\"");
        assertThat(refreshes(a, first.tokens())).isFalse();
        assertThat(refreshes(b, second.tokens())).isFalse();
    }

    @Test
    void whenSomeoneElseSignsInInTheSameBrowser_thenThePreviousUsersSessionEndsAndItsClientsAreTold() throws Exception {
        received.clear();
        var a = register(map("backchannel_logout_uri", backChannelUri));
        var b = register(map());
        var browser = new Browser(server.base);
        var first = signIn(browser, a, newUser());
        // Another person at the same browser: prompt=login, and a different account.
        var second = signIn(browser, b, newUser(), "&prompt=login");
        // The first user's browser session could no longer be reached (its cookie was replaced): it ended, as a logout.
        assertThat(refreshes(a, first.tokens())).isFalse();
        assertThat(refreshes(b, second.tokens())).isTrue();
        assertThat(logoutTokens(1, a).get(a.id().getValue()).getStringClaim("sid"))
                .isEqualTo(sid(first.tokens()));
    }

    @Test
    void whenTheUserSignsOutEverywhere_thenBrowserSignInsEndAndClientsAreTold() throws Exception {
        assertEndsBrowsersAndTellsClients(newUser(), email -> {
            var r = server.http
                    .post("/v1/auth/revoke-all-sessions")
                    .bearer(server.accessToken(email, PASSWORD))
                    .send();
            assertThat(r.status()).as(r.body()).isEqualTo(200);
        });
    }

    @Test
    void whenThePasswordIsReset_thenBrowserSignInsEndAndClientsAreTold() throws Exception {
        assertEndsBrowsersAndTellsClients(newUser(), email -> {
            assertThat(server.http
                            .post("/v1/auth/forgot-password", map("email", email))
                            .status())
                    .isEqualTo(202);
            String token = server.tokenFromMail(email, dev.gatehouse.testkit.TestAccounts.isReset());
            var r = server.http.post(
                    "/v1/auth/reset-password", map("token", token, "new_password", "Another-Horse-Battery-7"));
            assertThat(r.status()).as(r.body()).isEqualTo(200);
        });
    }

    @Test
    void whenThePasswordIsChanged_thenBrowserSignInsEndButTheCallingSessionStays() throws Exception {
        String[] caller = new String[1];
        assertEndsBrowsersAndTellsClients(newUser(), email -> {
            caller[0] = server.accessToken(email, PASSWORD);
            var r = server.http
                    .post("/v1/auth/change-password")
                    .bearer(caller[0])
                    .json(map("current_password", PASSWORD, "new_password", "Another-Horse-Battery-7"))
                    .send();
            assertThat(r.status()).as(r.body()).isEqualTo(200);
        });
        assertThat(server.http.get("/v1/auth/me").bearer(caller[0]).send().status())
                .isEqualTo(200);
    }

    @Test
    void whenABackChannelEndpointIsSlowOrFailing_thenLogoutDoesNotWaitAndTheTokenIsRetried() throws Exception {
        received.clear();
        flakyCalls.set(0);
        String base = "http://127.0.0.1:" + rp.getAddress().getPort();
        var flaky = register(map("post_logout_redirect_uris", List.of(BYE), "backchannel_logout_uri", base + "/flaky"));
        var slow = register(map("backchannel_logout_uri", base + "/slow"));
        var browser = new Browser(server.base);
        String email = newUser();
        var first = signIn(browser, flaky, email);
        signIn(browser, slow, email);

        long started = System.nanoTime();
        var r = browser.get(URI.create(server.base + "/oauth2/logout?id_token_hint="
                + q(first.tokens().getIDTokenString()) + "&post_logout_redirect_uri=" + q(BYE)));
        long tookMs = (System.nanoTime() - started) / 1_000_000;
        assertThat(r.statusCode()).isEqualTo(302);
        assertThat(tookMs).as("logout waited for a back-channel call").isLessThan(3_000);

        var tokens = logoutTokens(1, flaky);
        assertThat(tokens.get(flaky.id().getValue()).getStringClaim("sid")).isEqualTo(sid(first.tokens()));
        assertThat(flakyCalls.get()).isEqualTo(2);
    }

    @Test
    void whenTheSameLogoutArrivesTwiceAtOnce_thenTheClientIsToldOnce() throws Exception {
        received.clear();
        var client = register(map("post_logout_redirect_uris", List.of(BYE), "backchannel_logout_uri", backChannelUri));
        var browser = new Browser(server.base);
        var tokens = signIn(browser, client, newUser()).tokens();
        URI logout = URI.create(server.base + "/oauth2/logout?id_token_hint=" + q(tokens.getIDTokenString())
                + "&post_logout_redirect_uri=" + q(BYE));
        var statuses =
                dev.gatehouse.testkit.Race.run(4, () -> browser.get(logout).statusCode());
        assertThat(statuses).containsOnly(302);
        logoutTokens(1, client);
        assertThat(received.poll(1500, TimeUnit.MILLISECONDS))
                .as("a second logout token")
                .isNull();
    }

    @Test
    void whenNoIdTokenIsGiven_thenTheUserConfirmsOnACsrfProtectedPage() throws Exception {
        var client = register(map("post_logout_redirect_uris", List.of(BYE)));
        String email = newUser();
        var browser = new Browser(server.base);
        var tokens = signIn(browser, client, email).tokens();

        var r = browser.get(URI.create(server.base + "/oauth2/logout?client_id="
                + q(client.id().getValue()) + "&post_logout_redirect_uri=" + q(BYE) + "&state=abc"));
        assertThat(r.statusCode()).isEqualTo(302);
        assertThat(Browser.location(r).getPath()).isEqualTo("/logout");
        var page = browser.follow(r);
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("<form method=\"post\" action=\"/logout\"", "web app");
        assertThat(signedIn(browser, client)).as("asking changes nothing").isTrue();

        var forged = browser.post(
                URI.create(server.base + "/logout"),
                Map.of("csrf", "forged", "client_id", client.id().getValue(), "post_logout_redirect_uri", BYE));
        assertThat(forged.statusCode()).isEqualTo(403);
        assertThat(refreshes(client, tokens)).isTrue();
        // The page's own token, in a post the browser says came from another site (ADR 0023).
        browser.fetchSite = "cross-site";
        var crossSite = browser.post(
                URI.create(server.base + "/logout"),
                Map.of(
                        "csrf",
                        Browser.hidden(page.body(), "csrf"),
                        "client_id",
                        client.id().getValue()));
        assertThat(crossSite.statusCode()).isEqualTo(403);
        assertThat(signedIn(browser, client)).isTrue();

        browser.fetchSite = "same-origin";
        var done = confirm(browser, page);
        assertThat(done.statusCode()).isEqualTo(303);
        assertThat(done.headers().firstValue("Location")).hasValue(BYE + "?state=abc");
        assertThat(signedIn(browser, client)).isFalse();
    }

    /** Posts the confirmation page's form as the user's button does: every hidden field as the page holds it. */
    static HttpResponse<String> confirm(Browser browser, HttpResponse<String> page) throws Exception {
        return browser.post(
                URI.create(server.base + "/logout"),
                Map.of(
                        "csrf", Browser.hidden(page.body(), "csrf"),
                        "client_id", Browser.hidden(page.body(), "client_id"),
                        "post_logout_redirect_uri", Browser.hidden(page.body(), "post_logout_redirect_uri"),
                        "state", Browser.hidden(page.body(), "state")));
    }

    @Test
    void whenNothingIsGiven_thenTheUserConfirmsAndSeesTheSignedOutPage() throws Exception {
        var client = register(map());
        var browser = new Browser(server.base);
        var tokens = signIn(browser, client, newUser()).tokens();
        var page = browser.follow(browser.post(URI.create(server.base + "/oauth2/logout"), Map.of()));
        assertThat(page.statusCode()).isEqualTo(200);
        var done =
                browser.post(URI.create(server.base + "/logout"), Map.of("csrf", Browser.hidden(page.body(), "csrf")));
        assertThat(done.statusCode()).isEqualTo(200);
        assertThat(done.body()).contains("You are signed out.").doesNotContain("<iframe");
        assertThat(refreshes(client, tokens)).isFalse();
    }

    @Test
    void whenTheAccountWasDisabledSinceSigningIn_thenLogoutStillEndsItsSession() throws Exception {
        var client = register(map());
        var browser = new Browser(server.base);
        String email = newUser();
        var tokens = signIn(browser, client, email).tokens();
        // An operator's change in the database: the API has no call that disables an account yet.
        assertThat(server.database.update("UPDATE users SET status = ? WHERE email = ?", "disabled", email))
                .isEqualTo(1);
        // The session signs nothing in any more, but the browser can still end it (and its clients hear of it).
        var page = browser.follow(browser.post(URI.create(server.base + "/oauth2/logout"), Map.of()));
        assertThat(page.statusCode()).isEqualTo(200);
        var done =
                browser.post(URI.create(server.base + "/logout"), Map.of("csrf", Browser.hidden(page.body(), "csrf")));
        assertThat(done.body()).contains("You are signed out.");
        assertThat(refreshes(client, tokens)).isFalse();
    }

    @Test
    void whenTheClientPostsWithoutTheSsoCookie_thenTheBrowserIsSentToTheSameRequestAsAGet() throws Exception {
        var client = register(map("post_logout_redirect_uris", List.of(BYE)));
        var browser = new Browser(server.base);
        var tokens = signIn(browser, client, newUser()).tokens();
        var form = Map.of("id_token_hint", tokens.getIDTokenString(), "post_logout_redirect_uri", BYE, "state", "p-1");
        // A cross-site form POST: SameSite=Lax keeps the SSO cookie out of it.
        var crossSite = new Browser(server.base).post(URI.create(server.base + "/oauth2/logout"), form);
        assertThat(crossSite.statusCode()).isEqualTo(303);
        URI next = Browser.location(crossSite);
        assertThat(next.getPath()).isEqualTo("/oauth2/logout");
        assertThat(URLUtils.parseParameters(next.getRawQuery()))
                .containsEntry("id_token_hint", List.of(tokens.getIDTokenString()))
                .containsEntry("state", List.of("p-1"));
        assertThat(signedIn(browser, client)).isTrue();
        var r = browser.get(next); // the top-level GET carries the cookie
        assertThat(r.statusCode()).isEqualTo(302);
        assertThat(r.headers().firstValue("Location")).hasValue(BYE + "?state=p-1");
        assertThat(signedIn(browser, client)).isFalse();
        assertThat(refreshes(client, tokens)).isFalse();
    }

    @Test
    void whenTheIdTokenHintHasExpired_thenItStillIdentifiesTheSession() throws Exception {
        var client = register(map("post_logout_redirect_uris", List.of(BYE)));
        var browser = new Browser(server.base);
        var tokens = signIn(browser, client, newUser()).tokens();
        server.clock.advance(Duration.ofHours(2));
        assertThat(tokens.getIDToken().getJWTClaimsSet().getExpirationTime())
                .isBefore(Date.from(server.clock.instant()));
        var r = browser.get(URI.create(server.base + "/oauth2/logout?id_token_hint=" + q(tokens.getIDTokenString())
                + "&post_logout_redirect_uri=" + q(BYE)));
        assertThat(r.statusCode()).isEqualTo(302);
        assertThat(r.headers().firstValue("Location")).hasValue(BYE);
        assertThat(signedIn(browser, client)).isFalse();
    }

    @Test
    void whenTheIdTokenHintsKeyHasBeenRetired_thenItStillNamesTheClientButTheUserConfirms() throws Exception {
        var client = register(map("post_logout_redirect_uris", List.of(BYE)));
        var browser = new Browser(server.base);
        var tokens = signIn(browser, client, newUser()).tokens();
        String kid =
                ((com.nimbusds.jwt.SignedJWT) tokens.getIDToken()).getHeader().getKeyID();
        var rotated = server.http
                .post("/v1/admin/keys/rotate")
                .bearer(server.adminToken())
                .json(map("alg", "RS256", "immediate", true))
                .send();
        assertThat(rotated.status()).as(rotated.body()).isEqualTo(201);
        server.clock.advance(Duration.ofHours(3)); // past the old key's retention
        assertThat(server.http.get("/.well-known/jwks.json").send().body()).doesNotContain(kid);

        var r = browser.get(URI.create(server.base + "/oauth2/logout?id_token_hint=" + q(tokens.getIDTokenString())
                + "&post_logout_redirect_uri=" + q(BYE) + "&state=s1"));
        // Its signature can no longer be checked: no error page, but no sign-out without the user's word either.
        assertThat(r.statusCode()).isEqualTo(302);
        assertThat(Browser.location(r).getPath()).isEqualTo("/logout");
        var page = browser.follow(r);
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(signedIn(browser, client)).isTrue();
        var done = confirm(browser, page);
        assertThat(done.statusCode()).isEqualTo(303);
        assertThat(done.headers().firstValue("Location")).hasValue(BYE + "?state=s1");
        assertThat(signedIn(browser, client)).isFalse();

        // A token with a published key is still checked: altered claims are not ours.
        var fresh = signIn(new Browser(server.base), client, newUser()).tokens().getIDTokenString();
        String[] parts = fresh.split("\\.", -1);
        String altered = parts[0] + "."
                + java.util.Base64.getUrlEncoder()
                        .withoutPadding()
                        .encodeToString("{\"iss\":\"x\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8))
                + "." + parts[2];
        var refused = browser.get(URI.create(server.base + "/oauth2/logout?id_token_hint=" + q(altered)));
        assertThat(refused.statusCode()).isEqualTo(400);
    }

    @Test
    void whenTheSignOutIsAskedInGerman_thenTheConfirmationAndSignedOutPagesAreGerman() throws Exception {
        var client = register(map());
        var browser = new Browser(server.base);
        var tokens = signIn(browser, client, newUser()).tokens();
        var r = browser.get(URI.create(
                server.base + "/oauth2/logout?client_id=" + q(client.id().getValue()) + "&ui_locales=de"));
        assertThat(r.statusCode()).isEqualTo(302);
        var page = browser.follow(r);
        assertThat(page.statusCode()).isEqualTo(200);
        HostedPagesTest.assertPageHeaders(page);
        HostedPagesTest.assertAccessible(page.body(), "de");
        assertThat(page.body())
                .contains("<title>Abmelden?</title>")
                .contains("<strong>web app</strong> möchte Sie abmelden.")
                .contains("Möchten Sie sich von diesem Konto abmelden?")
                .contains("<button type=\"submit\">Abmelden</button>")
                .contains("name=\"ui_locales\" value=\"de\"")
                .doesNotContain("Sign out");

        var forged = browser.post(URI.create(server.base + "/logout"), Map.of("csrf", "forged", "ui_locales", "de"));
        assertThat(forged.statusCode()).isEqualTo(403);
        HostedPagesTest.assertAccessible(forged.body(), "de");
        assertThat(forged.body()).contains("<h1>Abmeldung abgelaufen</h1>");
        assertThat(refreshes(client, tokens)).isTrue();

        var done = browser.post(
                URI.create(server.base + "/logout"),
                Map.of(
                        "csrf", Browser.hidden(page.body(), "csrf"),
                        "client_id", Browser.hidden(page.body(), "client_id"),
                        "ui_locales", Browser.hidden(page.body(), "ui_locales")));
        assertThat(done.statusCode()).isEqualTo(200);
        HostedPagesTest.assertAccessible(done.body(), "de");
        assertThat(done.body()).contains("<title>Abgemeldet</title>").contains("<p>Sie sind abgemeldet.</p>");
        assertThat(refreshes(client, tokens)).isFalse();
    }

    @Test
    void whenTheBrowserPrefersGerman_thenTheSignOutErrorPageIsGermanAndAnnounced() throws Exception {
        var req = java.net.http.HttpRequest.newBuilder(URI.create(server.base + "/oauth2/logout?client_id=nope"))
                .header("Accept-Language", "de")
                .GET()
                .build();
        var r = new Browser(server.base).http.send(req, HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.headers().firstValue("Location")).isEmpty();
        HostedPagesTest.assertPageHeaders(r);
        HostedPagesTest.assertAccessible(r.body(), "de");
        assertThat(r.body())
                .contains("<h1>Abmeldeanfrage abgelehnt</h1>")
                .contains("role=\"alert\">Die Anwendung ist hier nicht registriert.</p>");
        var english = new Browser(server.base).get(URI.create(server.base + "/oauth2/logout?client_id=nope"));
        assertThat(english.body())
                .contains("<html lang=\"en\">")
                .contains("role=\"alert\">The application is not registered here.</p>");
    }

    @Test
    void whenTheRequestIsNotTrustworthy_thenAnErrorPageAndNoRedirect() throws Exception {
        var client = register(map("post_logout_redirect_uris", List.of(BYE)));
        var otherClient = register(map("post_logout_redirect_uris", List.of(BYE)));
        var browser = new Browser(server.base);
        var tokens = signIn(browser, client, newUser()).tokens();
        var rsa = new RSAKeyGenerator(2048)
                .keyID(tokens.getIDToken().getHeader() instanceof JWSHeader h ? h.getKeyID() : "k")
                .generate();
        var forged = new SignedJWT(
                new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(rsa.getKeyID()).build(),
                tokens.getIDToken().getJWTClaimsSet());
        forged.sign(new RSASSASigner(rsa));

        List<String> bad = new ArrayList<>(List.of(
                "client_id=" + q(client.id().getValue()) + "&post_logout_redirect_uri="
                        + q("http://localhost:9999/other"),
                "post_logout_redirect_uri=" + q(BYE),
                "client_id=nope",
                "id_token_hint=" + q(forged.serialize()) + "&post_logout_redirect_uri=" + q(BYE),
                "id_token_hint=not.a.jwt",
                "id_token_hint=" + q(tokens.getIDTokenString()) + "&client_id="
                        + q(otherClient.id().getValue()),
                "client_id=" + q(client.id().getValue()) + "&client_id="
                        + q(client.id().getValue())));
        for (String query : bad) {
            var r = browser.get(URI.create(server.base + "/oauth2/logout?" + query));
            assertThat(r.statusCode()).as(query).isEqualTo(400);
            assertThat(r.headers().firstValue("Location")).as(query).isEmpty();
            assertThat(r.body()).as(query).contains("Sign-out request refused");
        }
        var viaPage = browser.get(URI.create(server.base + "/logout?post_logout_redirect_uri=" + q(BYE)));
        assertThat(viaPage.statusCode()).isEqualTo(400);
        assertThat(signedIn(browser, client)).isTrue();
        assertThat(refreshes(client, tokens)).isTrue();
    }

    @Test
    void whenLogoutMetadataIsRegistered_thenItIsCheckedAndKept() {
        assertThat(registerRaw(map("frontchannel_logout_uri", "https://elsewhere.example/fc"))
                        .body())
                .contains("frontchannel_logout_uri");
        assertThat(registerRaw(map("frontchannel_logout_uri", "https://elsewhere.example/fc"))
                        .status())
                .isEqualTo(422);
        assertThat(registerRaw(map("backchannel_logout_uri", "http://internal.example/bc"))
                        .status())
                .isEqualTo(422);
        assertThat(registerRaw(map("backchannel_logout_uri", "https://rp.example/bc#x"))
                        .status())
                .isEqualTo(422);
        assertThat(registerRaw(map("post_logout_redirect_uris", List.of("http://rp.example/bye")))
                        .status())
                .isEqualTo(422);
        var ok = registerRaw(map(
                "post_logout_redirect_uris",
                List.of(BYE),
                "frontchannel_logout_uri",
                FRONT,
                "backchannel_logout_uri",
                "https://rp.example/bc",
                "backchannel_logout_session_required",
                true));
        assertThat(ok.status()).as(ok.body()).isEqualTo(201);
        var shown = server.http
                .get("/v1/admin/clients/" + ok.clientId())
                .bearer(adminToken())
                .send();
        assertThat(shown.body())
                .contains("\"post_logout_redirect_uris\"", "\"frontchannel_logout_uri\"", "\"backchannel_logout_uri\"");
    }

    static final Pattern SCRIPT = Pattern.compile("<script>(.*)</script>", Pattern.DOTALL);

    @Test
    void whenTheOpIframeIsLoaded_thenOnlyItsOwnScriptRunsAndClientOriginsMayFrameIt() throws Exception {
        var r = new Browser(server.base).get(URI.create(server.base + "/oauth2/session/iframe"));
        assertThat(r.statusCode()).isEqualTo(200);
        // Framing is governed by the CSP's frame-ancestors alone: the default X-Frame-Options DENY is taken off.
        assertThat(r.headers().firstValue("X-Frame-Options")).isEmpty();
        var m = SCRIPT.matcher(r.body());
        assertThat(m.find()).isTrue();
        String hash = Base64.getEncoder()
                .encodeToString(java.security.MessageDigest.getInstance("SHA-256")
                        .digest(m.group(1).getBytes(StandardCharsets.UTF_8)));
        String csp = r.headers().firstValue("Content-Security-Policy").orElseThrow();
        assertThat(csp)
                .contains("default-src 'none'")
                .contains("script-src 'sha256-" + hash + "'")
                .contains("connect-src 'self'")
                .contains("frame-ancestors https: http://localhost:*")
                .doesNotContain("unsafe-inline")
                .doesNotContain("frame-ancestors 'none'");
        assertThat(r.body()).contains("postMessage", "/oauth2/session/check");
    }

    @Test
    void whenTheSessionStateIsChecked_thenItIsUnchangedUntilTheBrowserSignsOut() throws Exception {
        var client = register(map());
        var browser = new Browser(server.base);
        var signIn = signIn(browser, client, newUser());
        assertThat(signIn.sessionState()).isNotNull();
        String ss = signIn.sessionState().getValue();
        assertThat(ss).matches("[A-Za-z0-9_-]{43}\\.[A-Za-z0-9_-]+");
        String check = server.base + "/oauth2/session/check?client_id="
                + q(client.id().getValue()) + "&origin=" + q("http://localhost:9999") + "&session_state=";

        HttpResponse<String> same = browser.get(URI.create(check + q(ss)));
        assertThat(same.statusCode()).isEqualTo(200);
        assertThat(same.body()).isEqualTo("{\"status\":\"unchanged\"}");
        assertThat(same.headers().firstValue("Cache-Control")).hasValue("no-store");
        assertThat(new Browser(server.base).get(URI.create(check + q(ss))).body())
                .contains("\"changed\"");
        String otherSalt = ss.substring(0, ss.indexOf('.') + 1) + "AAAA";
        assertThat(browser.get(URI.create(check + q(otherSalt))).body()).contains("\"changed\"");

        var foreign = browser.get(URI.create(server.base + "/oauth2/session/check?client_id="
                + q(client.id().getValue()) + "&origin=" + q("https://evil.example") + "&session_state=" + q(ss)));
        assertThat(foreign.statusCode()).isEqualTo(400);
        assertThat(foreign.body()).contains("\"error\"");
        assertThat(browser.get(URI.create(server.base + "/oauth2/session/check"))
                        .statusCode())
                .isEqualTo(400);

        var page = browser.follow(browser.get(URI.create(server.base + "/oauth2/logout")));
        browser.post(URI.create(server.base + "/logout"), Map.of("csrf", Browser.hidden(page.body(), "csrf")));
        assertThat(browser.get(URI.create(check + q(ss))).body()).contains("\"changed\"");
    }

    @Test
    void whenANativeAppOnALoopbackPortChecksTheSessionState_thenItsOriginIsAccepted() throws Exception {
        var client = register(map("redirect_uris", List.of(CALLBACK.toString(), "http://127.0.0.1/cb")));
        var browser = new Browser(server.base);
        // RFC 8252 §7.3: the app names its registered loopback redirect URI with the port it was given.
        URI loopback = URI.create("http://127.0.0.1:54321/cb");
        var request = new AuthenticationRequest.Builder(ResponseType.CODE, new Scope("openid"), client.id(), loopback)
                .endpointURI(URI.create(server.base + "/oauth2/authorize"))
                .state(new State())
                .nonce(new Nonce())
                .codeChallenge(new CodeVerifier(), CodeChallengeMethod.S256)
                .build();
        var r = browser.follow(browser.get(request.toURI()));
        if (r.body().contains("name=\"password\"")) r = browser.signIn(r, newUser(), PASSWORD);
        if (r.body().contains("name=\"decision\"")) r = browser.consent(r, "allow");
        assertThat(Browser.location(r).toString()).as(r.body()).startsWith(loopback.toString());
        String ss = AuthenticationResponseParser.parse(Browser.location(r))
                .toSuccessResponse()
                .getSessionState()
                .getValue();
        String check =
                server.base + "/oauth2/session/check?client_id=" + q(client.id().getValue()) + "&origin=";

        var same = browser.get(URI.create(check + q("http://127.0.0.1:54321") + "&session_state=" + q(ss)));
        assertThat(same.statusCode()).as(same.body()).isEqualTo(200);
        assertThat(same.body()).isEqualTo("{\"status\":\"unchanged\"}");
        // Only loopback IP redirect URIs take any port: a web origin on another port is still foreign.
        var otherPort = browser.get(URI.create(check + q("http://localhost:9998") + "&session_state=" + q(ss)));
        assertThat(otherPort.statusCode()).isEqualTo(400);
        var withPath = browser.get(URI.create(check + q("http://127.0.0.1:54321/cb") + "&session_state=" + q(ss)));
        assertThat(withPath.statusCode()).isEqualTo(400);
    }

    @Test
    void whenDiscoveryIsRead_thenLogoutAndSessionManagementAreAdvertised() throws Exception {
        var r = new Browser(server.base).get(URI.create(server.base + "/.well-known/openid-configuration"));
        var meta = OIDCProviderMetadata.parse(r.body());
        assertThat(meta.getEndSessionEndpointURI()).isEqualTo(URI.create(server.base + "/oauth2/logout"));
        assertThat(meta.getCheckSessionIframeURI()).isEqualTo(URI.create(server.base + "/oauth2/session/iframe"));
        assertThat(meta.supportsFrontChannelLogout()).isTrue();
        assertThat(meta.supportsFrontChannelLogoutSession()).isTrue();
        assertThat(meta.supportsBackChannelLogout()).isTrue();
        assertThat(meta.supportsBackChannelLogoutSession()).isTrue();
    }
}
