package dev.gatehouse.oauth;

import static dev.gatehouse.testkit.HttpJson.map;
import static dev.gatehouse.testkit.TestAccounts.PASSWORD;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.oauth2.sdk.client.ClientReadRequest;
import com.nimbusds.oauth2.sdk.token.BearerAccessToken;
import com.nimbusds.openid.connect.sdk.rp.OIDCClientInformationResponse;
import com.nimbusds.openid.connect.sdk.rp.OIDCClientRegistrationRequest;
import com.nimbusds.openid.connect.sdk.rp.OIDCClientRegistrationResponseParser;
import dev.gatehouse.testkit.HttpJson;
import dev.gatehouse.testkit.Race;
import dev.gatehouse.testkit.ServerTest;
import dev.gatehouse.testkit.TestAccounts;
import dev.gatehouse.testkit.TestServer;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * RFC 7591 §3 initial access tokens: made by an administrator at /v1/admin/initial-access-tokens, spent by
 * registrations at /oauth2/register, each within the token's scope and uses.
 */
@ServerTest
class InitialAccessTokenTest {
    static final String PATH = "/v1/admin/initial-access-tokens";
    static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start();
        server.createScopes("orders:read", "orders:write");
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static HttpJson.Response make(Map<String, Object> body) {
        return server.http.post(PATH).bearer(server.adminToken()).json(body).send();
    }

    static String tokenOf(HttpJson.Response made) {
        assertThat(made.status()).as(made.body()).isEqualTo(201);
        return made.text("initial_access_token");
    }

    static HttpJson.Response registerWith(String token, Map<String, Object> metadata) {
        return server.http.post("/oauth2/register").bearer(token).json(metadata).send();
    }

    static Map<String, Object> webApp() {
        return map("client_name", "Orders", "redirect_uris", List.of("https://orders.example/cb"));
    }

    static JsonNode listed(String id) {
        var list = server.http.get(PATH).bearer(server.adminToken()).send();
        assertThat(list.status()).isEqualTo(200);
        for (JsonNode t : list.json().path("initial_access_tokens"))
            if (t.path("id").asText().equals(id)) return t;
        return null;
    }

    @Test
    void whenADeveloperRegistersWithAnInitialAccessToken_thenTheClientManagesItselfWithinTheTokensScope()
            throws Exception {
        var made = make(map(
                "description", "orders team", "scope", "openid email orders:read", "max_uses", 2, "expires_in", 3600));
        String token = tokenOf(made);
        assertThat(token).startsWith("giat_");
        assertThat(made.header("Cache-Control")).isEqualTo("no-store");
        assertThat(made.json().path("uses").asInt()).isZero();
        assertThat(made.json().path("max_uses").asInt()).isEqualTo(2);
        String id = made.text("id");

        // A certified client library registers with it as with any bearer token (RFC 7591 §3).
        var m = new com.nimbusds.openid.connect.sdk.rp.OIDCClientMetadata();
        m.setName("orders web");
        m.setRedirectionURI(URI.create("https://orders.example/callback"));
        m.setScope(new com.nimbusds.oauth2.sdk.Scope("openid", "orders:read"));
        var http = new OIDCClientRegistrationRequest(
                        URI.create(server.base + "/oauth2/register"), m, new BearerAccessToken(token))
                .toHTTPRequest()
                .send();
        assertThat(http.getStatusCode()).as(http.getBody()).isEqualTo(201);
        var info = ((OIDCClientInformationResponse) OIDCClientRegistrationResponseParser.parse(http))
                .getOIDCClientInformation();
        assertThat(info.getSecret()).isNotNull();
        var read = new ClientReadRequest(info.getRegistrationURI(), info.getRegistrationAccessToken())
                .toHTTPRequest()
                .send();
        assertThat(read.getStatusCode()).isEqualTo(200);
        assertThat(listed(id).path("uses").asInt()).isEqualTo(1);
        assertThat(listed(id).has("initial_access_token")).as("shown once").isFalse();

        // Naming no scope, a client gets the token's, not any scope in the table.
        var second = registerWith(token, webApp());
        assertThat(second.status()).as(second.body()).isEqualTo(201);
        assertThat(second.text("scope")).isEqualTo("openid email orders:read");
        assertThat(listed(id).path("uses").asInt()).isEqualTo(2);

        // Both uses spent: refused as RFC 6750 invalid_token, and nothing registered.
        var third = registerWith(token, webApp());
        assertThat(third.status()).isEqualTo(401);
        assertThat(third.text("error")).isEqualTo("invalid_token");
        assertThat(third.body()).doesNotContain(token);

        // The token is a registration credential only: it is no administrator.
        assertThat(server.http.get("/v1/admin/clients").bearer(token).send().status())
                .isEqualTo(401);
        // The audit log says which token registered the client.
        var audit = server.http
                .get("/v1/audit/logs?event_type=client.created")
                .bearer(server.adminToken())
                .send();
        assertThat(audit.body()).contains(id);
    }

    @Test
    void whenARegistrationAsksForMoreThanTheTokenAllows_thenItIsRefusedAndSpendsNoUse() {
        var made = make(map("scope", "openid orders:read"));
        String token = tokenOf(made);
        String id = made.text("id");
        var cases = List.<Map<String, Object>>of(
                map(
                        "client_name",
                        "x",
                        "redirect_uris",
                        List.of("https://x.example/cb"),
                        "scope",
                        "openid orders:write"),
                map(
                        "client_name",
                        "x",
                        "redirect_uris",
                        List.of("https://x.example/cb"),
                        "token_exchange_impersonation",
                        true),
                map(
                        "client_name",
                        "x",
                        "redirect_uris",
                        List.of("https://x.example/cb"),
                        "resources",
                        List.of("https://api.example")),
                map(
                        "client_name",
                        "x",
                        "grant_types",
                        List.of("urn:ietf:params:oauth:grant-type:token-exchange"),
                        "token_endpoint_auth_method",
                        "client_secret_basic"),
                map("client_name", "x", "redirect_uris", List.of("not a uri")));
        for (var metadata : cases) {
            var refused = registerWith(token, metadata);
            assertThat(refused.status()).as(refused.body()).isEqualTo(400);
            assertThat(refused.text("error")).isIn("invalid_client_metadata", "invalid_redirect_uri");
        }
        assertThat(listed(id).path("uses").asInt()).as("no use spent").isZero();
        // An empty scope is no scope: the client gets the token's, not "any scope in the table".
        var empty = registerWith(
                token, map("client_name", "x", "redirect_uris", List.of("https://x.example/cb"), "scope", " "));
        assertThat(empty.status()).as(empty.body()).isEqualTo(201);
        assertThat(empty.text("scope")).isEqualTo("openid orders:read");
    }

    @Test
    void whenTheTokenIsExpiredDeletedOrUnknown_thenRegistrationIsRefused() {
        String expiring = tokenOf(make(map("expires_in", 60)));
        var made = make(map());
        String deleted = tokenOf(made);
        var d = server.http
                .delete(PATH + "/" + made.text("id"))
                .bearer(server.adminToken())
                .send();
        assertThat(d.status()).isEqualTo(204);
        assertThat(listed(made.text("id"))).isNull();
        assertThat(registerWith(deleted, webApp()).status()).isEqualTo(401);
        assertThat(server.http
                        .delete(PATH + "/" + made.text("id"))
                        .bearer(server.adminToken())
                        .send()
                        .status())
                .isEqualTo(404);
        assertThat(server.http
                        .delete(PATH + "/not-a-uuid")
                        .bearer(server.adminToken())
                        .send()
                        .status())
                .isEqualTo(404);

        server.clock.advance(Duration.ofSeconds(61));
        var expired = registerWith(expiring, webApp());
        assertThat(expired.status()).isEqualTo(401);
        assertThat(expired.text("error")).isEqualTo("invalid_token");
        assertThat(registerWith("giat_" + "A".repeat(43), webApp()).status()).isEqualTo(401);
        assertThat(registerWith("giat_" + "A".repeat(200), webApp()).status()).isEqualTo(401);
    }

    @Test
    void whenTwoRegistrationsRaceForTheLastUse_thenExactlyOneGetsIt() {
        String token = tokenOf(make(map("max_uses", 1)));
        var statuses = Race.run(2, () -> registerWith(token, webApp()).status());
        assertThat(statuses).containsExactlyInAnyOrder(201, 401);
    }

    @Test
    void whenOpenRegistrationIsConfigured_thenNoTokenRegistersWithinTheDefaultsAndTheRateLimit() {
        var open =
                TestServer.start(Map.of("GATEHOUSE_OPEN_CLIENT_REGISTRATION", "true", "GATEHOUSE_RATE_LIMITS", "on"));
        try {
            var made = open.http.post("/oauth2/register").json(webApp()).send();
            assertThat(made.status()).as(made.body()).isEqualTo(201);
            assertThat(made.text("scope")).isEqualTo("openid profile email address phone offline_access");
            assertThat(made.text("registration_access_token")).startsWith("grt_");
            var impersonating = map(
                    "client_name",
                    "x",
                    "redirect_uris",
                    List.of("https://x.example/cb"),
                    "token_exchange_impersonation",
                    true);
            var refused = open.http.post("/oauth2/register").json(impersonating).send();
            assertThat(refused.status()).isEqualTo(400);
            assertThat(refused.text("error")).isEqualTo("invalid_client_metadata");
            // A token that is wrong is refused, not taken as no token.
            assertThat(open.http
                            .post("/oauth2/register")
                            .bearer("wrong")
                            .json(webApp())
                            .send()
                            .status())
                    .isEqualTo(401);
            // Ten attempts an hour from one address: two above (one registered, one refused), so eight more pass.
            int created = 1;
            HttpJson.Response last = null;
            for (int i = 0; i < 9; i++) {
                last = open.http.post("/oauth2/register").json(webApp()).send();
                if (last.status() == 201) created++;
            }
            assertThat(created).isEqualTo(9);
            assertThat(last.status()).isEqualTo(429);
            assertThat(last.header("Retry-After")).isNotNull();
            assertThat(last.text("error")).isNotBlank();
        } finally {
            open.close();
        }
        // Off by default: the main server refuses a registration without a token.
        assertThat(server.http.post("/oauth2/register").json(webApp()).send().status())
                .isEqualTo(401);
    }

    @Test
    void whenTheRequestIsBadOrNotAnAdministrators_thenNothingIsMade() {
        int before = server.http
                .get(PATH)
                .bearer(server.adminToken())
                .send()
                .json()
                .path("count")
                .asInt();
        for (var body : List.<Map<String, Object>>of(
                map("max_uses", 0),
                map("max_uses", 1001),
                map("expires_in", 59),
                map("expires_in", 90L * 24 * 3600 + 1),
                map("scope", "openid never-existed"),
                map("scope", "   "),
                map("description", "d".repeat(201)))) {
            var refused = make(body);
            assertThat(refused.status()).as(body.toString()).isEqualTo(422);
            assertThat(refused.header("Content-Type")).startsWith("application/problem+json");
        }
        var notJson = server.http
                .post(PATH)
                .bearer(server.adminToken())
                .raw("application/json", "{\"max_uses\":\"many\"}")
                .send();
        assertThat(notJson.status()).isBetween(400, 422);
        // Well-formed JSON numbers its fields cannot hold, or that are not whole, are bad values of those fields (a 422
        // naming them, DESIGN.md section 4), not broken JSON; and 1.5 is never read as 1.
        for (String body : List.of(
                "{\"max_uses\":99999999999}",
                "{\"max_uses\":1.5}",
                "{\"max_uses\":1e2}",
                "{\"expires_in\":1e30}",
                "{\"expires_in\":123456789012345678901234567890}",
                "{\"expires_in\":3600.5}")) {
            var refused = server.http
                    .post(PATH)
                    .bearer(server.adminToken())
                    .raw("application/json", body)
                    .send();
            assertThat(refused.status()).as(body + " -> " + refused.body()).isEqualTo(422);
            assertThat(refused.text("code")).as(body).isEqualTo("validation_failed");
            String field = body.substring(2, body.indexOf('"', 2));
            assertThat(refused.json().path("errors").has(field)).as(body).isTrue();
        }
        var accounts = new TestAccounts(server);
        String user = server.accessToken(accounts.registered("not-admin"), PASSWORD);
        assertThat(server.http.post(PATH).bearer(user).json(map()).send().status())
                .isEqualTo(403);
        assertThat(server.http.get(PATH).bearer(user).send().status()).isEqualTo(403);
        assertThat(server.http.post(PATH).json(map()).send().status()).isEqualTo(401);
        assertThat(server.http
                        .get(PATH)
                        .bearer(server.adminToken())
                        .send()
                        .json()
                        .path("count")
                        .asInt())
                .isEqualTo(before);
    }
}
