package dev.gatehouse.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.testkit.ServerTest;
import dev.gatehouse.testkit.TestServer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** /openapi.json describes what the server really serves; /docs renders it from local assets. */
@ServerTest
class OpenApiTest {
    /** The /v1 endpoints of issue 2 (seed 004 and password-status), independent of how routes are declared. */
    private static final Set<String> ISSUE_2_V1 = Set.of(
            "POST /v1/auth/register",
            "POST /v1/auth/login",
            "POST /v1/auth/refresh",
            "POST /v1/auth/logout",
            "GET /v1/auth/me",
            "GET /v1/auth/settings",
            "POST /v1/auth/send-verification",
            "POST /v1/auth/verify-email",
            "POST /v1/auth/forgot-password",
            "POST /v1/auth/reset-password",
            "POST /v1/auth/change-password",
            "GET /v1/auth/password-status",
            "POST /v1/auth/magic-link/send",
            "POST /v1/auth/magic-link/verify",
            "POST /v1/auth/revoke-all-sessions",
            "GET /v1/sessions",
            "GET /v1/sessions/history",
            "DELETE /v1/sessions/{id}",
            "GET /v1/audit/logs",
            "POST /v1/admin/keys/rotate");

    /** POST endpoints that read a JSON body; each must document it. */
    private static final Set<String> POSTS_WITH_BODY = Set.of(
            "/v1/auth/register",
            "/v1/auth/login",
            "/v1/auth/refresh",
            "/v1/auth/verify-email",
            "/v1/auth/forgot-password",
            "/v1/auth/reset-password",
            "/v1/auth/change-password",
            "/v1/auth/magic-link/send",
            "/v1/auth/magic-link/verify",
            "/v1/admin/keys/rotate");

    static TestServer server;
    static JsonNode doc;

    @BeforeAll
    static void start() {
        server = TestServer.start();
        var r = server.http.get("/openapi.json").send();
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("Content-Type")).startsWith("application/json");
        doc = r.json();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void whenFetched_thenItIsAnOpenApi31Document() {
        assertThat(doc.path("openapi").asText()).isEqualTo("3.1.0");
        assertThat(doc.path("info").path("title").asText()).isNotBlank();
        assertThat(doc.path("info").path("version").asText()).isNotBlank();
        assertThat(doc.path("servers").get(0).path("url").asText()).isEqualTo(server.base);
        assertThat(doc.path("components").path("securitySchemes").has("bearer")).isTrue();
    }

    @Test
    void whenComparedWithTheRunningServer_thenEveryV1RouteIsDocumentedAndNothingElse() {
        Set<String> served = new TreeSet<>();
        for (String route : server.app.routes()) if (route.split(" ", -1)[1].startsWith("/v1/")) served.add(route);
        Set<String> documented = new TreeSet<>();
        doc.path("paths").properties().forEach(p -> {
            if (p.getKey().startsWith("/v1/"))
                p.getValue()
                        .fieldNames()
                        .forEachRemaining(m -> documented.add(m.toUpperCase(Locale.ROOT) + " " + p.getKey()));
        });

        assertThat(served).containsAll(ISSUE_2_V1);
        assertThat(documented).isEqualTo(served);
    }

    @Test
    void whenAPostTakesABody_thenItsRequestBodySchemaIsAnObjectWithProperties() {
        for (String path : POSTS_WITH_BODY) {
            JsonNode schema =
                    doc.at(pointer("/paths", path, "post", "requestBody", "content", "application/json", "schema"));
            assertThat(schema.isMissingNode())
                    .as("request body of POST " + path)
                    .isFalse();
            JsonNode resolved = resolve(schema);
            assertThat(resolved.path("type").asText()).as(path).isEqualTo("object");
            assertThat(resolved.path("properties").size()).as(path).isPositive();
        }
        JsonNode login = resolve(doc.at(
                pointer("/paths", "/v1/auth/login", "post", "requestBody", "content", "application/json", "schema")));
        assertThat(login.path("properties").has("email")).isTrue();
        assertThat(login.path("properties").has("password")).isTrue();
    }

    @Test
    void whenAV1OperationSucceedsWithABody_thenTheResponseSchemaIsDocumented() {
        var missing = new ArrayList<String>();
        doc.path("paths").properties().forEach(p -> {
            if (!p.getKey().startsWith("/v1/")) return;
            p.getValue().properties().forEach(op -> {
                boolean hasSuccess = false;
                for (String status : List.of("200", "201", "202")) {
                    JsonNode response = op.getValue().path("responses").path(status);
                    if (response.isMissingNode()) continue;
                    hasSuccess = true;
                    JsonNode schema = response.at("/content/application~1json/schema");
                    if (schema.isMissingNode()
                            || resolve(schema).path("properties").isEmpty())
                        missing.add(op.getKey() + " " + p.getKey() + " " + status);
                }
                if (!hasSuccess && op.getValue().path("responses").path("204").isMissingNode())
                    missing.add(op.getKey() + " " + p.getKey() + " (no success response)");
            });
        });
        assertThat(missing).isEmpty();
    }

    @Test
    void whenTheLoginResponseIsDocumented_thenItHasTheSeedShape() {
        JsonNode body = resolve(doc.at(pointer(
                "/paths", "/v1/auth/login", "post", "responses", "200", "content", "application/json", "schema")));
        assertThat(body.path("properties").has("user")).isTrue();
        assertThat(body.path("properties").has("device_id")).isTrue();
        JsonNode tokens = resolve(body.path("properties").path("tokens"));
        assertThat(iterable(tokens.path("properties").fieldNames()))
                .contains("access_token", "refresh_token", "token_type", "expires_in");
    }

    @Test
    void whenAnOperationNeedsAToken_thenItDeclaresSecurityAnd401() {
        JsonNode me = doc.at(pointer("/paths", "/v1/auth/me", "get"));
        assertThat(me.path("security").isArray()).isTrue();
        assertThat(me.path("responses").has("401")).isTrue();
        JsonNode audit = doc.at(pointer("/paths", "/v1/audit/logs", "get"));
        assertThat(audit.path("responses").has("403")).isTrue();
    }

    @Test
    void whenAnOperationFails_thenItsErrorsAreDescribedInItsSurfacesFormat() {
        // RFC 6749 errors on the OAuth endpoints, a page for a browser on the hosted pages, problems elsewhere.
        JsonNode token = doc.at(pointer("/paths", "/oauth2/token", "post", "responses"));
        assertThat(token.size()).isPositive();
        token.properties().forEach(r -> {
            if (Integer.parseInt(r.getKey()) >= 400)
                assertThat(r.getValue()
                                .at("/content/application~1json/schema/$ref")
                                .asText())
                        .as("/oauth2/token " + r.getKey())
                        .isEqualTo("#/components/schemas/OAuthError");
        });
        JsonNode form = doc.at(pointer(
                "/paths", "/oauth2/token", "post", "requestBody", "content", "application/x-www-form-urlencoded"));
        assertThat(doc.at(form.path("schema").path("$ref").asText().substring(1) + "/properties")
                        .has("grant_type"))
                .isTrue();
        String answer = doc.at(pointer("/paths", "/oauth2/token", "post", "responses", "200"))
                .at("/content/application~1json/schema/$ref")
                .asText();
        assertThat(doc.at(answer.substring(1) + "/properties").has("access_token"))
                .isTrue();
        assertThat(doc.at(pointer("/paths", "/oauth2/register/{client_id}", "get", "responses", "401"))
                        .at("/content/application~1json/schema/$ref")
                        .asText())
                .isEqualTo("#/components/schemas/OAuthError");
        assertThat(doc.at(pointer("/paths", "/login", "post", "responses", "400", "content"))
                        .has("text/html"))
                .isTrue();
        // A page's script endpoint answers JSON, and so do its refusals.
        assertThat(doc.at(pointer("/paths", "/login/passkey/options", "post", "responses", "403", "content"))
                        .has("application/problem+json"))
                .isTrue();
        JsonNode login = doc.at(pointer("/paths", "/v1/auth/login", "post", "responses"));
        assertThat(login.has("400")).as("malformed_json").isTrue();
        assertThat(login.has("415")).isTrue();
        assertThat(login.at("/400/content").has("application/problem+json")).isTrue();
    }

    @Test
    void whenAnyReferenceIsFollowed_thenItResolves() {
        var refs = new ArrayList<String>();
        collectRefs(doc, refs);
        assertThat(refs).isNotEmpty();
        for (String ref : refs) {
            assertThat(ref).startsWith("#/");
            assertThat(doc.at(ref.substring(1)).isMissingNode()).as(ref).isFalse();
        }
    }

    @Test
    void whenDocsIsOpened_thenTheHtmlAndEveryAssetItLoadsAnswer200WithTheirContentType() {
        var page = server.http.get("/docs").send();
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.header("Content-Type")).startsWith("text/html");
        assertThat(page.header("Content-Security-Policy")).contains("default-src 'self'");

        var assets = new ArrayList<String>();
        var m = Pattern.compile("(?:src|href)=\"([^\"]+)\"").matcher(page.body());
        while (m.find()) assets.add(m.group(1));
        assertThat(assets).anyMatch(a -> a.endsWith(".css")).anyMatch(a -> a.endsWith(".js"));
        for (String asset : assets) {
            assertThat(asset).as("served locally, no CDN").startsWith("/");
            var r = server.http.get(asset).send();
            assertThat(r.status()).as(asset).isEqualTo(200);
            assertThat(r.body()).as(asset).isNotEmpty();
            String expected = asset.endsWith(".css") ? "text/css" : "text/javascript";
            assertThat(r.header("Content-Type")).as(asset).startsWith(expected);
        }
        String init = server.http.get("/docs/init.js").send().body();
        assertThat(init).contains("/openapi.json");
        assertThat(server.http.get("/docs/assets/../../openapi.json").send().status())
                .isNotEqualTo(500);
        assertThat(server.http.get("/docs/assets/index.html").send().status()).isEqualTo(404);
    }

    private static JsonNode resolve(JsonNode schema) {
        String ref = schema.path("$ref").asText(null);
        return ref == null ? schema : doc.at(ref.substring(1));
    }

    private static void collectRefs(JsonNode node, List<String> into) {
        if (node.isObject()) {
            node.properties().forEach(f -> {
                if (f.getKey().equals("$ref")) into.add(f.getValue().asText());
                else collectRefs(f.getValue(), into);
            });
        } else if (node.isArray()) {
            node.forEach(n -> collectRefs(n, into));
        }
    }

    /** A JSON pointer from segments, escaping '/' and '~' (RFC 6901). */
    private static String pointer(String first, String... segments) {
        var sb = new StringBuilder(first);
        for (String s : segments) sb.append('/').append(s.replace("~", "~0").replace("/", "~1"));
        return sb.toString();
    }

    private static <T> List<T> iterable(java.util.Iterator<T> it) {
        var list = new ArrayList<T>();
        it.forEachRemaining(list::add);
        return list;
    }
}
