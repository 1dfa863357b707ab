package dev.gatehouse.ops;

import static dev.gatehouse.testkit.HttpJson.map;
import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.platform.db.Database;
import dev.gatehouse.testkit.ServerTest;
import dev.gatehouse.testkit.TestServer;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The cleanup job runs when the server's clock says it is due and deletes what has expired, nothing else. The
 * expired rows are made by plain SQL in the server's own schema, so the test controls exactly what is stale.
 */
@ServerTest
class CleanupJobTest {
    static TestServer server;
    static Database db;

    @BeforeAll
    static void start() {
        server = TestServer.start(Map.of("GATEHOUSE_CLEANUP_INTERVAL_SECONDS", "600"));
        db = Database.open(
                server.database.url(),
                java.util.Optional.ofNullable(server.database.user()),
                java.util.Optional.empty(),
                2);
    }

    @AfterAll
    static void stop() {
        db.close();
        server.close();
    }

    int count(String table, String where) {
        return db.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM " + table + " WHERE " + where)
                .mapTo(Integer.class)
                .one());
    }

    UUID user() {
        UUID id = UUID.randomUUID();
        db.useTransaction(h -> h.createUpdate("INSERT INTO users (id, email, email_normalized, created_at, updated_at)"
                        + " VALUES (:id, :e, :e, :t, :t)")
                .bind("id", id)
                .bind("e", id + "@example.com")
                .bind("t", Instant.parse("2020-01-01T00:00:00Z"))
                .execute());
        return id;
    }

    void insertRows(String tag, UUID user, Instant expiresAt) {
        db.useTransaction(h -> {
            String hash = (tag + "0".repeat(64)).substring(0, 64);
            h.createUpdate("INSERT INTO one_time_tokens (token_hash, purpose, user_id, email, created_at, expires_at)"
                            + " VALUES (:h, 'reset_password', :u, 'x@example.com', :c, :e)")
                    .bind("h", hash)
                    .bind("u", user)
                    .bind("c", expiresAt.minusSeconds(60))
                    .bind("e", expiresAt)
                    .execute();
            h.createUpdate("INSERT INTO revoked_access_tokens (jti, revoked_at, expires_at) VALUES (:h, :c, :e)")
                    .bind("h", hash)
                    .bind("c", expiresAt.minusSeconds(60))
                    .bind("e", expiresAt)
                    .execute();
            h.createUpdate("INSERT INTO sso_sessions (id, token_hash, user_id, auth_time, expires_at)"
                            + " VALUES (:id, :h, :u, :c, :e)")
                    .bind("id", UUID.randomUUID())
                    .bind("h", hash)
                    .bind("u", user)
                    .bind("c", expiresAt.minusSeconds(60))
                    .bind("e", expiresAt)
                    .execute();
            h.createUpdate("INSERT INTO authorization_codes (code_hash, client_id, user_id, redirect_uri,"
                            + " code_challenge, scope, auth_time, created_at, expires_at)"
                            + " VALUES (:h, 'c', :u, 'https://app.example/cb', 'x', 'openid', :c, :c, :e)")
                    .bind("h", hash)
                    .bind("u", user)
                    .bind("c", expiresAt.minusSeconds(60))
                    .bind("e", expiresAt)
                    .execute();
            UUID sid = UUID.randomUUID();
            h.createUpdate("INSERT INTO sessions (id, user_id, device_id, client_id, auth_method, ip, user_agent,"
                            + " created_at, last_used_at, expires_at) VALUES (:id, :u, 'd', 'c', 'pwd', 'ip', 'ua',"
                            + " :c, :c, :s)")
                    .bind("id", sid)
                    .bind("u", user)
                    .bind("c", expiresAt.minusSeconds(60))
                    .bind("s", expiresAt.plus(Duration.ofDays(365)))
                    .execute();
            h.createUpdate("INSERT INTO refresh_tokens (token_hash, session_id, created_at, expires_at)"
                            + " VALUES (:h, :s, :c, :e)")
                    .bind("h", hash)
                    .bind("s", sid)
                    .bind("c", expiresAt.minusSeconds(60))
                    .bind("e", expiresAt)
                    .execute();
            // Pending sign-ins are kept an hour past expiry, unredeemed device codes a day (the server's Sweeper
            // tasks).
            h.createUpdate("INSERT INTO mfa_challenges (token_hash, user_id, device_id, first_method, created_at,"
                            + " expires_at) VALUES (:h, :u, 'd', 'password', :c, :e)")
                    .bind("h", hash)
                    .bind("u", user)
                    .bind("c", expiresAt.minus(Duration.ofMinutes(65)))
                    .bind("e", expiresAt.minus(Duration.ofHours(1)))
                    .execute();
            h.createUpdate("INSERT INTO webauthn_challenges (challenge_hash, purpose, user_id, request, created_at,"
                            + " expires_at) VALUES (:h, 'login', :u, '{}', :c, :e)")
                    .bind("h", hash)
                    .bind("u", user)
                    .bind("c", expiresAt.minusSeconds(60))
                    .bind("e", expiresAt)
                    .execute();
            h.createUpdate("INSERT INTO device_codes (device_code_hash, user_code_hash, client_id, scope, status,"
                            + " interval_seconds, created_at, expires_at) VALUES (:h, :h, 'c', 'openid', 'pending', 5,"
                            + " :c, :e)")
                    .bind("h", hash)
                    .bind("c", expiresAt.minus(Duration.ofDays(1)).minusSeconds(60))
                    .bind("e", expiresAt.minus(Duration.ofDays(1)))
                    .execute();
            // Initial access tokens are kept a day past expiry, like device codes.
            h.createUpdate("INSERT INTO initial_access_tokens (id, token_hash, scope, max_uses, uses, created_at,"
                            + " expires_at) VALUES (:id, :h, 'openid', 1, 0, :c, :e)")
                    .bind("id", UUID.randomUUID())
                    .bind("h", hash)
                    .bind("c", expiresAt.minus(Duration.ofDays(1)).minusSeconds(60))
                    .bind("e", expiresAt.minus(Duration.ofDays(1)))
                    .execute();
            // A pushed request stays usable for 10 minutes after its first presentation, which precedes expires_at.
            h.createUpdate("INSERT INTO pushed_authorization_requests (request_hash, client_id, params, created_at,"
                            + " expires_at, started_at) VALUES (:h, 'c', 'response_type=code', :c, :e, :c)")
                    .bind("h", hash)
                    .bind("c", expiresAt.minus(Duration.ofMinutes(11)))
                    .bind("e", expiresAt.minus(Duration.ofMinutes(10)))
                    .execute();
        });
    }

    static final String[][] TABLES = {
        {"one_time_tokens", "token_hash"},
        {"revoked_access_tokens", "jti"},
        {"sso_sessions", "token_hash"},
        {"authorization_codes", "code_hash"},
        {"refresh_tokens", "token_hash"},
        {"pushed_authorization_requests", "request_hash"},
        {"mfa_challenges", "token_hash"},
        {"webauthn_challenges", "challenge_hash"},
        {"device_codes", "device_code_hash"},
        {"initial_access_tokens", "token_hash"}
    };

    int rows(String tag) {
        int n = 0;
        for (String[] t : TABLES) n += count(t[0], t[1] + " LIKE '" + tag + "%'");
        return n;
    }

    @Test
    void whenTheIntervalPassesOnTheClock_thenExpiredRowsGoAndLiveOnesStay() throws Exception {
        Instant now = server.clock.instant();
        UUID user = user();
        insertRows("dead", user, now.minusSeconds(1));
        insertRows("a1be", user, now.plus(Duration.ofDays(2)));
        assertThat(rows("dead")).isEqualTo(TABLES.length);

        // Not due yet: a few real ticks of the job change nothing.
        Thread.sleep(2_500);
        assertThat(rows("dead")).isEqualTo(TABLES.length);

        server.clock.advance(Duration.ofSeconds(601));
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (rows("dead") > 0 && System.nanoTime() < deadline) Thread.sleep(200);

        assertThat(rows("dead")).isZero();
        assertThat(rows("a1be")).isEqualTo(TABLES.length);
    }

    @Test
    void whenServerIsUsedNormally_thenTheJobLeavesLiveGrantsAlone() throws Exception {
        // A full sign-up and login writes sessions and refresh tokens; the job must not break them.
        String email = "u" + System.nanoTime() + "@example.com";
        server.register(email, "Correct-Horse-Battery-9");
        var login = server.http.post("/v1/auth/login", map("email", email, "password", "Correct-Horse-Battery-9"));
        assertThat(login.status()).as(login.body()).isEqualTo(200);
        String refresh = login.json().path("tokens").path("refresh_token").asText();
        assertThat(refresh).isNotBlank();

        server.clock.advance(Duration.ofSeconds(601));
        Thread.sleep(2_500);

        var refreshed = server.http.post("/v1/auth/refresh", map("refresh_token", refresh));
        assertThat(refreshed.status()).as(refreshed.body()).isEqualTo(200);
    }
}
