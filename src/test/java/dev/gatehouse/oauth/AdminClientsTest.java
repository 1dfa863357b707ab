package dev.gatehouse.oauth;

import static dev.gatehouse.testkit.HttpJson.map;
import static org.assertj.core.api.Assertions.assertThat;

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
}
