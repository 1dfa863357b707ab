package dev.gatehouse.auth;

import static dev.gatehouse.testkit.HttpJson.map;
import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.testkit.ServerTest;
import dev.gatehouse.testkit.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

@ServerTest
class AccountLifecycleTest {
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
    void whenUserRegistersVerifiesAndLogsIn_thenLoginAnswersUserAndTokensInSeedShape() {
        server.register("alice@example.com", "Correct-Horse-Battery-9");
        String token = server.tokenFromMail("alice@example.com", s -> s.contains("Confirm"));

        var verified = server.http.post("/v1/auth/verify-email", map("token", token));
        assertThat(verified.status()).isEqualTo(200);
        assertThat(verified.json().path("user").path("is_email_verified").asBoolean())
                .isTrue();

        var login = server.login("alice@example.com", "Correct-Horse-Battery-9");
        assertThat(login.status()).isEqualTo(200);
        var body = login.json();
        assertThat(body.path("user").path("email").asText()).isEqualTo("alice@example.com");
        assertThat(body.path("user").path("id").asText()).isNotBlank();
        assertThat(body.path("user").path("created_at").asText()).isNotBlank();
        assertThat(body.path("tokens").path("token_type").asText()).isEqualTo("Bearer");
        assertThat(body.path("tokens").path("expires_in").asInt()).isEqualTo(900);
        assertThat(body.path("tokens").path("refresh_token").asText()).startsWith("rt_");
        assertThat(body.path("device_id").asText()).isNotBlank();

        var me = server.http
                .get("/v1/auth/me")
                .bearer(body.path("tokens").path("access_token").asText())
                .send();
        assertThat(me.status()).isEqualTo(200);
        assertThat(me.json().path("email").asText()).isEqualTo("alice@example.com");
    }

    @Test
    void whenVerificationTokenIsReused_thenSecondUseIsRefused() {
        server.register("bob@example.com", "Correct-Horse-Battery-9");
        String token = server.tokenFromMail("bob@example.com", s -> s.contains("Confirm"));
        assertThat(server.http
                        .post("/v1/auth/verify-email", map("token", token))
                        .status())
                .isEqualTo(200);
        var again = server.http.post("/v1/auth/verify-email", map("token", token));
        assertThat(again.status()).isEqualTo(400);
        assertThat(again.json().path("code").asText()).isEqualTo("invalid_token");
    }

    @Test
    void whenWrongPasswordOrUnknownEmail_thenSameStatusAndBody() {
        server.register("carol@example.com", "Correct-Horse-Battery-9");
        var wrong = server.login("carol@example.com", "Not-The-Password-1");
        var unknown = server.login("nobody@example.com", "Not-The-Password-1");
        assertThat(wrong.status()).isEqualTo(401);
        assertThat(unknown.status()).isEqualTo(401);
        assertThat(wrong.body()).isEqualTo(unknown.body());
    }

    @Test
    void whenRefreshTokenIsRotatedAndOldOneReused_thenWholeFamilyIsRevokedAndAudited() {
        server.register("dave@example.com", "Correct-Horse-Battery-9");
        var login = server.login("dave@example.com", "Correct-Horse-Battery-9").json();
        String first = login.path("tokens").path("refresh_token").asText();
        String access = login.path("tokens").path("access_token").asText();

        var rotated = server.http.post("/v1/auth/refresh", map("refresh_token", first));
        assertThat(rotated.status()).isEqualTo(200);
        String second = rotated.json().path("tokens").path("refresh_token").asText();
        assertThat(second).isNotEqualTo(first);

        var reuse = server.http.post("/v1/auth/refresh", map("refresh_token", first));
        assertThat(reuse.status()).isEqualTo(401);
        // the family is gone: the newest token and the session's access token stop working too
        assertThat(server.http
                        .post("/v1/auth/refresh", map("refresh_token", second))
                        .status())
                .isEqualTo(401);
        assertThat(server.http.get("/v1/auth/me").bearer(access).send().status())
                .isEqualTo(401);

        var logs = server.http
                .get("/v1/audit/logs?limit=100")
                .bearer(server.adminToken())
                .send();
        assertThat(logs.status()).isEqualTo(200);
        assertThat(logs.json().path("logs").findValuesAsText("event_type")).contains("token.reuse_detected");
    }

    @Test
    void whenLoggingOut_thenAccessAndRefreshTokensOfThatSessionStopWorking() {
        server.register("erin@example.com", "Correct-Horse-Battery-9");
        var login = server.login("erin@example.com", "Correct-Horse-Battery-9").json();
        String access = login.path("tokens").path("access_token").asText();
        String refresh = login.path("tokens").path("refresh_token").asText();
        assertThat(server.http.post("/v1/auth/logout").bearer(access).send().status())
                .isEqualTo(204);
        assertThat(server.http.get("/v1/auth/me").bearer(access).send().status())
                .isEqualTo(401);
        assertThat(server.http
                        .post("/v1/auth/refresh", map("refresh_token", refresh))
                        .status())
                .isEqualTo(401);
    }

    @Test
    void whenReadingOneSession_thenOwnSessionIsShownAndAnotherUsersIsNotFound() {
        server.register("frank@example.com", "Correct-Horse-Battery-9");
        String frank = server.accessToken("frank@example.com", "Correct-Horse-Battery-9");
        var list = server.http.get("/v1/sessions").bearer(frank).send().json();
        String id = list.path("sessions").get(0).path("id").asText();

        var own = server.http.get("/v1/sessions/" + id).bearer(frank).send();
        assertThat(own.status()).isEqualTo(200);
        assertThat(own.json().path("current").asBoolean()).isTrue();

        var other = server.http
                .get("/v1/sessions/" + id)
                .bearer(server.adminToken())
                .send();
        assertThat(other.status()).isEqualTo(404);
    }
}
