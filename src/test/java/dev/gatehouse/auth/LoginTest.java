package dev.gatehouse.auth;

import static dev.gatehouse.testkit.HttpJson.map;
import static dev.gatehouse.testkit.TestAccounts.PASSWORD;
import static dev.gatehouse.testkit.TestAccounts.email;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.testkit.ServerTest;
import dev.gatehouse.testkit.TestAccounts;
import dev.gatehouse.testkit.TestServer;
import java.util.Base64;
import java.util.Locale;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** POST /v1/auth/login: seed 004's shape, no enumeration, device ids for browsers and API clients. */
@ServerTest
class LoginTest {
    static TestServer server;
    static TestAccounts accounts;

    @BeforeAll
    static void start() {
        server = TestServer.start();
        accounts = new TestAccounts(server);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void whenCredentialsAreRight_thenAnswerHasUserAndTokensInSeedShape() {
        String email = accounts.registered("shape");

        var r = server.login(email, PASSWORD);

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("Content-Type")).startsWith("application/json");
        JsonNode user = r.json().path("user");
        assertThat(user.path("id").asText()).matches("[0-9a-f-]{36}");
        assertThat(user.path("email").asText()).isEqualTo(email);
        assertThat(user.path("is_email_verified").isBoolean()).isTrue();
        assertThat(user.path("created_at").asText()).matches("\\d{4}-\\d\\d-\\d\\dT.*Z");
        assertThat(user.path("password_change_required").asBoolean()).isFalse();
        assertThat(user.has("password_hash")).isFalse();
        assertThat(user.has("password")).isFalse();
        JsonNode tokens = r.json().path("tokens");
        assertThat(tokens.path("access_token").asText().split("\\.")).hasSize(3);
        assertThat(tokens.path("refresh_token").asText()).startsWith("rt_");
        assertThat(tokens.path("token_type").asText()).isEqualTo("Bearer");
        assertThat(tokens.path("expires_in").asInt()).isEqualTo(900);
    }

    @Test
    void whenAccessTokenIsDecoded_thenItCarriesTheFirstPartyClientAndIssuerAudience() throws Exception {
        var me = accounts.newUser("claims");

        String payload = me.accessToken().split("\\.", -1)[1];
        JsonNode claims = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(Base64.getUrlDecoder().decode(payload));

        assertThat(claims.path("sub").asText()).isEqualTo(me.userId());
        assertThat(claims.path("iss").asText()).isEqualTo(server.base);
        assertThat(claims.path("client_id").asText()).isEqualTo("gatehouse");
        assertThat(claims.path("aud").toString()).contains(server.base);
        assertThat(claims.path("jti").asText()).isNotBlank();
        assertThat(claims.path("exp").asLong() - claims.path("iat").asLong()).isEqualTo(900);
    }

    @Test
    void whenPasswordIsWrongOrEmailUnknown_thenStatusAndBodyAreIdentical() {
        String email = accounts.registered("enum");

        var wrong = server.login(email, "Not-The-Password-1");
        var unknown = server.login(email("ghost"), "Not-The-Password-1");

        assertThat(wrong.status()).isEqualTo(401);
        assertThat(unknown.status()).isEqualTo(wrong.status());
        assertThat(unknown.body()).isEqualTo(wrong.body());
        assertThat(unknown.header("Content-Type")).isEqualTo(wrong.header("Content-Type"));
        assertThat(wrong.json().path("code").asText()).isEqualTo("invalid_credentials");
        assertThat(wrong.header("Set-Cookie")).isNull();
    }

    @Test
    void whenEmailDiffersOnlyInCase_thenLoginSucceeds() {
        String email = accounts.registered("Case");

        assertThat(server.login(email.toUpperCase(Locale.ROOT), PASSWORD).status())
                .isEqualTo(200);
    }

    @Test
    void whenLoginSucceeds_thenDeviceIdIsReturnedAndSetAsHttpOnlyCookie() {
        var me = accounts.newUser("cookie");

        String deviceId = me.deviceId();
        assertThat(deviceId).matches("[A-Za-z0-9_-]{8,64}");
        String cookie = me.response().header("Set-Cookie");
        assertThat(cookie).startsWith("gh_device=" + deviceId + ";");
        assertThat(cookie).containsIgnoringCase("HttpOnly");
        assertThat(cookie).containsIgnoringCase("SameSite=Lax");
        assertThat(cookie).containsIgnoringCase("Path=/");
    }

    @Test
    void whenApiClientSendsItsDeviceIdBack_thenTheNewSessionUsesIt() {
        String email = accounts.registered("device");
        String deviceId = accounts.signIn(email, PASSWORD).deviceId();

        var second = accounts.signIn(email, PASSWORD, "X-Device-Id", deviceId);

        assertThat(second.deviceId()).isEqualTo(deviceId);
        JsonNode current = currentSession(second.accessToken());
        assertThat(current.path("device_id").asText()).isEqualTo(deviceId);
    }

    @Test
    void whenBrowserSendsTheDeviceCookieBack_thenTheNewSessionUsesIt() {
        String email = accounts.registered("browser");
        String deviceId = accounts.signIn(email, PASSWORD).deviceId();

        var second = accounts.signIn(email, PASSWORD, "Cookie", "gh_device=" + deviceId);

        assertThat(second.deviceId()).isEqualTo(deviceId);
        assertThat(currentSession(second.accessToken()).path("device_id").asText())
                .isEqualTo(deviceId);
    }

    @Test
    void whenDeviceIdIsMalformed_thenAFreshOneIsIssued() {
        String email = accounts.registered("baddevice");

        var r = accounts.signIn(email, PASSWORD, "X-Device-Id", "no spaces/allowed!");

        assertThat(r.deviceId()).matches("[A-Za-z0-9_-]{8,64}");
    }

    @Test
    void whenEachLoginHasNoDeviceId_thenEachGetsItsOwn() {
        String email = accounts.registered("twodevices");

        assertThat(accounts.signIn(email, PASSWORD).deviceId())
                .isNotEqualTo(accounts.signIn(email, PASSWORD).deviceId());
    }

    @Test
    void whenFieldsAreMissing_then422NamingThem() {
        var r = server.http.post("/v1/auth/login", map("email", "someone@example.com"));

        assertThat(r.status()).isEqualTo(422);
        assertThat(r.json().path("errors").has("password")).isTrue();
    }

    private static JsonNode currentSession(String access) {
        var sessions =
                server.http.get("/v1/sessions").bearer(access).send().json().path("sessions");
        for (JsonNode s : sessions) if (s.path("current").asBoolean()) return s;
        throw new AssertionError("no current session in " + sessions);
    }
}
