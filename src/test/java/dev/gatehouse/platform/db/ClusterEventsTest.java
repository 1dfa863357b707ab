package dev.gatehouse.platform.db;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.testkit.ServerTest;
import dev.gatehouse.testkit.TestServer;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two nodes on one database. A revocation, or the end of a session, on one node reaches the other's caches as a
 * cluster event when it commits (PostgreSQL NOTIFY), without waiting for that node's periodic sync: the second node's clock stands still,
 * so its sync never comes due unless the test moves it. On H2 (one embedded node) no events are sent, and the sync is
 * what a second node relies on; rows written straight to the table, which no event announces, show up on both engines
 * once the sync is due.
 */
@ServerTest
class ClusterEventsTest {
    static TestServer a;
    static TestServer b;
    static String basic;

    @BeforeAll
    static void start() {
        a = TestServer.start();
        a.createScopes("read");
        b = a.otherNode();
        var r = a.registerClient("client_name", "api", "grant_types", List.of("client_credentials"), "scope", "read");
        basic = "Basic "
                + Base64.getEncoder()
                        .encodeToString((r.text("client_id") + ":" + r.text("client_secret"))
                                .getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    @AfterAll
    static void stop() {
        b.close();
        a.close();
    }

    static String token() {
        var r = a.http.post("/oauth2/token")
                .header("Authorization", basic)
                .raw("application/x-www-form-urlencoded", "grant_type=client_credentials")
                .send();
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.text("access_token");
    }

    static boolean activeOn(TestServer node, String token) {
        var r = node.http
                .post("/oauth2/introspect")
                .header("Authorization", basic)
                .raw("application/x-www-form-urlencoded", "token=" + token)
                .send();
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json().path("active").asBoolean();
    }

    static boolean postgres() {
        return a.database.url().startsWith("jdbc:postgresql:");
    }

    @Test
    void whenATokenIsRevokedOnOneNode_thenTheOtherNodeRefusesItWithoutWaitingForItsSync() throws Exception {
        String token = token();
        assertThat(activeOn(b, token)).isTrue();

        var revoke = a.http.post("/oauth2/revoke")
                .header("Authorization", basic)
                .raw("application/x-www-form-urlencoded", "token=" + token)
                .send();
        assertThat(revoke.status()).isEqualTo(200);
        assertThat(activeOn(a, token))
                .as("on the node that revoked it: at once")
                .isFalse();

        if (postgres()) {
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            boolean active = true;
            while (active && System.nanoTime() < deadline) {
                active = activeOn(b, token);
                if (active) Thread.sleep(20);
            }
            assertThat(active)
                    .as("node B heard of the revocation (its clock never moved)")
                    .isFalse();
        } else {
            assertThat(activeOn(b, token))
                    .as("H2: no cluster events, B has not synced yet")
                    .isTrue();
            // Both clocks move together, as synchronised clocks do; B's sync reads what A revoked.
            a.clock.advance(Duration.ofSeconds(2));
            b.clock.advance(Duration.ofSeconds(2));
            assertThat(activeOn(b, token)).as("H2: B's sync came due").isFalse();
        }
    }

    @Test
    void whenARevocationIsWrittenWithoutAnEvent_thenTheOtherNodeFindsItAtItsNextSync() {
        String token = token();
        assertThat(activeOn(b, token)).isTrue();
        String jti = jtiOf(token);
        try (var db = Database.open(
                a.database.url(), java.util.Optional.ofNullable(a.database.user()), java.util.Optional.empty(), 1)) {
            db.useTransaction(h -> h.createUpdate(
                            "INSERT INTO revoked_access_tokens (jti, revoked_at, expires_at) VALUES (:j, :r, :e)")
                    .bind("j", jti)
                    .bind("r", b.clock.instant())
                    .bind("e", Instant.now().plus(Duration.ofHours(1)))
                    .execute());
        }
        assertThat(activeOn(b, token)).as("no event, sync not due").isTrue();
        a.clock.advance(Duration.ofSeconds(2));
        b.clock.advance(Duration.ofSeconds(2));
        assertThat(activeOn(b, token)).as("the sync read the table").isFalse();
    }

    @Test
    void whenAClientSecretIsRegeneratedOnOneNode_thenTheOtherNodeRefusesTheOldOneAtOnce() throws Exception {
        var r = a.registerClient(
                "client_name", "rotating", "grant_types", List.of("client_credentials"), "scope", "read");
        String id = r.text("client_id");
        String old = "Basic "
                + Base64.getEncoder()
                        .encodeToString(
                                (id + ":" + r.text("client_secret")).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        java.util.function.Function<String, Integer> tokenOnB = auth -> b.http.post("/oauth2/token")
                .header("Authorization", auth)
                .raw("application/x-www-form-urlencoded", "grant_type=client_credentials")
                .send()
                .status();
        // Node B reads the client once and keeps it (its clock never moves, so only an event can drop it).
        assertThat(tokenOnB.apply(old)).isEqualTo(200);

        var rotated = a.http.post("/v1/admin/clients/" + id + "/regenerate-secret")
                .bearer(a.adminToken())
                .send();
        assertThat(rotated.status()).as(rotated.body()).isEqualTo(200);

        if (postgres()) {
            long deadline = System.nanoTime() + Duration.ofMillis(800).toNanos();
            int status = 200;
            while (status == 200 && System.nanoTime() < deadline) {
                status = tokenOnB.apply(old);
                if (status == 200) Thread.sleep(20);
            }
            assertThat(status)
                    .as("node B dropped the client with the old secret")
                    .isEqualTo(401);
        } else {
            assertThat(tokenOnB.apply(old))
                    .as("H2: no events, B still holds the client it read")
                    .isEqualTo(200);
            b.clock.advance(Duration.ofSeconds(31));
            a.clock.advance(Duration.ofSeconds(31));
            assertThat(tokenOnB.apply(old)).as("H2: B's cached client aged out").isEqualTo(401);
        }
        String fresh = "Basic "
                + Base64.getEncoder()
                        .encodeToString((id + ":" + rotated.text("client_secret"))
                                .getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertThat(tokenOnB.apply(fresh)).isEqualTo(200);
    }

    @Test
    void whenAClientsTokensAreRevokedOnOneNode_thenTheOtherNodeRefusesThemAtOnce() throws Exception {
        var r = a.registerClient("client_name", "leaky", "grant_types", List.of("client_credentials"), "scope", "read");
        String auth = "Basic "
                + Base64.getEncoder()
                        .encodeToString((r.text("client_id") + ":" + r.text("client_secret"))
                                .getBytes(java.nio.charset.StandardCharsets.UTF_8));
        var issued = a.http.post("/oauth2/token")
                .header("Authorization", auth)
                .raw("application/x-www-form-urlencoded", "grant_type=client_credentials")
                .send();
        String token = issued.text("access_token");
        // Node B reads the client once and keeps it (its clock never moves, so only an event can drop it).
        assertThat(activeOn(b, token)).isTrue();

        var revoked = a.http.post("/v1/admin/clients/" + r.text("client_id") + "/revoke-tokens")
                .bearer(a.adminToken())
                .send();
        assertThat(revoked.status()).as(revoked.body()).isEqualTo(200);
        assertThat(activeOn(a, token))
                .as("on the node that revoked them: at once")
                .isFalse();

        if (postgres()) {
            long deadline = System.nanoTime() + Duration.ofMillis(800).toNanos();
            boolean active = true;
            while (active && System.nanoTime() < deadline) {
                active = activeOn(b, token);
                if (active) Thread.sleep(20);
            }
            assertThat(active).as("node B dropped the client it had read").isFalse();
        } else {
            assertThat(activeOn(b, token))
                    .as("H2: no events, B still holds the client it read")
                    .isTrue();
            b.clock.advance(Duration.ofSeconds(31));
            a.clock.advance(Duration.ofSeconds(31));
            assertThat(activeOn(b, token)).as("H2: B's cached client aged out").isFalse();
        }
    }

    @Test
    void whenASessionEndsOnOneNode_thenItsAccessTokenStopsOnTheOtherAtOnce() throws Exception {
        String email = a.register("cluster" + System.nanoTime() + "@example.com", "Correct-Horse-Battery-9");
        String first = a.accessToken(email, "Correct-Horse-Battery-9");
        String second = a.accessToken(email, "Correct-Horse-Battery-9");
        String secondSession = claim(second, "sid");
        // Node B reads the second session once and keeps it (its clock never moves, so only an event can drop it).
        assertThat(b.http.get("/v1/auth/me").bearer(second).send().status()).isEqualTo(200);
        assertThat(b.http.get("/v1/auth/me").bearer(second).send().status()).isEqualTo(200);

        // The first session ends the second on node A. Its access token is not revoked, only its session ended.
        assertThat(a.http.delete("/v1/sessions/" + secondSession)
                        .bearer(first)
                        .send()
                        .status())
                .isEqualTo(204);
        assertThat(a.http.get("/v1/auth/me").bearer(second).send().status()).isEqualTo(401);

        if (postgres()) {
            // Well inside the 2 s of wall time after which B's cache forgets the entry anyway (RecentReads).
            long deadline = System.nanoTime() + Duration.ofMillis(800).toNanos();
            int status = 200;
            while (status == 200 && System.nanoTime() < deadline) {
                status = b.http.get("/v1/auth/me").bearer(second).send().status();
                if (status == 200) Thread.sleep(20);
            }
            assertThat(status)
                    .as("node B dropped the ended session (its clock never moved)")
                    .isEqualTo(401);
        } else {
            assertThat(b.http.get("/v1/auth/me").bearer(second).send().status())
                    .as("H2: no events, B still holds the session it read")
                    .isEqualTo(200);
            a.clock.advance(Duration.ofSeconds(2));
            b.clock.advance(Duration.ofSeconds(2));
            assertThat(b.http.get("/v1/auth/me").bearer(second).send().status())
                    .as("H2: B's cached session aged out")
                    .isEqualTo(401);
        }
        assertThat(b.http.get("/v1/auth/me").bearer(first).send().status()).isEqualTo(200);
    }

    static String claim(String token, String name) {
        try {
            return com.nimbusds.jwt.JWTParser.parse(token).getJWTClaimsSet().getStringClaim(name);
        } catch (java.text.ParseException e) {
            throw new AssertionError(e);
        }
    }

    static String jtiOf(String token) {
        try {
            return com.nimbusds.jwt.JWTParser.parse(token).getJWTClaimsSet().getJWTID();
        } catch (java.text.ParseException e) {
            throw new AssertionError(e);
        }
    }
}
