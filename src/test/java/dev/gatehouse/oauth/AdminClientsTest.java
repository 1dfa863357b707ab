package dev.gatehouse.oauth;

import static dev.gatehouse.testkit.HttpJson.map;
import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.testkit.HttpJson;
import dev.gatehouse.testkit.ServerTest;
import dev.gatehouse.testkit.TestServer;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** /v1/admin/clients: CRUD in RFC 7591 vocabulary, secrets shown once, permissions enforced. */
@ServerTest
class AdminClientsTest {
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

    @Test
    void whenAdministratorManagesAClient_thenListGetUpdateAndDeleteWork() {
        var created = server.http
                .post("/v1/admin/clients")
                .bearer(admin)
                .json(map(
                        "client_name",
                        "Web shop",
                        "redirect_uris",
                        List.of("https://shop.example.com/cb"),
                        "grant_types",
                        List.of("authorization_code", "refresh_token"),
                        "token_endpoint_auth_method",
                        "client_secret_post",
                        "post_logout_redirect_uris",
                        List.of("https://shop.example.com/bye"),
                        "scope",
                        "openid email"))
                .send();
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        String id = created.text("client_id");
        assertThat(created.text("client_secret")).startsWith("gcs_");
        assertThat(created.json().path("client_secret_expires_at").asInt()).isZero();
        assertThat(created.json().path("redirect_uris").get(0).asText()).isEqualTo("https://shop.example.com/cb");
        assertThat(created.text("token_endpoint_auth_method")).isEqualTo("client_secret_post");
        assertThat(created.text("id_token_signed_response_alg")).isEqualTo("RS256");

        var list = server.http.get("/v1/admin/clients?limit=10").bearer(admin).send();
        assertThat(list.status()).isEqualTo(200);
        assertThat(list.json().path("clients").findValuesAsText("client_id")).contains(id);
        assertThat(list.body()).doesNotContain("client_secret\"");

        var one = server.http.get("/v1/admin/clients/" + id).bearer(admin).send();
        assertThat(one.text("client_name")).isEqualTo("Web shop");
        assertThat(one.json().has("client_secret")).isFalse();

        var updated = server.http
                .put("/v1/admin/clients/" + id)
                .bearer(admin)
                .json(map(
                        "client_name", "Web shop 2",
                        "redirect_uris", List.of("https://shop.example.com/cb2"),
                        "token_endpoint_auth_method", "client_secret_post"))
                .send();
        assertThat(updated.status()).as(updated.body()).isEqualTo(200);
        assertThat(updated.text("client_name")).isEqualTo("Web shop 2");
        assertThat(updated.json().path("redirect_uris").get(0).asText()).isEqualTo("https://shop.example.com/cb2");

        var toPublic = server.http
                .put("/v1/admin/clients/" + id)
                .bearer(admin)
                .json(map(
                        "redirect_uris", List.of("https://shop.example.com/cb2"), "token_endpoint_auth_method", "none"))
                .send();
        assertThat(toPublic.status()).isEqualTo(422);

        assertThat(server.http
                        .delete("/v1/admin/clients/" + id)
                        .bearer(admin)
                        .send()
                        .status())
                .isEqualTo(204);
        assertThat(server.http
                        .get("/v1/admin/clients/" + id)
                        .bearer(admin)
                        .send()
                        .status())
                .isEqualTo(404);
        assertThat(server.http
                        .delete("/v1/admin/clients/" + id)
                        .bearer(admin)
                        .send()
                        .status())
                .isEqualTo(404);

        var logs = server.http
                .get("/v1/audit/logs?event_type=client.created")
                .bearer(admin)
                .send();
        assertThat(logs.json().path("count").asInt()).isPositive();
    }

    /** The status of a client_credentials token request authenticated with {@code secret} (HTTP Basic). */
    static int tokenStatus(String clientId, String secret) {
        String basic = java.util.Base64.getEncoder()
                .encodeToString((clientId + ":" + secret).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return server.http
                .post("/oauth2/token")
                .header("Authorization", "Basic " + basic)
                .raw("application/x-www-form-urlencoded", "grant_type=client_credentials")
                .send()
                .status();
    }

    /** A confidential client for client_credentials, created by the administrator. */
    static HttpJson.Response machineClient(String name) {
        var created = server.http
                .post("/v1/admin/clients")
                .bearer(admin)
                .json(map("client_name", name, "grant_types", List.of("client_credentials")))
                .send();
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        return created;
    }

    @Test
    void whenTheSecretIsRotatedWithAnOverlap_thenTheOldOneWorksUntilItEndsAndTheNewOneAtOnce() {
        var created = machineClient("Nightly job");
        String id = created.text("client_id");
        String first = created.text("client_secret");
        String path = "/v1/admin/clients/" + id + "/regenerate-secret";

        var rotated = server.http
                .post(path)
                .bearer(admin)
                .json(map("previous_secret_expires_in", 120))
                .send();
        assertThat(rotated.status()).as(rotated.body()).isEqualTo(200);
        String second = rotated.text("client_secret");
        assertThat(second).isNotEqualTo(first);
        assertThat(rotated.json().path("previous_secret_expires_at").asLong())
                .isEqualTo(server.clock.instant().plusSeconds(120).getEpochSecond());
        assertThat(rotated.header("Cache-Control")).isEqualTo("no-store");
        assertThat(tokenStatus(id, first))
                .as("the old secret, within the overlap")
                .isEqualTo(200);
        assertThat(tokenStatus(id, second)).isEqualTo(200);
        assertThat(tokenStatus(id, "gcs_guessed")).isEqualTo(401);

        // (Only two minutes on the shared clock: the class's administrator token lives 15.)
        server.clock.advance(java.time.Duration.ofSeconds(121));
        assertThat(tokenStatus(id, first))
                .as("the old secret, after the overlap")
                .isEqualTo(401);
        assertThat(tokenStatus(id, second)).isEqualTo(200);

        // Without an overlap (no body, as before), the current secret stops at once, and so does a kept one.
        var keep = server.http
                .post(path)
                .bearer(admin)
                .json(map("previous_secret_expires_in", 600))
                .send();
        String third = keep.text("client_secret");
        var now = server.http.post(path).bearer(admin).send();
        assertThat(now.status()).isEqualTo(200);
        assertThat(now.json().has("previous_secret_expires_at")).isFalse();
        String fourth = now.text("client_secret");
        assertThat(tokenStatus(id, second)).isEqualTo(401);
        assertThat(tokenStatus(id, third)).isEqualTo(401);
        assertThat(tokenStatus(id, fourth)).isEqualTo(200);

        // Out of range, too large for a number of seconds, or not whole (1.5 was once read as 1): 422 naming the field.
        for (String bad : List.of("-1", "604801", "1e30", "1.5", "123456789012345678901234567890")) {
            String body = "{\"previous_secret_expires_in\":" + bad + "}";
            var refused = server.http
                    .post(path)
                    .bearer(admin)
                    .raw("application/json", body)
                    .send();
            assertThat(refused.status()).as(body + " -> " + refused.body()).isEqualTo(422);
            assertThat(refused.json().path("errors").has("previous_secret_expires_in"))
                    .as(body)
                    .isTrue();
        }
        assertThat(tokenStatus(id, fourth))
                .as("no refused call rotated the secret")
                .isEqualTo(200);
    }

    /** RFC 7591 §2.2: a client's name in another language is shown to users as its name is, and checked as it is. */
    @Test
    void whenALanguageTaggedNameIsMisleading_thenTheAdministratorIsRefusedAndNoClientIsMade() {
        int before = clientCount();
        var refused = server.http
                .post("/v1/admin/clients")
                .bearer(admin)
                .json(map(
                        "client_name",
                        "Tagged",
                        "client_name#ja",
                        "\u202Eevil" + "x".repeat(300) + "\u0007",
                        "grant_types",
                        List.of("client_credentials")))
                .send();
        assertThat(refused.status()).as(refused.body()).isBetween(400, 422);
        assertThat(refused.body()).contains("client_name#ja");
        assertThat(clientCount()).isEqualTo(before);
    }

    /** How many clients the administrator's list shows (fewer than a page in this class). */
    static int clientCount() {
        int n = server.http
                .get("/v1/admin/clients?limit=100")
                .bearer(admin)
                .send()
                .json()
                .path("clients")
                .size();
        assertThat(n).as("a count below one page").isLessThan(100);
        return n;
    }

    @Test
    void whenRotationsWithAndWithoutAnOverlapRace_thenTheSecretBeforeThemIsAlwaysRefused() {
        var created = machineClient("Racing rotations");
        String id = created.text("client_id");
        String path = "/v1/admin/clients/" + id + "/regenerate-secret";
        for (int round = 0; round < 20; round++) {
            // A plain rotation first: one known current secret and no previous one.
            String before = server.http.post(path).bearer(admin).send().text("client_secret");
            assertThat(tokenStatus(id, before)).isEqualTo(200);
            // A planned rotation (keeping the current secret a while) and an incident one (ending it) at once: in
            // either order the secret current before them ends, as the incident rotation asked.
            var which = new java.util.concurrent.atomic.AtomicInteger();
            var statuses = dev.gatehouse.testkit.Race.run(2, () -> {
                var call = server.http.post(path).bearer(admin);
                if (which.getAndIncrement() == 0) call = call.json(map("previous_secret_expires_in", 3600));
                return call.send().status();
            });
            assertThat(statuses).containsOnly(200);
            assertThat(tokenStatus(id, before))
                    .as("round %d: the secret both rotations replaced", round)
                    .isEqualTo(401);
        }
    }

    @Test
    void whenPublicClientRegisters_thenItGetsNoSecret() {
        var created = server.http
                .post("/v1/admin/clients")
                .bearer(admin)
                .json(map("redirect_uris", List.of("http://127.0.0.1:9000/cb"), "token_endpoint_auth_method", "none"))
                .send();
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        assertThat(created.json().has("client_secret")).isFalse();
        var regen = server.http
                .post("/v1/admin/clients/" + created.text("client_id") + "/regenerate-secret")
                .bearer(admin)
                .send();
        assertThat(regen.status()).isEqualTo(422);
        // Nothing in the request is wrong: the client is of a kind that has no secret.
        assertThat(regen.text("code")).isEqualTo("client_has_no_secret");
        assertThat(regen.text("title")).isEqualTo("Client has no secret");
    }

    @Test
    void whenAnotherNodeMadeTheClientPublic_thenRegeneratingItsSecretIsRefusedFromTheRow() {
        var created = machineClient("Made public elsewhere");
        String id = created.text("client_id");
        // This node reads the client into its cache; another node then makes it public (no event reaches this one).
        assertThat(tokenStatus(id, created.text("client_secret"))).isEqualTo(200);
        assertThat(server.database.update(
                        "UPDATE oauth_clients SET metadata = REPLACE(metadata, '\"client_secret_basic\"', '\"none\"'),"
                                + " secret_hash = NULL WHERE client_id = ?",
                        id))
                .isEqualTo(1);

        var regen = server.http
                .post("/v1/admin/clients/" + id + "/regenerate-secret")
                .bearer(admin)
                .send();

        assertThat(regen.status()).as(regen.body()).isEqualTo(422);
        assertThat(regen.text("code")).isEqualTo("client_has_no_secret");
        assertThat(server.database.count(
                        "SELECT COUNT(*) FROM oauth_clients WHERE client_id = ? AND secret_hash IS NULL", id))
                .as("the public client got no secret")
                .isEqualTo(1);
    }

    @Test
    void whenListingAlgorithms_thenSigningAlgorithmsAndAuthMethodsAreShown() {
        var r = server.http
                .get("/v1/admin/clients/oidc/algorithms")
                .bearer(admin)
                .send();
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().path("id_token_signing_alg_values_supported").toString())
                .contains("RS256", "ES256");
        assertThat(r.json().path("token_endpoint_auth_methods_supported").toString())
                .contains("client_secret_basic", "client_secret_post", "none");
    }

    @Test
    void whenCallerIsNotAnAdministrator_thenEveryClientCallIsForbidden() {
        String user = server.register("ivan@example.com", "Correct-Horse-Battery-9");
        String token = server.accessToken(user, "Correct-Horse-Battery-9");
        assertThat(server.http.get("/v1/admin/clients").bearer(token).send().status())
                .isEqualTo(403);
        assertThat(server.http.get("/v1/admin/clients").send().status()).isEqualTo(401);
        assertThat(server.http
                        .delete("/v1/admin/clients/gc_x")
                        .bearer(token)
                        .send()
                        .status())
                .isEqualTo(403);
    }

    @Test
    void whenAdministratorReadsAndChangesOidcSettings_thenOnlyThoseChangeAndDefaultsShow() {
        var created = server.registerClientAs(
                admin,
                map(
                        "client_name",
                        "Portal",
                        "redirect_uris",
                        List.of("https://portal.example.com/cb"),
                        "grant_types",
                        List.of("authorization_code"),
                        "scope",
                        "openid email",
                        "access_token_signed_response_alg",
                        "RS256"));
        String id = created.text("client_id");

        var defaults = server.http
                .get("/v1/admin/clients/" + id + "/oidc")
                .bearer(admin)
                .send();
        assertThat(defaults.status()).as(defaults.body()).isEqualTo(200);
        assertThat(defaults.text("client_id")).isEqualTo(id);
        assertThat(defaults.text("id_token_signed_response_alg")).isEqualTo("RS256");
        assertThat(defaults.text("subject_type")).isEqualTo("public");
        assertThat(defaults.json().path("require_auth_time").asBoolean()).isFalse();
        assertThat(defaults.json().path("default_max_age").isNull()
                        || defaults.json().path("default_max_age").isMissingNode())
                .isTrue();
        assertThat(defaults.json().path("response_types").get(0).asText()).isEqualTo("code");
        assertThat(defaults.json().path("post_logout_redirect_uris")).isEmpty();

        var changed = server.http
                .put("/v1/admin/clients/" + id + "/oidc")
                .bearer(admin)
                .json(map(
                        "id_token_signed_response_alg",
                        "ES256",
                        "default_max_age",
                        600,
                        "post_logout_redirect_uris",
                        List.of("https://portal.example.com/bye"),
                        "backchannel_logout_uri",
                        "https://portal.example.com/logout",
                        "backchannel_logout_session_required",
                        true))
                .send();
        assertThat(changed.status()).as(changed.body()).isEqualTo(200);
        assertThat(changed.text("id_token_signed_response_alg")).isEqualTo("ES256");
        assertThat(changed.json().path("default_max_age").asInt()).isEqualTo(600);
        assertThat(changed.json().path("post_logout_redirect_uris").get(0).asText())
                .isEqualTo("https://portal.example.com/bye");
        assertThat(changed.text("backchannel_logout_uri")).isEqualTo("https://portal.example.com/logout");
        assertThat(changed.json().path("backchannel_logout_session_required").asBoolean())
                .isTrue();

        // The rest of the metadata is untouched.
        var whole = server.http.get("/v1/admin/clients/" + id).bearer(admin).send();
        assertThat(whole.text("client_name")).isEqualTo("Portal");
        assertThat(whole.text("access_token_signed_response_alg")).isEqualTo("RS256");
        assertThat(whole.json().path("redirect_uris").get(0).asText()).isEqualTo("https://portal.example.com/cb");
        assertThat(whole.text("id_token_signed_response_alg")).isEqualTo("ES256");

        // null restores the default
        var reset = server.http
                .put("/v1/admin/clients/" + id + "/oidc")
                .bearer(admin)
                .json("{\"id_token_signed_response_alg\":null,\"default_max_age\":null}")
                .send();
        assertThat(reset.status()).as(reset.body()).isEqualTo(200);
        assertThat(reset.text("id_token_signed_response_alg")).isEqualTo("RS256");
        assertThat(reset.json().path("default_max_age").isNull()
                        || reset.json().path("default_max_age").isMissingNode())
                .isTrue();
        assertThat(reset.text("backchannel_logout_uri")).isEqualTo("https://portal.example.com/logout");
    }

    @Test
    void whenOidcSettingsAreWrong_thenTheyAreRefusedAndNothingChanges() {
        var created = server.registerClientAs(
                admin,
                map(
                        "client_name",
                        "Strict",
                        "redirect_uris",
                        List.of("https://strict.example.com/cb"),
                        "grant_types",
                        List.of("authorization_code")));
        String id = created.text("client_id");
        String path = "/v1/admin/clients/" + id + "/oidc";
        for (var body : List.of(
                map("client_name", "not an OIDC setting"),
                map("id_token_signed_response_alg", "HS256"),
                map("subject_type", "pairwise"),
                map("default_max_age", -5),
                map("default_max_age", "soon"),
                map("backchannel_logout_uri", "not a uri"),
                map("post_logout_redirect_uris", "https://strict.example.com/bye"))) {
            var r = server.http.put(path).bearer(admin).json(body).send();
            assertThat(r.status()).as(body + " -> " + r.body()).isEqualTo(422);
            assertThat(r.header("Content-Type")).startsWith("application/problem+json");
        }
        assertThat(server.http.put(path).bearer(admin).json("{}").send().status())
                .isEqualTo(400);
        assertThat(server.http.put(path).bearer(admin).json("[1]").send().status())
                .isEqualTo(400);
        assertThat(server.http
                        .put("/v1/admin/clients/gc_nope/oidc")
                        .bearer(admin)
                        .json(map("default_max_age", 60))
                        .send()
                        .status())
                .isEqualTo(404);
        assertThat(server.http
                        .get("/v1/admin/clients/gc_nope/oidc")
                        .bearer(admin)
                        .send()
                        .status())
                .isEqualTo(404);

        var after = server.http.get(path).bearer(admin).send();
        assertThat(after.text("id_token_signed_response_alg")).isEqualTo("RS256");
        assertThat(after.text("subject_type")).isEqualTo("public");

        String user = server.register("oidc-settings@example.com", "Correct-Horse-Battery-9");
        String token = server.accessToken(user, "Correct-Horse-Battery-9");
        assertThat(server.http.get(path).bearer(token).send().status()).isEqualTo(403);
        assertThat(server.http
                        .put(path)
                        .bearer(token)
                        .json(map("default_max_age", 60))
                        .send()
                        .status())
                .isEqualTo(403);
    }

    @Test
    void whenAClientRegistersSettingsGatehouseCannotHonour_thenRegistrationIsRefused() {
        for (var extra : List.of(
                map("subject_type", "pairwise"),
                map("userinfo_signed_response_alg", "RS256"),
                map("id_token_encrypted_response_alg", "RSA-OAEP-256"),
                map("userinfo_encrypted_response_alg", "RSA-OAEP-256"))) {
            var body = new java.util.LinkedHashMap<String, Object>(map(
                    "client_name",
                    "Asks too much",
                    "redirect_uris",
                    List.of("https://much.example.com/cb"),
                    "grant_types",
                    List.of("authorization_code")));
            body.putAll(extra);
            var admin422 = server.http
                    .post("/v1/admin/clients")
                    .bearer(admin)
                    .json(body)
                    .send();
            assertThat(admin422.status()).as(extra + " -> " + admin422.body()).isEqualTo(422);
            var dynamic = server.http
                    .post("/oauth2/register")
                    .bearer(admin)
                    .json(body)
                    .send();
            assertThat(dynamic.status()).as(extra + " -> " + dynamic.body()).isEqualTo(400);
            assertThat(dynamic.text("error")).isEqualTo("invalid_client_metadata");
        }
    }

    /** RFC 7591 §2 on the administrators' API too: members nobody here understands are dropped, not stored. */
    @Test
    void whenAnAdministratorSendsMembersGatehouseDoesNotKnow_thenCreateAndUpdateDropThem() {
        var created = server.http
                .post("/v1/admin/clients")
                .bearer(admin)
                .json(map(
                        "client_name",
                        "Extended",
                        "grant_types",
                        List.of("client_credentials"),
                        "x_ext",
                        map("a", 1),
                        "token_exchange_impersonation",
                        true))
                .send();
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        assertThat(created.body()).doesNotContain("x_ext");
        assertThat(created.json().path("token_exchange_impersonation").asBoolean())
                .isTrue();
        String id = created.text("client_id");

        var updated = server.http
                .put("/v1/admin/clients/" + id)
                .bearer(admin)
                .json(map(
                        "client_name",
                        "Extended 2",
                        "grant_types",
                        List.of("client_credentials"),
                        "require_signed_request_object",
                        true))
                .send();
        assertThat(updated.status()).as(updated.body()).isEqualTo(200);
        assertThat(updated.body()).doesNotContain("require_signed_request_object");
        assertThat(server.http
                        .get("/v1/admin/clients/" + id)
                        .bearer(admin)
                        .send()
                        .body())
                .doesNotContain("x_ext", "require_signed_request_object");
    }

    @Test
    void whenAnAdministratorSendsResponseOnlyFields_thenCreateAndUpdateIgnoreThem() {
        var created = server.http
                .post("/v1/admin/clients")
                .bearer(admin)
                .json(map(
                        "client_name",
                        "Chooser",
                        "grant_types",
                        List.of("client_credentials"),
                        "client_id",
                        "x",
                        "client_secret",
                        "chosen",
                        "client_id_issued_at",
                        1,
                        "client_secret_expires_at",
                        1))
                .send();
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        String id = created.text("client_id");
        assertThat(id).startsWith("gc_");
        assertThat(created.text("client_secret")).startsWith("gcs_");
        assertThat(created.json().path("client_secret_expires_at").asInt()).isZero();
        assertThat(created.json().path("client_id_issued_at").asLong()).isGreaterThan(1);

        var one = server.http.get("/v1/admin/clients/" + id).bearer(admin).send();
        assertThat(one.text("client_id")).isEqualTo(id);
        assertThat(one.body()).doesNotContain("chosen", "\"client_secret\"", "client_secret_expires_at");

        var updated = server.http
                .put("/v1/admin/clients/" + id)
                .bearer(admin)
                .json(map(
                        "client_name", "Chooser 2",
                        "grant_types", List.of("client_credentials"),
                        "client_id", "y",
                        "client_secret", "chosen2",
                        "registration_access_token", "grt_chosen",
                        "registration_client_uri", "https://evil.example/"))
                .send();
        assertThat(updated.status()).as(updated.body()).isEqualTo(200);
        assertThat(updated.text("client_id")).isEqualTo(id);
        var after = server.http.get("/v1/admin/clients/" + id).bearer(admin).send();
        assertThat(after.text("client_id")).isEqualTo(id);
        assertThat(after.text("client_name")).isEqualTo("Chooser 2");
        assertThat(after.body())
                .doesNotContain("chosen", "\"client_secret\"", "registration_access_token", "evil.example");
        assertThat(server.http
                        .get("/v1/admin/clients?limit=100")
                        .bearer(admin)
                        .send()
                        .body())
                .doesNotContain("chosen");
    }
}
