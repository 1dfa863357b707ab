package dev.gatehouse.auth;

import static dev.gatehouse.testkit.HttpJson.map;
import static dev.gatehouse.testkit.TestAccounts.PASSWORD;
import static dev.gatehouse.testkit.TestAccounts.email;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.testkit.ServerTest;
import dev.gatehouse.testkit.TestAccounts;
import dev.gatehouse.testkit.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** GET /v1/auth/me and GET /v1/auth/settings. */
@ServerTest
class ProfileAndSettingsTest {
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
    void whenSignedIn_thenMeAnswersTheUserInTheLoginShape() {
        String email = email("me");
        server.http.post(
                "/v1/auth/register",
                map("email", email, "password", PASSWORD, "first_name", "Grace", "last_name", "H"));
        var login = accounts.signIn(email, PASSWORD);

        var r = server.http.get("/v1/auth/me").bearer(login.accessToken()).send();

        assertThat(r.status()).isEqualTo(200);
        JsonNode me = r.json();
        assertThat(me.path("id").asText()).isEqualTo(login.userId());
        assertThat(me.path("email").asText()).isEqualTo(email);
        assertThat(me.path("first_name").asText()).isEqualTo("Grace");
        assertThat(me.path("last_name").asText()).isEqualTo("H");
        assertThat(me.path("is_email_verified").asBoolean()).isFalse();
        assertThat(me.path("is_active").asBoolean()).isTrue();
        assertThat(me.path("password_change_required").asBoolean()).isFalse();
        assertThat(me.path("created_at").asText())
                .isEqualTo(login.body().path("user").path("created_at").asText());
        assertThat(me.path("updated_at").asText()).isNotBlank();
        assertThat(me.path("last_login_at").asText()).isNotBlank();
        assertThat(me.has("password_hash")).isFalse();
    }

    @Test
    void whenNoOrBadBearer_thenMeIs401ProblemWithChallenge() {
        var none = server.http.get("/v1/auth/me").send();
        var bad = server.http.get("/v1/auth/me").bearer("not.a.jwt").send();

        assertThat(none.status()).isEqualTo(401);
        assertThat(none.header("Content-Type")).startsWith("application/problem+json");
        assertThat(none.header("WWW-Authenticate")).startsWith("Bearer");
        assertThat(bad.status()).isEqualTo(401);
        assertThat(bad.json().path("code").asText()).isEqualTo("invalid_token");
    }

    @Test
    void whenAnyoneAsksForSettings_thenPublicFlagsAndPasswordPolicyAreAnswered() {
        var r = server.http.get("/v1/auth/settings").send();

        assertThat(r.status()).isEqualTo(200);
        JsonNode s = r.json();
        assertThat(s.path("registration_enabled").asBoolean()).isTrue();
        assertThat(s.path("email_verification_required").asBoolean()).isFalse();
        assertThat(s.path("magic_link_enabled").asBoolean()).isTrue();
        assertThat(s.path("mfa_enabled").isBoolean()).isTrue();
        assertThat(s.path("password_policy").path("min_length").asInt()).isEqualTo(8);
        assertThat(s.path("password_policy").path("max_length").asInt()).isEqualTo(128);
        assertThat(s.path("password_policy").path("strength_check").asBoolean()).isTrue();
    }
}
