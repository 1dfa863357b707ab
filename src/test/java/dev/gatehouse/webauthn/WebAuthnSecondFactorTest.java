package dev.gatehouse.webauthn;

import static dev.gatehouse.testkit.TestAccounts.PASSWORD;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.testkit.HttpJson;
import dev.gatehouse.testkit.ServerTest;
import dev.gatehouse.testkit.SoftAuthenticator;
import dev.gatehouse.testkit.TestAccounts;
import dev.gatehouse.testkit.TestServer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A registered security key as the second factor of a password sign-in: {@code /v1/auth/login} answers
 * {@code mfa_required} with {@code webauthn} among the methods, and {@code login/mfa/webauthn/begin|finish} complete it.
 */
@ServerTest
class WebAuthnSecondFactorTest {
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

    record Enrolled(String email, String userId, SoftAuthenticator key) {}

    /** A user with one security key registered (non-discoverable, as a classic second-factor key). */
    static Enrolled enrolled(String label) {
        String email = accounts.registered(label);
        var signedIn = accounts.signIn(email, PASSWORD);
        var key = new SoftAuthenticator(server.base).nonDiscoverable();
        var begin = server.http
                .post("/v1/auth/mfa/webauthn/register/begin")
                .bearer(signedIn.accessToken())
                .send();
        var finish = server.http
                .post("/v1/auth/mfa/webauthn/register/finish")
                .bearer(signedIn.accessToken())
                .json(key.create(begin.json()))
                .send();
        assertThat(finish.status()).as(finish.body()).isEqualTo(201);
        return new Enrolled(email, signedIn.userId(), key);
    }

    static String mfaToken(String email) {
        var r = server.login(email, PASSWORD);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.json().path("mfa_required").asBoolean()).isTrue();
        return r.text("mfa_token");
    }

    static HttpJson.Response begin(String mfaToken) {
        return server.http.post("/v1/auth/login/mfa/webauthn/begin", Map.of("mfa_token", mfaToken));
    }

    static HttpJson.Response finish(String mfaToken, ObjectNode assertion) {
        ObjectNode body = assertion.deepCopy();
        body.put("mfa_token", mfaToken);
        return server.http.post("/v1/auth/login/mfa/webauthn/finish").json(body).send();
    }

    @Test
    void whenAUserHasASecurityKey_thenPasswordLoginAsksForWebauthn() {
        var user = enrolled("asks");

        var r = server.login(user.email(), PASSWORD);

        assertThat(r.json().path("mfa_required").asBoolean()).isTrue();
        List<String> methods = new ArrayList<>();
        r.json().path("methods").forEach(m -> methods.add(m.asText()));
        assertThat(methods).contains("webauthn");
        assertThat(r.json().has("tokens")).isFalse();
    }

    @Test
    void whenTheKeySigns_thenTheSignInCompletesWithPasswordPlusWebauthn() {
        var user = enrolled("completes");
        String token = mfaToken(user.email());

        var b = begin(token);
        assertThat(b.status()).as(b.body()).isEqualTo(200);
        JsonNode pk = b.json().path("publicKey");
        assertThat(pk.path("allowCredentials")).hasSize(1);
        assertThat(pk.path("allowCredentials").get(0).path("id").asText())
                .isEqualTo(user.key().last().idBase64Url());
        assertThat(pk.path("userVerification").asText()).isEqualTo("preferred");

        var r = finish(token, user.key().get(b.json()));

        assertThat(r.status()).as(r.body()).isEqualTo(200);
        String access = r.json().path("tokens").path("access_token").asText();
        assertThat(accounts.meStatus(access)).isEqualTo(200);
        var sessions = server.http.get("/v1/sessions").bearer(access).send().json();
        boolean found = false;
        for (JsonNode s : sessions.path("sessions"))
            found |= s.path("auth_method").asText().equals("password+webauthn");
        assertThat(found).isTrue();
        var status =
                server.http.get("/v1/auth/mfa/status").bearer(access).send().json();
        assertThat(status.path("mfa_enabled").asBoolean()).isTrue();
        assertThat(status.path("methods").toString()).contains("webauthn");
        assertThat(accounts.auditOf(user.userId()).stream()
                        .map(e -> e.path("event_type").asText())
                        .toList())
                .contains("mfa.success", "login.success");
    }

    @Test
    void whenTheSameAssertionIsReplayed_thenRefused() {
        var user = enrolled("replay");
        String token = mfaToken(user.email());
        ObjectNode assertion = user.key().get(begin(token).json());
        assertThat(finish(token, assertion).status()).isEqualTo(200);

        var replay = finish(token, assertion);
        assertThat(replay.status()).isEqualTo(401);
        assertThat(replay.text("code")).isEqualTo("invalid_mfa_token");

        // a fresh pending login, with the old assertion: its challenge is spent
        String next = mfaToken(user.email());
        begin(next);
        var old = finish(next, assertion);
        assertThat(old.status()).isEqualTo(400);
        assertThat(old.text("code")).isEqualTo("webauthn_challenge_invalid");
    }

    @Test
    void whenAnotherUsersKeySigns_thenRefusedAndCountedAgainstTheToken() {
        var victim = enrolled("victim");
        var attacker = enrolled("attacker");
        String token = mfaToken(victim.email());
        JsonNode options = begin(token).json();

        var r = finish(token, attacker.key().get(options, attacker.key().last()));

        assertThat(r.status()).isEqualTo(401);
        assertThat(r.body()).doesNotContain("access_token");
        JsonNode failure = accounts.auditOf(victim.userId()).stream()
                .filter(e -> e.path("event_type").asText().equals("mfa.failure"))
                .findFirst()
                .orElseThrow();
        assertThat(failure.path("details").path("method").asText()).isEqualTo("webauthn");
    }

    @Test
    void whenAssertionsKeepFailing_thenTheMfaTokenDies() {
        var user = enrolled("brute");
        String token = mfaToken(user.email());
        var wrongOrigin = new SoftAuthenticator("https://evil.example");
        wrongOrigin.add(user.key().last().cloned());
        for (int i = 0; i < 5; i++) {
            var r = finish(token, wrongOrigin.get(begin(token).json()));
            assertThat(r.status()).as("attempt " + i).isEqualTo(401);
        }

        assertThat(begin(token).status()).isEqualTo(401);
        user.key().last().counter = 100;
        var honest = finish(token, user.key().get(begin(mfaToken(user.email())).json()));
        assertThat(honest.status()).isEqualTo(401); // the dead token does not come back
    }

    @Test
    void whenTheTokenIsUnknownOrTheUserHasNoKey_thenClearErrors() {
        assertThat(begin("mfa_unknown").status()).isEqualTo(401);
        assertThat(begin("mfa_unknown").text("code")).isEqualTo("invalid_mfa_token");

        var key = new SoftAuthenticator(server.base);
        var fake = server.http
                .post("/v1/auth/mfa/webauthn/register/begin")
                .bearer(accounts.newUser("nokey").accessToken())
                .send()
                .json();
        key.create(fake);
        var finish = finish("mfa_unknown", key.get(fakeRequest(fake)));
        assertThat(finish.status()).isEqualTo(401);
        assertThat(finish.text("code")).isEqualTo("invalid_mfa_token");
    }

    @Test
    void whenAdministratorResetsMfa_thenTheKeysAreGone() {
        var user = enrolled("reset");

        var reset = server.http
                .delete("/v1/admin/users/" + user.userId() + "/mfa")
                .bearer(server.adminToken())
                .send();

        assertThat(reset.status()).as(reset.body()).isLessThan(300);
        var r = server.login(user.email(), PASSWORD);
        assertThat(r.json().has("tokens")).isTrue();
        var list = server.http
                .get("/v1/auth/mfa/webauthn/credentials")
                .bearer(r.json().path("tokens").path("access_token").asText())
                .send()
                .json();
        assertThat(list.path("credentials")).isEmpty();
    }

    private static JsonNode fakeRequest(JsonNode creation) {
        var out = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode();
        out.putObject("publicKey")
                .put("rpId", creation.path("publicKey").path("rp").path("id").asText())
                .put("challenge", creation.path("publicKey").path("challenge").asText());
        return out;
    }
}
