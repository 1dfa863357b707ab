package dev.gatehouse.oidc;

import static dev.gatehouse.testkit.HttpJson.map;
import static dev.gatehouse.testkit.TestAccounts.isReset;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.StackTraceElementProxy;
import com.nimbusds.oauth2.sdk.AuthorizationCodeGrant;
import com.nimbusds.oauth2.sdk.AuthorizationResponse;
import com.nimbusds.oauth2.sdk.ClientCredentialsGrant;
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
import com.nimbusds.openid.connect.sdk.AuthenticationRequest;
import com.nimbusds.openid.connect.sdk.Nonce;
import com.nimbusds.openid.connect.sdk.OIDCTokenResponse;
import com.nimbusds.openid.connect.sdk.OIDCTokenResponseParser;
import dev.gatehouse.testkit.LogCapture;
import dev.gatehouse.testkit.ServerTest;
import dev.gatehouse.testkit.TestAccounts;
import dev.gatehouse.testkit.TestServer;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Secrets never reach the logs: with Gatehouse's own loggers and the access log at DEBUG (what an operator
 * troubleshooting would set), a sign-in through the hosted login, the code exchange, refresh, client credentials,
 * introspection, revocation, a password reset and the failures around them (wrong password, wrong client secret,
 * a token in the URI, a replayed code), registration with an initial access token, the device flow's codes, and a
 * second factor's enrolment and sign-in leave every password, client secret, code, PKCE verifier, token (initial and
 * registration access tokens too), device and user code, mailed link, TOTP key and backup code out of every log event:
 * message, arguments, exception and MDC. The answers to the failures echo none of them either.
 */
@ServerTest
class SecretsStayOutOfLogsTest {
    static final URI CALLBACK = URI.create("http://localhost:9999/cb");
    static final String PASSWORD = "Correct-Horse-Battery-9";
    static final String WRONG_PASSWORD = "Wrong-Horse-Battery-77";
    static final String NEW_PASSWORD = "Another-Horse-Battery-31";
    static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void whenEveryFlowAndItsFailuresRunAtDebug_thenNoSecretIsInAnyLogEventOrRefusal() throws Exception {
        List<String> secrets = new ArrayList<>(List.of(PASSWORD, WRONG_PASSWORD, NEW_PASSWORD));
        List<String> refusals = new ArrayList<>();
        List<ILoggingEvent> events;
        try (var logs = new LogCapture(
                Level.DEBUG, "dev.gatehouse", "gatehouse.access", "com.nimbusds", "org.jdbi", "io.javalin")) {
            String admin = server.adminToken();
            secrets.add(admin);
            String email = server.register("logs" + System.nanoTime() + "@example.com", PASSWORD);
            var wrongPassword = server.login(email, WRONG_PASSWORD);
            assertThat(wrongPassword.status()).isEqualTo(401);
            refusals.add(wrongPassword.body());
            var signedIn = server.login(email, PASSWORD);
            assertThat(signedIn.status()).isEqualTo(200);
            secrets.add(signedIn.json().path("tokens").path("access_token").asText());
            String apiRefresh =
                    signedIn.json().path("tokens").path("refresh_token").asText();
            secrets.add(apiRefresh);
            var refreshed = server.http.post("/v1/auth/refresh", map("refresh_token", apiRefresh));
            assertThat(refreshed.status()).as(refreshed.body()).isEqualTo(200);
            secrets.add(refreshed.json().path("tokens").path("refresh_token").asText());
            secrets.add(refreshed.json().path("tokens").path("access_token").asText());
            var reused = server.http.post("/v1/auth/refresh", map("refresh_token", apiRefresh));
            assertThat(reused.status()).isEqualTo(401);
            refusals.add(reused.body());

            var registered = server.registerClientAs(
                    admin,
                    TestServer.webClient(
                            "logs app",
                            CALLBACK,
                            "openid email offline_access",
                            "authorization_code",
                            "refresh_token",
                            "client_credentials"));
            var clientId = new ClientID(registered.text("client_id"));
            var secret = new Secret(registered.text("client_secret"));
            secrets.add(secret.getValue());
            var auth = new ClientSecretBasic(clientId, secret);
            URI tokenUri = URI.create(server.base + "/oauth2/token");

            // The code flow through the hosted login and consent pages.
            var verifier = new CodeVerifier();
            secrets.add(verifier.getValue());
            var request = authorizationRequest(clientId, verifier);
            var b = new Browser(server.base);
            var page = b.follow(b.get(request.toURI()));
            page = b.signIn(page, email, PASSWORD);
            if (page.statusCode() == 200 && page.body().contains("name=\"decision\"")) page = b.consent(page, "allow");
            var code = AuthorizationResponse.parse(Browser.location(page))
                    .toSuccessResponse()
                    .getAuthorizationCode();
            secrets.add(code.getValue());
            var grant = new AuthorizationCodeGrant(code, CALLBACK, verifier);
            OIDCTokenResponse tokens =
                    (OIDCTokenResponse) OIDCTokenResponseParser.parse(new TokenRequest.Builder(tokenUri, auth, grant)
                            .build()
                            .toHTTPRequest()
                            .send());
            String access = tokens.getOIDCTokens().getAccessToken().getValue();
            String refresh = tokens.getOIDCTokens().getRefreshToken().getValue();
            secrets.addAll(List.of(access, refresh, tokens.getOIDCTokens().getIDTokenString()));
            // The same code again (refused, and it revokes what it issued), and a wrong client secret.
            var replayed = new TokenRequest.Builder(tokenUri, auth, grant)
                    .build()
                    .toHTTPRequest()
                    .send();
            assertThat(OIDCTokenResponseParser.parse(replayed).indicatesSuccess())
                    .isFalse();
            refusals.add(replayed.getBody());
            var wrongSecret = new Secret("gcs_" + "x".repeat(43));
            secrets.add(wrongSecret.getValue());
            var wrong = new TokenRequest(
                            tokenUri, new ClientSecretBasic(clientId, wrongSecret), new ClientCredentialsGrant(), null)
                    .toHTTPRequest()
                    .send();
            assertThat(TokenResponse.parse(wrong).indicatesSuccess()).isFalse();
            refusals.add(wrong.getBody());

            // A second code flow's tokens, refreshed; client credentials; userinfo, with the token in the URI too.
            var second = new CodeVerifier();
            var again = authorizationRequest(clientId, second);
            var code2 = AuthorizationResponse.parse(Browser.location(b.follow(b.get(again.toURI()))))
                    .toSuccessResponse()
                    .getAuthorizationCode();
            secrets.addAll(List.of(second.getValue(), code2.getValue()));
            var tokens2 = OIDCTokenResponseParser.parse(new TokenRequest.Builder(
                                    tokenUri, auth, new AuthorizationCodeGrant(code2, CALLBACK, second))
                            .build()
                            .toHTTPRequest()
                            .send())
                    .toSuccessResponse()
                    .getTokens();
            secrets.addAll(List.of(
                    tokens2.getAccessToken().getValue(),
                    tokens2.getRefreshToken().getValue()));
            var rotated = TokenResponse.parse(
                            new TokenRequest.Builder(tokenUri, auth, new RefreshTokenGrant(tokens2.getRefreshToken()))
                                    .build()
                                    .toHTTPRequest()
                                    .send())
                    .toSuccessResponse()
                    .getTokens();
            secrets.addAll(List.of(
                    rotated.getAccessToken().getValue(),
                    rotated.getRefreshToken().getValue()));
            var machine = TokenResponse.parse(new TokenRequest(tokenUri, auth, new ClientCredentialsGrant(), null)
                            .toHTTPRequest()
                            .send())
                    .toSuccessResponse()
                    .getTokens()
                    .getAccessToken()
                    .getValue();
            secrets.add(machine);
            String basic = auth.toHTTPAuthorizationHeader();
            assertThat(server.http
                            .get("/oauth2/userinfo")
                            .bearer(rotated.getAccessToken().getValue())
                            .send()
                            .status())
                    .isEqualTo(200);
            for (var inUri : List.of(
                    server.http.get("/oauth2/userinfo?access_token="
                            + rotated.getAccessToken().getValue()),
                    server.http.post("/oauth2/userinfo?access_token="
                            + rotated.getAccessToken().getValue()))) {
                var refused = inUri.send();
                assertThat(refused.status()).isEqualTo(400);
                refusals.add(refused.body());
            }
            var introspected = server.http
                    .post("/oauth2/introspect")
                    .header("Authorization", basic)
                    .raw("application/x-www-form-urlencoded", "token=" + machine)
                    .send();
            assertThat(introspected.json().path("active").asBoolean()).isTrue();
            var revoked = server.http
                    .post("/oauth2/revoke")
                    .header("Authorization", basic)
                    .raw(
                            "application/x-www-form-urlencoded",
                            "token=" + rotated.getRefreshToken().getValue())
                    .send();
            assertThat(revoked.status()).isEqualTo(200);

            // Registration with an initial access token (RFC 7591) and the registration access token it gives.
            var made = server.http
                    .post("/v1/admin/initial-access-tokens")
                    .bearer(admin)
                    .json(map("expires_in", 600))
                    .send();
            assertThat(made.status()).as(made.body()).isEqualTo(201);
            String initial = made.text("initial_access_token");
            secrets.add(initial);
            var dynamic = server.http
                    .post("/oauth2/register")
                    .bearer(initial)
                    .json(map("client_name", "Logs app", "redirect_uris", List.of("https://logs.example/cb")))
                    .send();
            assertThat(dynamic.status()).as(dynamic.body()).isEqualTo(201);
            secrets.add(dynamic.text("client_secret"));
            String rat = dynamic.text("registration_access_token");
            secrets.add(rat);
            String self = "/oauth2/register/" + dynamic.text("client_id");
            assertThat(server.http.get(self).bearer(rat).send().status()).isEqualTo(200);
            var wrongRat = server.http.get(self).bearer(rat + "x").send();
            assertThat(wrongRat.status()).isEqualTo(401);
            refusals.add(wrongRat.body());

            // The device flow's codes, and a poll before the user has approved.
            var tv = server.registerClientAs(
                    admin,
                    map(
                            "client_name",
                            "Logs TV",
                            "grant_types",
                            List.of("urn:ietf:params:oauth:grant-type:device_code"),
                            "token_endpoint_auth_method",
                            "none"));
            var device = server.http
                    .post("/oauth2/device_authorization")
                    .raw("application/x-www-form-urlencoded", "client_id=" + tv.text("client_id"))
                    .send();
            assertThat(device.status()).as(device.body()).isEqualTo(200);
            String deviceCode = device.text("device_code");
            secrets.addAll(List.of(deviceCode, device.text("user_code")));
            var pending = server.http
                    .post("/oauth2/token")
                    .raw(
                            "application/x-www-form-urlencoded",
                            "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code&client_id="
                                    + tv.text("client_id") + "&device_code=" + deviceCode)
                    .send();
            assertThat(pending.text("error")).isEqualTo("authorization_pending");
            refusals.add(pending.body());

            // A password reset through its mailed link.
            assertThat(server.http
                            .post("/v1/auth/forgot-password", map("email", email))
                            .status())
                    .isEqualTo(202);
            String resetToken = server.tokenFromMail(email, isReset());
            secrets.add(resetToken);
            assertThat(server.http
                            .post("/v1/auth/reset-password", map("token", resetToken, "new_password", NEW_PASSWORD))
                            .status())
                    .isEqualTo(200);
            // A second factor: its key, its backup codes, and a sign-in through the mfa_token with one of them. (The
            // six-digit codes are left out of the check: such digits can stand in a log line by chance.)
            String token = server.accessToken(email, NEW_PASSWORD);
            secrets.add(token);
            var totp = new TestAccounts(server).enableTotp(token);
            secrets.add(totp.secret());
            var backup = totp.backupCodes();
            assertThat(backup).isNotEmpty();
            secrets.addAll(backup);
            String mfaToken = server.login(email, NEW_PASSWORD).text("mfa_token");
            secrets.add(mfaToken);
            var mfaSignIn =
                    server.http.post("/v1/auth/login/mfa/backup", map("mfa_token", mfaToken, "code", backup.get(0)));
            assertThat(mfaSignIn.status()).as(mfaSignIn.body()).isEqualTo(200);
            secrets.add(mfaSignIn.json().path("tokens").path("refresh_token").asText());
            // The access log is written after the answer is sent: wait for the last request's line.
            logs.await(e -> e.getLoggerName().equals("gatehouse.access")
                    && e.getFormattedMessage().contains("/v1/auth/login/mfa"));
            events = logs.events();
        }

        // Nor do the answers to the failures echo what was sent.
        assertThat(refusals).hasSize(8);
        for (String body : refusals)
            for (String s : secrets) assertThat(body).as("refusal: %s", body).doesNotContain(s);
        assertThat(events)
                .as("the DEBUG logs of these flows (the access log at least)")
                .anySatisfy(e -> assertThat(e.getLoggerName()).isEqualTo("gatehouse.access"));
        for (ILoggingEvent e : events) {
            String text = everything(e);
            for (String s : secrets) {
                assertThat(text)
                        .as("log event of %s: %s", e.getLoggerName(), e.getFormattedMessage())
                        .doesNotContain(s);
            }
        }
    }

    private static AuthenticationRequest authorizationRequest(ClientID client, CodeVerifier verifier) {
        return new AuthenticationRequest.Builder(
                        ResponseType.CODE, new Scope("openid", "email", "offline_access"), client, CALLBACK)
                .endpointURI(URI.create(server.base + "/oauth2/authorize"))
                .state(new State())
                .nonce(new Nonce())
                .codeChallenge(verifier, CodeChallengeMethod.S256)
                .build();
    }

    /** The event as far as any appender could write it: message, arguments, MDC, exception chain. */
    private static String everything(ILoggingEvent e) {
        var b = new StringBuilder(e.getFormattedMessage()).append('\n');
        if (e.getArgumentArray() != null)
            for (Object a : e.getArgumentArray()) b.append(a).append('\n');
        Map<String, String> mdc = e.getMDCPropertyMap();
        mdc.forEach((k, v) -> b.append(k).append('=').append(v).append('\n'));
        for (IThrowableProxy t = e.getThrowableProxy(); t != null; t = t.getCause()) {
            b.append(t.getClassName()).append(": ").append(t.getMessage()).append('\n');
            for (StackTraceElementProxy frame : t.getStackTraceElementProxyArray())
                b.append(frame).append('\n');
        }
        return b.toString();
    }
}
