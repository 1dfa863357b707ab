package dev.gatehouse.oauth;

import static dev.gatehouse.testkit.HttpJson.map;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.oauth2.sdk.ClientCredentialsGrant;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.TokenRequest;
import com.nimbusds.oauth2.sdk.TokenResponse;
import com.nimbusds.oauth2.sdk.auth.ClientSecretBasic;
import com.nimbusds.oauth2.sdk.auth.Secret;
import com.nimbusds.oauth2.sdk.id.ClientID;
import dev.gatehouse.testkit.ServerTest;
import dev.gatehouse.testkit.TestServer;
import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** /v1/admin/scopes: CRUD, protected system scopes, defaults that the token endpoint uses, discovery kept true. */
@ServerTest
class AdminScopesTest {
    static TestServer server;
    static String admin;

    @BeforeAll
    static void start() {
        server = TestServer.start();
        admin = server.adminToken();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static List<String> discoveredScopes(String path) {
        var r = server.http.get(path).send();
        assertThat(r.status()).isEqualTo(200);
        return toList(r.json().path("scopes_supported"));
    }

    static List<String> toList(com.fasterxml.jackson.databind.JsonNode array) {
        var out = new java.util.ArrayList<String>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    @Test
    void whenAdministratorManagesAScope_thenCrudWorksAndDiscoveryFollows() {
        assertThat(discoveredScopes("/.well-known/openid-configuration")).doesNotContain("reports:read");

        var created = server.http
                .post("/v1/admin/scopes")
                .bearer(admin)
                .json(map("name", "reports:read", "description", "Read your reports", "claims", List.of("email")))
                .send();
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        assertThat(created.text("name")).isEqualTo("reports:read");
        assertThat(created.json().path("is_default").asBoolean()).isFalse();
        assertThat(created.json().path("is_system").asBoolean()).isFalse();
        assertThat(toList(created.json().path("claims"))).containsExactly("email");

        assertThat(server.http
                        .post("/v1/admin/scopes")
                        .bearer(admin)
                        .json(map("name", "reports:read", "description", "again"))
                        .send()
                        .status())
                .isEqualTo(409);

        var list = server.http.get("/v1/admin/scopes").bearer(admin).send();
        assertThat(list.status()).isEqualTo(200);
        assertThat(list.json().path("scopes").findValuesAsText("name"))
                .contains("openid", "profile", "email", "address", "phone", "offline_access", "reports:read");

        // Discovery is rebuilt from the table when it changes (both documents).
        assertThat(discoveredScopes("/.well-known/openid-configuration")).contains("reports:read", "openid");
        assertThat(discoveredScopes("/.well-known/oauth-authorization-server")).contains("reports:read");

        var renamed = server.http
                .put("/v1/admin/scopes/reports:read")
                .bearer(admin)
                .json(map("name", "reports.read", "description", "Read all your reports", "is_default", true))
                .send();
        assertThat(renamed.status()).as(renamed.body()).isEqualTo(200);
        assertThat(renamed.text("description")).isEqualTo("Read all your reports");
        assertThat(renamed.json().path("is_default").asBoolean()).isTrue();
        assertThat(toList(renamed.json().path("claims"))).containsExactly("email");
        assertThat(server.http
                        .get("/v1/admin/scopes/reports:read")
                        .bearer(admin)
                        .send()
                        .status())
                .isEqualTo(404);
        var one = server.http.get("/v1/admin/scopes/reports.read").bearer(admin).send();
        assertThat(one.status()).isEqualTo(200);
        assertThat(one.text("description")).isEqualTo("Read all your reports");
        assertThat(discoveredScopes("/.well-known/openid-configuration"))
                .contains("reports.read")
                .doesNotContain("reports:read");

        var defaults =
                server.http.get("/v1/admin/scopes/defaults").bearer(admin).send();
        assertThat(toList(defaults.json().path("scopes"))).contains("openid", "reports.read");

        assertThat(server.http
                        .delete("/v1/admin/scopes/reports.read")
                        .bearer(admin)
                        .send()
                        .status())
                .isEqualTo(204);
        assertThat(server.http
                        .delete("/v1/admin/scopes/reports.read")
                        .bearer(admin)
                        .send()
                        .status())
                .isEqualTo(404);
        assertThat(discoveredScopes("/.well-known/openid-configuration")).doesNotContain("reports.read");

        var logs = server.http
                .get("/v1/audit/logs?event_type=scope.updated")
                .bearer(admin)
                .send();
        assertThat(logs.json().path("count").asInt()).isPositive();
    }

    @Test
    void whenChangingASystemScope_thenDeleteRenameAndClaimsAreRefusedButDescriptionChanges() {
        for (String s : List.of("openid", "profile", "email", "address", "phone", "offline_access")) {
            var del = server.http.delete("/v1/admin/scopes/" + s).bearer(admin).send();
            assertThat(del.status()).as(s).isEqualTo(409);
            assertThat(del.header("Content-Type")).startsWith("application/problem+json");
            assertThat(del.text("code")).isEqualTo("system_scope");
        }
        var rename = server.http
                .put("/v1/admin/scopes/email")
                .bearer(admin)
                .json(map("name", "mail"))
                .send();
        assertThat(rename.status()).isEqualTo(409);
        var claims = server.http
                .put("/v1/admin/scopes/email")
                .bearer(admin)
                .json(map("claims", List.of("email", "phone_number")))
                .send();
        assertThat(claims.status()).isEqualTo(409);

        var described = server.http
                .put("/v1/admin/scopes/phone")
                .bearer(admin)
                .json(map("description", "See your phone number (for sign-in alerts)"))
                .send();
        assertThat(described.status()).as(described.body()).isEqualTo(200);
        assertThat(described.json().path("is_system").asBoolean()).isTrue();
        assertThat(toList(described.json().path("claims"))).containsExactly("phone_number", "phone_number_verified");
        assertThat(server.http
                        .get("/v1/admin/scopes/email")
                        .bearer(admin)
                        .send()
                        .text("name"))
                .isEqualTo("email");
    }

    @Test
    void whenTheSameNameIsCreatedOrRenamedToAtOnce_thenOneWinsAndTheOthersGetTheDuplicate409() {
        for (int round = 0; round < 10; round++) {
            String name = "race.create." + round;
            var created = dev.gatehouse.testkit.Race.run(
                    4,
                    () -> server.http
                            .post("/v1/admin/scopes")
                            .bearer(admin)
                            .json(map("name", name, "description", "Raced"))
                            .send());
            assertThat(created.stream().map(r -> r.status()))
                    .as(
                            "round %d: %s",
                            round, created.stream().map(r -> r.body()).toList())
                    .containsExactlyInAnyOrder(201, 409, 409, 409);
            assertThat(created.stream().filter(r -> r.status() == 409).map(r -> r.text("code")))
                    .containsOnly("scope_exists");

            // Four different scopes renamed to one new name at once.
            var next = new java.util.concurrent.atomic.AtomicInteger();
            for (int i = 0; i < 4; i++)
                assertThat(server.http
                                .post("/v1/admin/scopes")
                                .bearer(admin)
                                .json(map("name", "race.from." + round + "." + i, "description", "Raced"))
                                .send()
                                .status())
                        .isEqualTo(201);
            String target = "race.to." + round;
            int r0 = round;
            var renamed = dev.gatehouse.testkit.Race.run(
                    4,
                    () -> server.http
                            .put("/v1/admin/scopes/race.from." + r0 + "." + next.getAndIncrement())
                            .bearer(admin)
                            .json(map("name", target))
                            .send());
            assertThat(renamed.stream().map(r -> r.status()))
                    .as(
                            "round %d: %s",
                            round, renamed.stream().map(r -> r.body()).toList())
                    .containsExactlyInAnyOrder(200, 409, 409, 409);
            assertThat(renamed.stream().filter(r -> r.status() == 409).map(r -> r.text("code")))
                    .containsOnly("scope_exists");
        }
    }

    @Test
    void whenAScopeWouldBeNamedDefaults_thenItIsRefusedAsThatPathListsTheDefaultScopes() {
        var created = server.http
                .post("/v1/admin/scopes")
                .bearer(admin)
                .json(map("name", "defaults", "description", "x"))
                .send();
        assertThat(created.status()).as(created.body()).isEqualTo(422);
        assertThat(created.json().path("errors").has("name")).isTrue();

        assertThat(server.http
                        .post("/v1/admin/scopes")
                        .bearer(admin)
                        .json(map("name", "to.be.defaults", "description", "x"))
                        .send()
                        .status())
                .isEqualTo(201);
        var renamed = server.http
                .put("/v1/admin/scopes/to.be.defaults")
                .bearer(admin)
                .json(map("name", "defaults"))
                .send();
        assertThat(renamed.status()).as(renamed.body()).isEqualTo(422);
        assertThat(renamed.json().path("errors").has("name")).isTrue();
        assertThat(server.http
                        .get("/v1/admin/scopes/to.be.defaults")
                        .bearer(admin)
                        .send()
                        .status())
                .isEqualTo(200);
    }

    @Test
    void whenListing_thenScopesComeByNameAPageAtATimeAndFiltered() {
        for (String name : List.of("paging:a", "paging:b", "paging:c")) {
            var r = server.http
                    .post("/v1/admin/scopes")
                    .bearer(admin)
                    .json(map("name", name, "description", "Paging " + name, "is_default", name.endsWith("b")))
                    .send();
            assertThat(r.status()).as(r.body()).isEqualTo(201);
        }
        var firstTwo = list("?q=PAGING&limit=2");
        assertThat(firstTwo.path("scopes").findValuesAsText("name")).containsExactly("paging:a", "paging:b");
        assertThat(firstTwo.path("count").asInt()).isEqualTo(2);
        assertThat(firstTwo.path("total").asInt()).isEqualTo(3);
        assertThat(list("?q=paging&limit=2&offset=2").path("scopes").findValuesAsText("name"))
                .containsExactly("paging:c");
        assertThat(list("?q=paging&is_default=true").path("scopes").findValuesAsText("name"))
                .containsExactly("paging:b");
        assertThat(list("?q=Paging%20paging:c").path("scopes").findValuesAsText("name"))
                .containsExactly("paging:c"); // the description matches too
        assertThat(list("?is_system=true").path("scopes").findValuesAsText("name"))
                .containsExactlyInAnyOrder("openid", "profile", "email", "address", "phone", "offline_access");
        assertThat(list("?is_system=false").path("scopes").findValuesAsText("name"))
                .doesNotContain("openid")
                .contains("paging:a");

        for (String bad : List.of("?limit=0", "?limit=101", "?offset=-1", "?limit=x", "?is_default=yes")) {
            var r = server.http.get("/v1/admin/scopes" + bad).bearer(admin).send();
            assertThat(r.status()).as(bad).isEqualTo(422);
            assertThat(r.header("Content-Type")).startsWith("application/problem+json");
        }
    }

    static com.fasterxml.jackson.databind.JsonNode list(String query) {
        var r = server.http.get("/v1/admin/scopes" + query).bearer(admin).send();
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json();
    }

    @Test
    void whenInputIsBad_thenProblemsAndNothingChanges() {
        int before = server.http
                .get("/v1/admin/scopes")
                .bearer(admin)
                .send()
                .json()
                .path("total")
                .asInt();
        for (var body : List.of(
                map("name", "has space", "description", "x"),
                map("name", "", "description", "x"),
                map("name", "x".repeat(65), "description", "x"),
                // dots alone: unreachable as a path segment
                map("name", ".", "description", "x"),
                map("name", "..", "description", "x"),
                map("name", "ok.name"),
                map("name", "ok.name", "description", " "),
                map("name", "ok.name", "description", "x", "claims", List.of("bad claim")),
                // A claim Gatehouse does not have: the scope could never release it.
                map("name", "ok.name", "description", "x", "claims", List.of("email", "shoe_size")))) {
            var r = server.http
                    .post("/v1/admin/scopes")
                    .bearer(admin)
                    .json(body)
                    .send();
            assertThat(r.status()).as(body.toString()).isEqualTo(422);
            assertThat(r.header("Content-Type")).startsWith("application/problem+json");
        }
        var wrongType = server.http
                .post("/v1/admin/scopes")
                .bearer(admin)
                .raw("application/json", "{\"name\":\"x\",\"description\":\"d\",\"is_default\":\"yes\"}")
                .send();
        assertThat(wrongType.status()).isIn(400, 422);
        assertThat(server.http
                        .put("/v1/admin/scopes/nope")
                        .bearer(admin)
                        .json(map("description", "x"))
                        .send()
                        .status())
                .isEqualTo(404);
        assertThat(server.http
                        .get("/v1/admin/scopes")
                        .bearer(admin)
                        .send()
                        .json()
                        .path("total")
                        .asInt())
                .isEqualTo(before);
    }

    @Test
    void whenCallerLacksPermission_thenForbiddenOrUnauthorized() {
        String email = "u" + System.nanoTime() + "@example.com";
        server.register(email, "Correct-Horse-Battery-9");
        String user = server.accessToken(email, "Correct-Horse-Battery-9");
        assertThat(server.http.get("/v1/admin/scopes").bearer(user).send().status())
                .isEqualTo(403);
        assertThat(server.http
                        .post("/v1/admin/scopes")
                        .bearer(user)
                        .json(map("name", "mine", "description", "x"))
                        .send()
                        .status())
                .isEqualTo(403);
        assertThat(server.http.delete("/v1/admin/scopes/email").send().status()).isEqualTo(401);
    }

    @Test
    void whenClientAsksForNoScope_thenTheDefaultScopesItMayUseAreGranted() throws Exception {
        var created = server.http
                .post("/v1/admin/scopes")
                .bearer(admin)
                .json(map("name", "jobs:run", "description", "Run jobs", "is_default", true))
                .send();
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        server.createScopes("jobs:admin");
        var c = server.registerClientAs(admin, machine("jobs:run jobs:admin"));
        var auth = new ClientSecretBasic(new ClientID(c.text("client_id")), new Secret(c.text("client_secret")));
        var token = URI.create(server.base + "/oauth2/token");

        var none = TokenResponse.parse(new TokenRequest(token, auth, new ClientCredentialsGrant(), null)
                .toHTTPRequest()
                .send());
        assertThat(none.indicatesSuccess()).isTrue();
        assertThat(none.toSuccessResponse()
                        .getTokens()
                        .getAccessToken()
                        .getScope()
                        .toStringList())
                .containsExactly("jobs:run");

        var asked =
                TokenResponse.parse(new TokenRequest(token, auth, new ClientCredentialsGrant(), new Scope("jobs:admin"))
                        .toHTTPRequest()
                        .send());
        assertThat(asked.toSuccessResponse()
                        .getTokens()
                        .getAccessToken()
                        .getScope()
                        .toStringList())
                .containsExactly("jobs:admin");

        // No longer a default: the client's registered scope applies again.
        assertThat(server.http
                        .put("/v1/admin/scopes/jobs:run")
                        .bearer(admin)
                        .json(map("is_default", false))
                        .send()
                        .status())
                .isEqualTo(200);
        var after = TokenResponse.parse(new TokenRequest(token, auth, new ClientCredentialsGrant(), null)
                .toHTTPRequest()
                .send());
        assertThat(after.toSuccessResponse()
                        .getTokens()
                        .getAccessToken()
                        .getScope()
                        .toStringList())
                .containsExactlyInAnyOrder("jobs:run", "jobs:admin");
    }

    static java.util.Map<String, Object> machine(String scope) {
        return map(
                "grant_types",
                List.of("client_credentials"),
                "token_endpoint_auth_method",
                "client_secret_basic",
                "scope",
                scope);
    }

    @Test
    void whenClientsRegisterAScope_thenItMustExistAndStaysUntilNoClientRegistersIt() throws Exception {
        var unknown = server.http
                .post("/v1/admin/clients")
                .bearer(admin)
                .json(machine("ledger:read ledger:write"))
                .send();
        assertThat(unknown.status()).as(unknown.body()).isEqualTo(422);
        assertThat(unknown.text("code")).isEqualTo("invalid_client_metadata");
        assertThat(unknown.text("detail")).contains("(ledger:read ledger:write)");

        server.createScopes("ledger:read", "ledger:write");
        String id = server.registerClientAs(admin, machine("ledger:read ledger:write"))
                .text("client_id");

        var delete = server.http
                .delete("/v1/admin/scopes/ledger:write")
                .bearer(admin)
                .send();
        assertThat(delete.status()).as(delete.body()).isEqualTo(409);
        assertThat(delete.text("code")).isEqualTo("scope_in_use");
        assertThat(delete.text("detail")).contains("1 client registers", id);
        var rename = server.http
                .put("/v1/admin/scopes/ledger:write")
                .bearer(admin)
                .json(map("name", "ledger:change"))
                .send();
        assertThat(rename.status()).as(rename.body()).isEqualTo(409);
        assertThat(rename.text("code")).isEqualTo("scope_in_use");
        // What keeps the name is still allowed.
        assertThat(server.http
                        .put("/v1/admin/scopes/ledger:write")
                        .bearer(admin)
                        .json(map("description", "Change the ledger"))
                        .send()
                        .status())
                .isEqualTo(200);
        assertThat(server.http
                        .get("/v1/admin/scopes/ledger:write")
                        .bearer(admin)
                        .send()
                        .text("description"))
                .isEqualTo("Change the ledger");

        // A client's update is checked as its registration is.
        var widened = server.http
                .put("/v1/admin/clients/" + id)
                .bearer(admin)
                .json(machine("ledger:read ledger:gone"))
                .send();
        assertThat(widened.status()).as(widened.body()).isEqualTo(422);
        assertThat(widened.text("detail")).contains("(ledger:gone)");

        // Once no client registers it, the scope goes.
        var narrowed = server.http
                .put("/v1/admin/clients/" + id)
                .bearer(admin)
                .json(machine("ledger:read"))
                .send();
        assertThat(narrowed.status()).as(narrowed.body()).isEqualTo(200);
        assertThat(deleteScope("ledger:write")).isEqualTo(204);
        // ledger:read is still registered; deleting the client frees it too.
        assertThat(deleteScope("ledger:read")).isEqualTo(409);
        assertThat(server.http
                        .delete("/v1/admin/clients/" + id)
                        .bearer(admin)
                        .send()
                        .status())
                .isEqualTo(204);
        assertThat(deleteScope("ledger:read")).isEqualTo(204);
    }

    static int deleteScope(String name) {
        return server.http
                .delete("/v1/admin/scopes/" + name)
                .bearer(admin)
                .send()
                .status();
    }
}
