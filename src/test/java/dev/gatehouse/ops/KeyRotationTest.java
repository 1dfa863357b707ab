package dev.gatehouse.ops;

import static dev.gatehouse.testkit.HttpJson.map;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jwt.SignedJWT;
import dev.gatehouse.testkit.ServerTest;
import dev.gatehouse.testkit.TestServer;
import java.sql.DriverManager;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Signing keys as a client sees them: the JWKS, the kid of issued tokens, rotation by an administrator. */
@ServerTest
class KeyRotationTest {
    /** Rotation publishes ahead by one hour; a replaced key stays for the token lifetime (15 min) plus one hour. */
    private static final Duration PUBLISH_AHEAD = Duration.ofHours(1);

    private static final Duration RETAIN_AFTER = Duration.ofMinutes(75);

    static TestServer server;
    static JsonNode jwksAtStart;

    @BeforeAll
    static void start() {
        server = TestServer.start();
        jwksAtStart = jwks();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void whenTheServerStartsTheFirstTime_thenJwksPublishesAKeyOfEveryAlgorithmItSignsWith() {
        // ES256 for access tokens, RS256 for ID tokens by default, PS256 and EdDSA for clients that choose them:
        // published before anything is signed with them.
        assertThat(jwksAtStart.path("keys")).hasSize(4);
        var algs = new ArrayList<String>();
        jwksAtStart.path("keys").forEach(k -> algs.add(k.path("alg").asText()));
        assertThat(algs).containsExactlyInAnyOrder("ES256", "RS256", "PS256", "EdDSA");
        JsonNode key = null;
        for (JsonNode k : jwksAtStart.path("keys")) if (k.path("alg").asText().equals("ES256")) key = k;
        assertThat(key.path("kty").asText()).isEqualTo("EC");
        assertThat(key.path("crv").asText()).isEqualTo("P-256");
        assertThat(key.path("use").asText()).isEqualTo("sig");
        assertThat(key.path("alg").asText()).isEqualTo("ES256");
        assertThat(key.path("kid").asText()).isNotBlank();
        assertThat(key.has("x") && key.has("y")).isTrue();
        assertThat(key.has("d")).as("private member d").isFalse();

        var r = server.http.get("/.well-known/jwks.json").send();
        assertThat(r.header("Content-Type")).startsWith("application/jwk-set+json");
    }

    /**
     * Two nodes on one database: after an immediate rotation on one node (a suspected compromise), whose key signs
     * there at once, the other node's JWKS publishes that key as soon as the rotation's event arrives (PostgreSQL
     * NOTIFY; a relying party may fetch the JWKS from either node). The other node's clock stands still, so its timed
     * reload never comes due. On H2 (one embedded node) there are no events, and the timed reload finds it.
     */
    @Test
    void whenAKeyIsRotatedInAtOnceOnOneNode_thenTheOtherNodePublishesItAtOnce() throws Exception {
        try (TestServer other = server.otherNode()) {
            var rotated = server.http
                    .post("/v1/admin/keys/rotate")
                    .bearer(server.adminToken())
                    .json(map("alg", "EdDSA", "immediate", true))
                    .send();
            assertThat(rotated.status()).as(rotated.body()).isEqualTo(201);
            String kid = "\"kid\":\"" + rotated.json().path("kid").asText() + "\"";
            if (server.database.url().startsWith("jdbc:postgresql:")) {
                long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
                String body = other.http.get("/.well-known/jwks.json").send().body();
                while (!body.contains(kid) && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                    body = other.http.get("/.well-known/jwks.json").send().body();
                }
                assertThat(body).as("the other node heard of the key").contains(kid);
            } else {
                assertThat(other.http.get("/.well-known/jwks.json").send().body())
                        .as("H2: no cluster events")
                        .doesNotContain(kid);
                other.clock.advance(Duration.ofMinutes(5));
                assertThat(other.http.get("/.well-known/jwks.json").send().body())
                        .as("H2: the other node's timed reload came due")
                        .contains(kid);
            }
        }
    }

    @Test
    void whenATokenIsIssued_thenItIsSignedByAPublishedKey() throws Exception {
        String kid = kidOf(server.adminToken());
        assertThat(publishedKids()).contains(kid);
    }

    @Test
    void whenKeysAreStored_thenThePrivateJwkColumnHoldsOnlyCiphertext() throws Exception {
        var rows = new ArrayList<String[]>();
        try (var c = DriverManager.getConnection(server.database.url(), server.database.user(), "");
                var rs = c.createStatement().executeQuery("SELECT kid, public_jwk, private_jwk FROM signing_keys")) {
            while (rs.next()) rows.add(new String[] {rs.getString(1), rs.getString(2), rs.getString(3)});
        }
        assertThat(rows).isNotEmpty();
        for (String[] row : rows) {
            assertThat(row[2])
                    .as("private_jwk of " + row[0])
                    .startsWith("v1.")
                    .doesNotContain("\"d\"")
                    .doesNotContain("{");
            assertThat(row[1]).as("public_jwk of " + row[0]).doesNotContain("\"d\"");
        }
    }

    @Test
    void whenAnAdministratorRotates_thenTheNewKeyIsPublishedAtOnce_signsAfterTheOverlap_andOldTokensStillWork()
            throws Exception {
        String admin = server.adminToken();
        String current = kidOf(admin);

        var rotated = server.http
                .post("/v1/admin/keys/rotate")
                .bearer(admin)
                .json(map())
                .send();
        assertThat(rotated.status()).isEqualTo(201);
        String next = rotated.json().path("kid").asText();
        assertThat(rotated.json().path("state").asText()).isEqualTo("next");
        assertThat(Instant.parse(rotated.json().path("activates_at").asText()))
                .isEqualTo(
                        server.clock.instant().plus(PUBLISH_AHEAD).truncatedTo(java.time.temporal.ChronoUnit.MICROS));
        assertThat(publishedKids()).contains(current, next);
        assertThat(kidOf(server.adminToken())).as("still signed by the old key").isEqualTo(current);

        server.clock.advance(PUBLISH_AHEAD.minusMinutes(1));
        String lastOldToken = server.adminToken();
        assertThat(kidOf(lastOldToken)).isEqualTo(current);

        server.clock.advance(Duration.ofMinutes(2));
        String newToken = server.adminToken();
        assertThat(kidOf(newToken)).as("signs after the overlap").isEqualTo(next);
        assertThat(server.http.get("/v1/auth/me").bearer(lastOldToken).send().status())
                .as("a token of the old key is still accepted")
                .isEqualTo(200);
        assertThat(publishedKids()).contains(current, next);
        assertThat(keyStates(newToken)).contains(current + "=retiring", next + "=active");

        // The old key leaves RETAIN_AFTER after the new one activated; its last tokens have expired by then.
        server.clock.advance(RETAIN_AFTER);
        assertThat(publishedKids()).doesNotContain(current).contains(next);
        assertThat(server.http.get("/v1/auth/me").bearer(lastOldToken).send().status())
                .isEqualTo(401);
    }

    @Test
    void whenRotationIsImmediate_thenTheNewKeySignsAtOnce_andTokensOfTheOldKeyStillWork() throws Exception {
        String before = server.adminToken();
        String current = kidOf(before);

        var rotated = server.http
                .post("/v1/admin/keys/rotate")
                .bearer(before)
                .json(map("immediate", true))
                .send();
        assertThat(rotated.status()).isEqualTo(201);
        String next = rotated.json().path("kid").asText();

        assertThat(kidOf(server.adminToken())).isEqualTo(next);
        assertThat(publishedKids()).contains(current, next);
        assertThat(server.http.get("/v1/auth/me").bearer(before).send().status())
                .isEqualTo(200);
    }

    @Test
    void whenRotationWithdrawsThePreviousKeys_thenTheyLeaveTheJwksAtOnceAndTheirTokensStopWorking() throws Exception {
        String before = server.adminToken();
        String current = kidOf(before);
        assertThat(server.http.get("/v1/auth/me").bearer(before).send().status())
                .isEqualTo(200); // and so its verification is cached: the withdrawal must reach past the cache

        var rotated = server.http
                .post("/v1/admin/keys/rotate")
                .bearer(before)
                .json(map("immediate", true, "withdraw_previous", true))
                .send();
        assertThat(rotated.status()).as(rotated.body()).isEqualTo(201);
        String next = rotated.json().path("kid").asText();

        assertThat(publishedKids()).contains(next).doesNotContain(current);
        assertThat(server.http.get("/v1/auth/me").bearer(before).send().status())
                .isEqualTo(401);
        String after = server.adminToken();
        assertThat(kidOf(after)).isEqualTo(next);
        var audit = server.http
                .get("/v1/audit/logs?event_type=key.rotated&limit=100")
                .bearer(after)
                .send();
        assertThat(audit.body()).contains("key.rotated", next, "withdraw_previous");
    }

    @Test
    void whenWithdrawingThePreviousKeysIsAskedWithoutAnImmediateSuccessor_then422AndNoKeyChanges() {
        String admin = server.adminToken();
        List<String> kids = publishedKids();
        var r = server.http
                .post("/v1/admin/keys/rotate")
                .bearer(admin)
                .json(map("withdraw_previous", true))
                .send();
        assertThat(r.status()).isEqualTo(422);
        assertThat(r.json().path("errors").has("withdraw_previous")).isTrue();
        assertThat(publishedKids()).containsExactlyInAnyOrderElementsOf(kids);
    }

    @Test
    void whenRotatingToRs256OrEdDsa_thenThoseKeysArePublishedWithoutPrivateParts() {
        String admin = server.adminToken();
        for (String alg : new String[] {"RS256", "EdDSA"}) {
            var r = server.http
                    .post("/v1/admin/keys/rotate")
                    .bearer(admin)
                    .json(map("alg", alg))
                    .send();
            assertThat(r.status()).as(alg + ": " + r.body()).isEqualTo(201);
            String kid = r.json().path("kid").asText();
            JsonNode key = keyOf(jwks(), kid);
            assertThat(key.path("alg").asText()).isEqualTo(alg);
            assertThat(key.path("kty").asText()).isEqualTo(alg.equals("RS256") ? "RSA" : "OKP");
            for (String privateMember : new String[] {"d", "p", "q", "dp", "dq", "qi"}) {
                assertThat(key.has(privateMember)).as(privateMember).isFalse();
            }
        }
    }

    @Test
    void whenRotationIsAskedWithABadAlgorithm_then422() {
        var r = server.http
                .post("/v1/admin/keys/rotate")
                .bearer(server.adminToken())
                .json(map("alg", "HS256"))
                .send();
        assertThat(r.status()).isEqualTo(422);
        assertThat(r.json().path("errors").has("alg")).isTrue();
    }

    @Test
    void whenSomeoneOtherThanAnAdministratorRotates_then401Or403() {
        assertThat(server.http.post("/v1/admin/keys/rotate").json(map()).send().status())
                .isEqualTo(401);
        server.register("not-admin@example.com", "Correct-Horse-Battery-9");
        String user = server.accessToken("not-admin@example.com", "Correct-Horse-Battery-9");
        assertThat(server.http
                        .post("/v1/admin/keys/rotate")
                        .bearer(user)
                        .json(map())
                        .send()
                        .status())
                .isEqualTo(403);
    }

    private static JsonNode jwks() {
        var r = server.http.get("/.well-known/jwks.json").send();
        assertThat(r.status()).isEqualTo(200);
        return r.json();
    }

    private static List<String> publishedKids() {
        var kids = new ArrayList<String>();
        jwks().path("keys").forEach(k -> kids.add(k.path("kid").asText()));
        return kids;
    }

    private static JsonNode keyOf(JsonNode jwks, String kid) {
        for (JsonNode k : jwks.path("keys")) if (k.path("kid").asText().equals(kid)) return k;
        throw new AssertionError("kid " + kid + " is not published: " + jwks);
    }

    private static List<String> keyStates(String adminToken) {
        var r = server.http.get("/v1/admin/keys").bearer(adminToken).send();
        assertThat(r.status()).isEqualTo(200);
        var states = new ArrayList<String>();
        r.json()
                .path("keys")
                .forEach(k -> states.add(
                        k.path("kid").asText() + "=" + k.path("state").asText()));
        return states;
    }

    private static String kidOf(String jwt) throws java.text.ParseException {
        return SignedJWT.parse(jwt).getHeader().getKeyID();
    }
}
