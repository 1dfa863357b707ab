package dev.gatehouse.webauthn;

import static dev.gatehouse.testkit.HttpJson.map;
import static dev.gatehouse.testkit.TestAccounts.PASSWORD;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.testkit.HttpJson;
import dev.gatehouse.testkit.Passkeys;
import dev.gatehouse.testkit.Race;
import dev.gatehouse.testkit.ServerTest;
import dev.gatehouse.testkit.SoftAuthenticator;
import dev.gatehouse.testkit.TestAccounts;
import dev.gatehouse.testkit.TestServer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What a registered credential may hold and how many, and what deleting the last one takes with it, over the /v1 API
 * with a software authenticator.
 */
@ServerTest
class WebAuthnCredentialRulesTest {
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

    static JsonNode begin(String access) {
        return Passkeys.registerBegin(server, access);
    }

    static HttpJson.Response finish(String access, ObjectNode credential) {
        return Passkeys.registerFinish(server, access, credential);
    }

    static JsonNode register(String access) {
        var r = finish(access, new SoftAuthenticator(server.base).create(begin(access)));
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        return r.json();
    }

    static int credentialCount(String access) {
        return server.http
                .get("/v1/auth/mfa/webauthn/credentials")
                .bearer(access)
                .send()
                .json()
                .path("credentials")
                .size();
    }

    static int backupCodesLeft(String access) {
        var r = server.http
                .get("/v1/auth/mfa/backup-codes/count")
                .bearer(access)
                .send();
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json().path("count").asInt();
    }

    @Test
    void whenTheClientReportsUnknownLongOrRepeatedTransports_thenOnlyWebAuthnsOwnAreKept() {
        var user = accounts.newUser("transports");
        ObjectNode credential = new SoftAuthenticator(server.base).create(begin(user.accessToken()));
        ArrayNode transports = ((ObjectNode) credential.get("response")).putArray("transports");
        for (int i = 0; i < 6; i++) transports.add("transport-" + i + "-" + "x".repeat(40));
        transports
                .add("usb")
                .add("hybrid")
                .add("usb")
                .add("smart-card")
                .add("a,b")
                .add("internal");

        var r = finish(user.accessToken(), credential);

        assertThat(r.status()).as(r.body()).isEqualTo(201);
        List<String> kept = new ArrayList<>();
        r.json().path("transports").forEach(t -> kept.add(t.asText()));
        assertThat(kept).containsExactlyInAnyOrder("usb", "hybrid", "smart-card", "internal");
        var listed = server.http
                .get("/v1/auth/mfa/webauthn/credentials")
                .bearer(user.accessToken())
                .send()
                .json()
                .path("credentials")
                .get(0)
                .path("transports");
        assertThat(listed.size()).isEqualTo(4);
    }

    @Test
    void whenTheOnlyPasskeyIsDeletedByPathOrByBody_thenItsBackupCodesGoAndDoNotReturnWithTheNextFactor() {
        for (boolean byPath : List.of(true, false)) {
            String email = accounts.verified("last-key-" + byPath);
            String access = accounts.signIn(email, PASSWORD).accessToken();
            JsonNode key = register(access);
            String oldCode = key.path("backup_codes").get(0).asText();
            assertThat(backupCodesLeft(access)).isEqualTo(10);

            var deleted = byPath
                    ? server.http
                            .delete("/v1/auth/mfa/webauthn/credentials/"
                                    + key.path("id").asText())
                            .bearer(access)
                            .send()
                    : server.http
                            .delete("/v1/auth/mfa/webauthn/credentials")
                            .bearer(access)
                            .json(map("id", key.path("id").asText()))
                            .send();

            assertThat(deleted.status()).as(deleted.body()).isEqualTo(204);
            assertThat(backupCodesLeft(access)).as("by path: " + byPath).isZero();
            var status =
                    server.http.get("/v1/auth/mfa/status").bearer(access).send().json();
            assertThat(status.path("backup_codes_remaining").asInt()).isZero();
            assertThat(accounts.auditOf(accounts.idOf(email)).stream()
                            .filter(e -> e.path("event_type").asText().equals("webauthn.deleted"))
                            .map(e -> e.path("details")
                                    .path("backup_codes_dropped")
                                    .asBoolean()))
                    .containsExactly(true);
            // Email codes on later: new codes, and the old set does not sign in.
            var email2fa =
                    server.http.post("/v1/auth/mfa/email/enable").bearer(access).send();
            assertThat(email2fa.status()).as(email2fa.body()).isEqualTo(200);
            assertThat(email2fa.json().path("backup_codes").size()).isEqualTo(10);
            var login = server.login(email, PASSWORD);
            var old = server.http.post(
                    "/v1/auth/login/mfa/backup", map("mfa_token", login.text("mfa_token"), "code", oldCode));
            assertThat(old.status()).as(old.body()).isBetween(400, 401);
        }
    }

    @Test
    void whenAPasskeyIsDeletedAndAnotherFactorStays_thenTheBackupCodesStay() {
        var user = accounts.newUser("key-and-totp");
        accounts.enableTotp(user.accessToken());
        JsonNode key = register(user.accessToken());

        var deleted = server.http
                .delete("/v1/auth/mfa/webauthn/credentials/" + key.path("id").asText())
                .bearer(user.accessToken())
                .send();

        assertThat(deleted.status()).isEqualTo(204);
        assertThat(backupCodesLeft(user.accessToken())).isEqualTo(10);
    }

    @Test
    void whenCeremoniesBegunUnderTheLimitFinishAfterIt_thenTheLimitStillHolds() {
        var user = accounts.newUser("limit");
        String access = user.accessToken();
        for (int i = 1; i < WebAuthnService.MAX_CREDENTIALS; i++) register(access);
        // One place left: four ceremonies begin (each passes the check at its beginning) and finish one by one.
        var ready = new ArrayList<ObjectNode>();
        for (int i = 0; i < 4; i++) ready.add(new SoftAuthenticator(server.base).create(begin(access)));

        var first = finish(access, ready.get(0));
        var second = finish(access, ready.get(1));

        assertThat(first.status()).as(first.body()).isEqualTo(201);
        assertThat(second.status()).as(second.body()).isEqualTo(409);
        assertThat(second.text("code")).isEqualTo("too_many_credentials");
        assertThat(credentialCount(access)).isEqualTo(WebAuthnService.MAX_CREDENTIALS);
    }

    @Test
    void whenCeremoniesFinishTogetherAtTheLimit_thenOnlyOneIsStored() {
        var user = accounts.newUser("limit-race");
        String access = user.accessToken();
        for (int i = 1; i < WebAuthnService.MAX_CREDENTIALS; i++) register(access);
        var ready = new ConcurrentLinkedQueue<ObjectNode>();
        for (int i = 0; i < 4; i++) ready.add(new SoftAuthenticator(server.base).create(begin(access)));

        var statuses = Race.run(4, () -> finish(access, ready.poll()).status());

        assertThat(statuses).containsOnlyOnce(201).containsOnly(201, 409);
        assertThat(credentialCount(access)).isEqualTo(WebAuthnService.MAX_CREDENTIALS);
    }
}
