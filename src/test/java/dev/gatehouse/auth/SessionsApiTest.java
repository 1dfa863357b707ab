package dev.gatehouse.auth;

import static dev.gatehouse.testkit.TestAccounts.PASSWORD;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.testkit.ServerTest;
import dev.gatehouse.testkit.TestAccounts;
import dev.gatehouse.testkit.TestServer;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** /v1/sessions, /v1/sessions/history, DELETE /v1/sessions/{id}, logout and revoke-all-sessions. */
@ServerTest
class SessionsApiTest {
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

    private static JsonNode page(String path, String access) {
        var r = server.http.get(path).bearer(access).send();
        assertThat(r.status()).as(path).isEqualTo(200);
        return r.json();
    }

    private static List<JsonNode> sessions(String path, String access) {
        var out = new ArrayList<JsonNode>();
        page(path, access).path("sessions").forEach(out::add);
        return out;
    }

    private static String currentId(String access) {
        return sessions("/v1/sessions", access).stream()
                .filter(s -> s.path("current").asBoolean())
                .findFirst()
                .orElseThrow()
                .path("id")
                .asText();
    }

    @Test
    void whenListingSessions_thenActiveOnesAreListedAndOnlyTheCallersIsCurrent() {
        String email = accounts.registered("list");
        var laptop = accounts.signIn(email, PASSWORD, "User-Agent", "Laptop/1.0");
        var phone = accounts.signIn(email, PASSWORD, "User-Agent", "Phone/2.0");

        JsonNode body = page("/v1/sessions", phone.accessToken());

        assertThat(body.path("limit").asInt()).isEqualTo(50);
        assertThat(body.path("offset").asInt()).isZero();
        assertThat(body.path("count").asInt()).isEqualTo(2);
        var list = body.path("sessions");
        assertThat(list).hasSize(2);
        for (JsonNode s : list) {
            assertThat(s.path("id").asText()).isNotBlank();
            assertThat(s.path("ip").asText()).isEqualTo("127.0.0.1");
            assertThat(s.path("auth_method").asText()).isEqualTo("password");
            assertThat(s.path("created_at").asText()).isNotBlank();
            assertThat(s.path("last_used_at").asText()).isNotBlank();
            assertThat(s.path("expires_at").asText()).isNotBlank();
            assertThat(s.has("ended_at")).isFalse();
            boolean isPhone = s.path("user_agent").asText().equals("Phone/2.0");
            assertThat(s.path("current").asBoolean()).isEqualTo(isPhone);
            assertThat(s.path("device_id").asText()).isEqualTo(isPhone ? phone.deviceId() : laptop.deviceId());
        }
    }

    @Test
    void whenASessionEnded_thenHistoryShowsItWithItsEndReasonAndTheActiveListDoesNot() {
        String email = accounts.registered("history");
        var ended = accounts.signIn(email, PASSWORD);
        var caller = accounts.signIn(email, PASSWORD);
        String endedId = currentId(ended.accessToken());
        assertThat(server.http
                        .post("/v1/auth/logout")
                        .bearer(ended.accessToken())
                        .send()
                        .status())
                .isEqualTo(204);

        var history = sessions("/v1/sessions/history", caller.accessToken());

        assertThat(history).hasSize(2);
        JsonNode old = history.stream()
                .filter(s -> s.path("id").asText().equals(endedId))
                .findFirst()
                .orElseThrow();
        assertThat(old.path("end_reason").asText()).isEqualTo("logout");
        assertThat(old.path("ended_at").asText()).isNotBlank();
        assertThat(old.path("current").asBoolean()).isFalse();
        assertThat(sessions("/v1/sessions", caller.accessToken()))
                .extracting(s -> s.path("id").asText())
                .doesNotContain(endedId)
                .hasSize(1);
    }

    @Test
    void whenDeletingOwnSession_then204AndThatSessionEnds() {
        String email = accounts.registered("delete");
        var victim = accounts.signIn(email, PASSWORD);
        var caller = accounts.signIn(email, PASSWORD);
        String id = currentId(victim.accessToken());

        var r = server.http
                .delete("/v1/sessions/" + id)
                .bearer(caller.accessToken())
                .send();

        assertThat(r.status()).isEqualTo(204);
        assertThat(accounts.meStatus(victim.accessToken())).isEqualTo(401);
        assertThat(accounts.refresh(victim.refreshToken()).status()).isEqualTo(401);
        assertThat(accounts.meStatus(caller.accessToken())).isEqualTo(200);
        var ended = sessions("/v1/sessions/history", caller.accessToken()).stream()
                .filter(s -> s.path("id").asText().equals(id))
                .findFirst()
                .orElseThrow();
        assertThat(ended.path("end_reason").asText()).isEqualTo("revoked");
    }

    @Test
    void whenDeletingAnotherUsersSession_then404AndThatSessionLivesOn() {
        var alice = accounts.newUser("alice");
        var mallory = accounts.newUser("mallory");
        String aliceSession = currentId(alice.accessToken());

        var r = server.http
                .delete("/v1/sessions/" + aliceSession)
                .bearer(mallory.accessToken())
                .send();

        assertThat(r.status()).isEqualTo(404);
        assertThat(r.json().path("code").asText()).isEqualTo("not_found");
        assertThat(accounts.meStatus(alice.accessToken())).isEqualTo(200);
        assertThat(sessions("/v1/sessions/history", mallory.accessToken()))
                .extracting(s -> s.path("id").asText())
                .doesNotContain(aliceSession);
    }

    @Test
    void whenDeletingAnUnknownOrMalformedId_then404() {
        var me = accounts.newUser("unknown");

        assertThat(server.http
                        .delete("/v1/sessions/" + UUID.randomUUID())
                        .bearer(me.accessToken())
                        .send()
                        .status())
                .isEqualTo(404);
        assertThat(server.http
                        .delete("/v1/sessions/not-a-uuid")
                        .bearer(me.accessToken())
                        .send()
                        .status())
                .isEqualTo(404);
    }

    @Test
    void whenRevokingAllSessions_thenEveryOneEndsAndTheCountIsAnswered() {
        String email = accounts.registered("all");
        var a = accounts.signIn(email, PASSWORD);
        var b = accounts.signIn(email, PASSWORD);
        var caller = accounts.signIn(email, PASSWORD);

        var r = server.http
                .post("/v1/auth/revoke-all-sessions")
                .bearer(caller.accessToken())
                .send();

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().path("revoked").asInt()).isEqualTo(3);
        assertThat(r.json().path("message").asText()).isNotBlank();
        for (var s : List.of(a, b, caller)) {
            assertThat(accounts.meStatus(s.accessToken())).isEqualTo(401);
            assertThat(accounts.refresh(s.refreshToken()).status()).isEqualTo(401);
        }
        var fresh = accounts.signIn(email, PASSWORD);
        assertThat(sessions("/v1/sessions/history", fresh.accessToken()))
                .filteredOn(s -> s.has("ended_at"))
                .extracting(s -> s.path("end_reason").asText())
                .containsExactly("revoke_all", "revoke_all", "revoke_all");
    }

    @Test
    void whenLoggingOut_thenOnlyTheCurrentSessionEnds() {
        String email = accounts.registered("logout");
        var leaving = accounts.signIn(email, PASSWORD);
        var staying = accounts.signIn(email, PASSWORD);

        var r = server.http
                .post("/v1/auth/logout")
                .bearer(leaving.accessToken())
                .send();

        assertThat(r.status()).isEqualTo(204);
        assertThat(accounts.meStatus(leaving.accessToken())).isEqualTo(401);
        assertThat(accounts.refresh(leaving.refreshToken()).status()).isEqualTo(401);
        assertThat(accounts.meStatus(staying.accessToken())).isEqualTo(200);
        assertThat(accounts.refresh(staying.refreshToken()).status()).isEqualTo(200);
    }

    @Test
    void whenPaging_thenLimitAndOffsetApply() {
        String email = accounts.registered("paging");
        for (int i = 0; i < 3; i++) accounts.signIn(email, PASSWORD);
        var caller = accounts.signIn(email, PASSWORD);

        JsonNode first = page("/v1/sessions?limit=2", caller.accessToken());
        JsonNode rest = page("/v1/sessions?limit=2&offset=2", caller.accessToken());

        assertThat(first.path("count").asInt()).isEqualTo(2);
        assertThat(first.path("limit").asInt()).isEqualTo(2);
        assertThat(rest.path("offset").asInt()).isEqualTo(2);
        assertThat(rest.path("sessions")).hasSize(2);
        assertThat(first.path("sessions").findValuesAsText("id"))
                .doesNotContainAnyElementsOf(rest.path("sessions").findValuesAsText("id"));
        assertThat(server.http
                        .get("/v1/sessions?limit=101")
                        .bearer(caller.accessToken())
                        .send()
                        .status())
                .isEqualTo(422);
    }

    @Test
    void whenNoBearer_thenSessionsAre401() {
        assertThat(server.http.get("/v1/sessions").send().status()).isEqualTo(401);
        assertThat(server.http.get("/v1/sessions/history").send().status()).isEqualTo(401);
        assertThat(server.http
                        .delete("/v1/sessions/" + UUID.randomUUID())
                        .send()
                        .status())
                .isEqualTo(401);
        assertThat(server.http.post("/v1/auth/logout").send().status()).isEqualTo(401);
        assertThat(server.http.post("/v1/auth/revoke-all-sessions").send().status())
                .isEqualTo(401);
    }
}
