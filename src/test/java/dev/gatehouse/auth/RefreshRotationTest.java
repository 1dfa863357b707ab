package dev.gatehouse.auth;

import static dev.gatehouse.testkit.TestAccounts.PASSWORD;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.testkit.HttpJson;
import dev.gatehouse.testkit.Race;
import dev.gatehouse.testkit.ServerTest;
import dev.gatehouse.testkit.TestAccounts;
import dev.gatehouse.testkit.TestServer;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** POST /v1/auth/refresh: rotation on every use, reuse detection that revokes the family, one winner per race. */
@ServerTest
class RefreshRotationTest {
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
    void whenRefreshed_thenNewPairInLoginShapeAndBothNewTokensWork() {
        var me = accounts.newUser("rotate");

        var r = accounts.refresh(me.refreshToken());

        assertThat(r.status()).isEqualTo(200);
        JsonNode tokens = r.json().path("tokens");
        assertThat(tokens.path("access_token").asText().split("\\.")).hasSize(3);
        assertThat(tokens.path("refresh_token").asText()).startsWith("rt_").isNotEqualTo(me.refreshToken());
        assertThat(tokens.path("token_type").asText()).isEqualTo("Bearer");
        assertThat(tokens.path("expires_in").asInt()).isEqualTo(900);
        assertThat(accounts.meStatus(tokens.path("access_token").asText())).isEqualTo(200);
        assertThat(accounts.refresh(tokens.path("refresh_token").asText()).status())
                .isEqualTo(200);
    }

    @Test
    void whenTheSameTokenIsRefreshedConcurrently_thenExactlyOneSucceeds() {
        for (int round = 0; round < 8; round++) {
            var me = accounts.newUser("race" + round);

            var statuses = Race.run(2, () -> accounts.refresh(me.refreshToken()).status());

            assertThat(statuses).as("round %d", round).containsExactlyInAnyOrder(200, 401);
        }
    }

    @Test
    void whenARotatedTokenIsReused_thenTheFamilyIsRevokedAndReuseIsAudited() {
        var me = accounts.newUser("reuse");
        var other = accounts.signIn(me.body().path("user").path("email").asText(), PASSWORD);
        String second = accounts.refresh(me.refreshToken())
                .json()
                .path("tokens")
                .path("refresh_token")
                .asText();

        var reuse = server.http
                .post("/v1/auth/refresh")
                .header("User-Agent", "Attacker/1.0")
                .json(HttpJson.map("refresh_token", me.refreshToken()))
                .send();

        assertThat(reuse.status()).isEqualTo(401);
        assertThat(reuse.json().path("code").asText()).isEqualTo("invalid_refresh_token");
        assertThat(accounts.refresh(second).status()).isEqualTo(401);
        assertThat(accounts.meStatus(me.accessToken())).isEqualTo(401);
        // the user's other session is a different family and lives on
        assertThat(accounts.meStatus(other.accessToken())).isEqualTo(200);

        var events = accounts.auditOf(me.userId()).stream()
                .filter(e -> e.path("event_type").asText().equals("token.reuse_detected"))
                .toList();
        assertThat(events).hasSize(1);
        JsonNode e = events.get(0);
        assertThat(e.path("outcome").asText()).isEqualTo("failure");
        assertThat(e.path("session_id").asText()).isNotBlank();
        assertThat(e.path("ip").asText()).isEqualTo("127.0.0.1");
        assertThat(e.path("user_agent").asText()).isEqualTo("Attacker/1.0");
        var history = server.http
                .get("/v1/sessions/history")
                .bearer(other.accessToken())
                .send()
                .json()
                .path("sessions");
        assertThat(history.findValuesAsText("end_reason")).containsExactly("refresh_token_reuse");
    }

    @Test
    void whenAReusedTokenIsPresentedAgain_thenReuseIsAuditedOnce() {
        var me = accounts.newUser("again");
        accounts.refresh(me.refreshToken());

        accounts.refresh(me.refreshToken());
        accounts.refresh(me.refreshToken());

        assertThat(accounts.auditOf(me.userId()).stream()
                        .filter(e -> e.path("event_type").asText().equals("token.reuse_detected")))
                .hasSize(1);
    }

    @Test
    void whenTokenIsUnknownOrMalformed_then401() {
        for (String token : new String[] {"rt_unknown", "not-even-a-refresh-token", "rt_" + "a".repeat(200)}) {
            var r = accounts.refresh(token);
            assertThat(r.status()).as(token).isIn(401, 422);
            assertThat(r.header("Content-Type")).startsWith("application/problem+json");
        }
        assertThat(accounts.refresh("rt_unknown").status()).isEqualTo(401);
    }

    @Test
    void whenTheAccountWasDisabledSinceSigningIn_thenRefreshIs401() {
        var me = accounts.newUser("disabled");
        // An operator's change in the database: the API has no call that disables an account yet.
        assertThat(server.database.update(
                        "UPDATE users SET status = ? WHERE id = ?", "disabled", java.util.UUID.fromString(me.userId())))
                .isEqualTo(1);

        assertThat(accounts.refresh(me.refreshToken()).status()).isEqualTo(401);
    }

    @Test
    void whenTheSessionExpired_thenRefreshIs401() {
        var me = accounts.newUser("expiry");

        server.clock.advance(Duration.ofDays(31));

        assertThat(accounts.refresh(me.refreshToken()).status()).isEqualTo(401);
    }
}
