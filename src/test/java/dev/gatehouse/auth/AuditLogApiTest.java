package dev.gatehouse.auth;

import static dev.gatehouse.testkit.HttpJson.map;
import static dev.gatehouse.testkit.TestAccounts.NEW_PASSWORD;
import static dev.gatehouse.testkit.TestAccounts.PASSWORD;
import static dev.gatehouse.testkit.TestAccounts.email;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.testkit.HttpJson;
import dev.gatehouse.testkit.ServerTest;
import dev.gatehouse.testkit.TestAccounts;
import dev.gatehouse.testkit.TestServer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** GET /v1/audit/logs (seed 004): permission, paging and filters, and the events every account change records. */
@ServerTest
class AuditLogApiTest {
    static final String AGENT = "AuditJourney/1.0";
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

    private static HttpJson.Response logs(String query, String access) {
        return server.http.get("/v1/audit/logs" + query).bearer(access).send();
    }

    private static List<JsonNode> list(JsonNode page) {
        var out = new ArrayList<JsonNode>();
        page.path("logs").forEach(out::add);
        return out;
    }

    @Test
    void whenNormalUserReadsLogs_then403ForbiddenProblem() {
        var me = accounts.newUser("nosy");

        var r = logs("", me.accessToken());

        assertThat(r.status()).isEqualTo(403);
        assertThat(r.header("Content-Type")).startsWith("application/problem+json");
        assertThat(r.json().path("code").asText()).isEqualTo("forbidden");
        assertThat(r.json().path("title").asText()).isNotBlank();
        assertThat(r.json().path("detail").asText()).contains("audit:read");
        assertThat(r.json().path("type").asText()).isNotBlank();
        assertThat(r.json().has("logs")).isFalse();
    }

    @Test
    void whenNoBearer_then401() {
        assertThat(server.http.get("/v1/audit/logs").send().status()).isEqualTo(401);
    }

    @Test
    void whenAdminReadsLogs_thenPageHasSeedShape() {
        accounts.newUser("shape");

        var r = logs("", server.adminToken());

        assertThat(r.status()).isEqualTo(200);
        JsonNode page = r.json();
        assertThat(page.path("limit").asInt()).isEqualTo(50);
        assertThat(page.path("offset").asInt()).isZero();
        assertThat(page.path("count").asInt())
                .isEqualTo(page.path("logs").size())
                .isPositive();
        for (JsonNode e : page.path("logs")) {
            assertThat(e.path("id").asText()).isNotBlank();
            assertThat(e.path("event_type").asText()).isNotBlank();
            assertThat(e.path("created_at").asText()).isNotBlank();
        }
    }

    @Test
    void whenFilteringByUserAndPaging_thenOnlyThatUsersEventsInPages() {
        var me = accounts.newUser("paged");
        accounts.refresh(me.refreshToken());
        accounts.signIn(me.body().path("user").path("email").asText(), PASSWORD);
        accounts.newUser("bystander");
        String admin = server.adminToken();

        var all = list(logs("?user_id=" + me.userId(), admin).json());
        JsonNode firstTwo = logs("?user_id=" + me.userId() + "&limit=2", admin).json();
        JsonNode fromSecond =
                logs("?user_id=" + me.userId() + "&limit=2&offset=1", admin).json();

        assertThat(all).hasSizeGreaterThanOrEqualTo(4);
        assertThat(all).allSatisfy(e -> assertThat(e.path("user_id").asText()).isEqualTo(me.userId()));
        assertThat(firstTwo.path("limit").asInt()).isEqualTo(2);
        assertThat(firstTwo.path("count").asInt()).isEqualTo(2);
        assertThat(list(firstTwo)).hasSize(2);
        assertThat(fromSecond.path("offset").asInt()).isEqualTo(1);
        assertThat(list(fromSecond).get(0).path("id"))
                .isEqualTo(list(firstTwo).get(1).path("id"));
        assertThat(list(firstTwo))
                .extracting(e -> e.path("id"))
                .containsExactly(all.get(0).path("id"), all.get(1).path("id"));
    }

    @Test
    void whenQueryIsOutOfRange_then422NamingTheParameter() {
        String admin = server.adminToken();

        for (var bad : Map.of(
                        "?limit=101", "limit",
                        "?limit=0", "limit",
                        "?limit=ten", "limit",
                        "?offset=-1", "offset",
                        "?user_id=not-a-uuid", "user_id")
                .entrySet()) {
            var r = logs(bad.getKey(), admin);
            assertThat(r.status()).as(bad.getKey()).isEqualTo(422);
            assertThat(r.json().path("errors").has(bad.getValue()))
                    .as(bad.getKey())
                    .isTrue();
        }
        assertThat(logs("?limit=100", admin).status()).isEqualTo(200);
    }

    @Test
    void whenAnAccountGoesThroughItsLife_thenEveryStepIsAuditedWithIpAndUserAgent() {
        String email = email("journey");
        assertThat(post("/v1/auth/register", null, map("email", email, "password", PASSWORD))
                        .status())
                .isEqualTo(202);
        String verifyToken = server.tokenFromMail(email, TestAccounts.isConfirm());
        assertThat(post("/v1/auth/verify-email", null, map("token", verifyToken))
                        .status())
                .isEqualTo(200);
        assertThat(login(email, "Wrong-Password-Here-1").status()).isEqualTo(401);
        var a = TestAccounts.signedIn(login(email, PASSWORD));
        assertThat(post("/v1/auth/refresh", null, map("refresh_token", a.refreshToken()))
                        .status())
                .isEqualTo(200);
        assertThat(post(
                                "/v1/auth/change-password",
                                a.accessToken(),
                                map("current_password", PASSWORD, "new_password", NEW_PASSWORD))
                        .status())
                .isEqualTo(200);
        assertThat(post("/v1/auth/forgot-password", null, map("email", email)).status())
                .isEqualTo(202);
        String resetToken = server.tokenFromMail(email, TestAccounts.isReset());
        assertThat(post("/v1/auth/reset-password", null, map("token", resetToken, "new_password", PASSWORD))
                        .status())
                .isEqualTo(200);
        var b = TestAccounts.signedIn(login(email, PASSWORD));
        assertThat(post("/v1/auth/logout", b.accessToken(), null).status()).isEqualTo(204);
        var c = TestAccounts.signedIn(login(email, PASSWORD));
        var d = TestAccounts.signedIn(login(email, PASSWORD));
        String cSession = currentSessionId(c.accessToken());
        var deleted = server.http
                .delete("/v1/sessions/" + cSession)
                .bearer(d.accessToken())
                .header("User-Agent", AGENT)
                .send();
        assertThat(deleted.status()).isEqualTo(204);
        assertThat(post("/v1/auth/revoke-all-sessions", d.accessToken(), null).status())
                .isEqualTo(200);

        var events = accounts.auditOf(a.userId());
        for (String type : List.of(
                "user.registered",
                "user.email_verified",
                "login.failure",
                "login.success",
                "token.refreshed",
                "password.changed",
                "password.reset",
                "logout",
                "session.revoked",
                "session.revoked_all")) {
            var ofType = events.stream()
                    .filter(e -> e.path("event_type").asText().equals(type))
                    .toList();
            assertThat(ofType).as(type).isNotEmpty();
            for (JsonNode e : ofType) {
                assertThat(e.path("ip").asText()).as(type + " ip").isEqualTo("127.0.0.1");
                assertThat(e.path("user_agent").asText())
                        .as(type + " user_agent")
                        .isEqualTo(AGENT);
                assertThat(e.path("user_id").asText()).as(type + " user_id").isEqualTo(a.userId());
            }
        }
        JsonNode failure = events.stream()
                .filter(e -> e.path("event_type").asText().equals("login.failure"))
                .findFirst()
                .orElseThrow();
        assertThat(failure.path("outcome").asText()).isEqualTo("failure");
        assertThat(failure.path("reason").asText()).isEqualTo("wrong_password");
        JsonNode success = events.stream()
                .filter(e -> e.path("event_type").asText().equals("login.success"))
                .findFirst()
                .orElseThrow();
        assertThat(success.path("outcome").asText()).isEqualTo("success");
        assertThat(success.path("session_id").asText()).isNotBlank();
    }

    @Test
    void whenUnknownAddressTriesToSignIn_thenFailureIsAuditedWithReasonUnknownEmail() {
        String ghost = "Ghost/" + email("agent");
        var r = server.http
                .post("/v1/auth/login")
                .header("User-Agent", ghost)
                .json(map("email", email("ghost"), "password", PASSWORD))
                .send();
        assertThat(r.status()).isEqualTo(401);

        var failures = list(
                logs("?event_type=login.failure&limit=100", server.adminToken()).json());
        assertThat(failures)
                .filteredOn(e -> e.path("user_agent").asText().equals(ghost))
                .singleElement()
                .satisfies(e -> {
                    assertThat(e.path("reason").asText()).isEqualTo("unknown_email");
                    assertThat(e.path("ip").asText()).isEqualTo("127.0.0.1");
                    assertThat(e.has("user_id")).isFalse();
                });
    }

    private static HttpJson.Response post(String path, String bearer, Object body) {
        var call = server.http.post(path).header("User-Agent", AGENT);
        if (bearer != null) call.bearer(bearer);
        if (body != null) call.json(body);
        return call.send();
    }

    private static HttpJson.Response login(String email, String password) {
        return post("/v1/auth/login", null, map("email", email, "password", password));
    }

    private static String currentSessionId(String access) {
        for (JsonNode s :
                server.http.get("/v1/sessions").bearer(access).send().json().path("sessions"))
            if (s.path("current").asBoolean()) return s.path("id").asText();
        throw new AssertionError("no current session");
    }
}
