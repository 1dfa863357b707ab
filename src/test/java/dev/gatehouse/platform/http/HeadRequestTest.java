package dev.gatehouse.platform.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.testkit.RawHttp;
import dev.gatehouse.testkit.ServerTest;
import dev.gatehouse.testkit.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * HEAD on the routes Javalin answers (RFC 9110 §9.3.2): the status and headers of the GET, its Content-Length
 * (§8.6), and no content. Javalin alone answered 200 with {@code Content-Length: 0} without running the route, so a
 * protected or missing resource looked present.
 */
@ServerTest
class HeadRequestTest {
    static TestServer server;
    static RawHttp raw;
    static String admin;

    @BeforeAll
    static void start() {
        server = TestServer.start();
        raw = new RawHttp(server.base);
        admin = server.adminToken();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static RawHttp.Response send(String method, String path, String... headers) {
        var r = RawHttp.request(method, path);
        for (int i = 0; i < headers.length; i += 2) r.header(headers[i], headers[i + 1]);
        return raw.send(r);
    }

    private static void assertHeadIsTheGetWithoutContent(String path, String... headers) {
        var get = send("GET", path, headers);
        var head = send("HEAD", path, headers);

        assertThat(head.status()).as(path).isEqualTo(get.status());
        assertThat(head.bytes()).isEmpty();
        var getHeaders = get.comparableHeaders();
        var headHeaders = head.comparableHeaders();
        // A page's CSP nonce and CSRF cookie are new on every answer.
        for (var name : new String[] {"Content-Security-Policy", "Set-Cookie"}) {
            assertThat(headHeaders.containsKey(name)).isEqualTo(getHeaders.containsKey(name));
            getHeaders.remove(name);
            headHeaders.remove(name);
        }
        // The GET may stream a long answer without a length; the HEAD always states the GET's (§8.6 allows it).
        getHeaders.remove("Content-Length");
        headHeaders.remove("Content-Length");
        assertThat(headHeaders).as(path).isEqualTo(getHeaders);
        assertThat(head.header("Content-Length")).isEqualTo(Integer.toString(get.bytes().length));
    }

    @ParameterizedTest
    @ValueSource(strings = {"/health", "/health/live", "/openapi.json", "/login", "/v1/admin/clients/gc_nope"})
    void whenAGetRouteIsAskedWithHead_thenItAnswersAsTheGetWithoutContent(String path) {
        assertHeadIsTheGetWithoutContent(path, "Authorization", "Bearer " + admin);
    }

    @Test
    void whenTheResourceIsProtected_thenHeadIsRefusedAsGetIs() {
        var head = send("HEAD", "/v1/admin/clients");
        assertThat(head.status()).isEqualTo(401);
        assertThat(head.header("WWW-Authenticate")).startsWith("Bearer");
        assertThat(head.bytes()).isEmpty();
        assertHeadIsTheGetWithoutContent("/v1/admin/clients");

        String user = server.register("head@example.com", "Correct-Horse-Battery-9");
        String token = server.accessToken(user, "Correct-Horse-Battery-9");
        assertThat(send("HEAD", "/v1/admin/clients", "Authorization", "Bearer " + token)
                        .status())
                .isEqualTo(403);
    }

    @Test
    void whenAHeadIsServed_thenTheAccessLogSaysHead() {
        try (var logs = new dev.gatehouse.testkit.LogCapture("gatehouse.access")) {
            send("HEAD", "/health", "X-Request-Id", "head-log-1");
            var line = logs.await(e -> "head-log-1".equals(e.getMDCPropertyMap().get("request_id")));
            assertThat(line)
                    .singleElement()
                    .satisfies(e -> assertThat(e.getFormattedMessage()).startsWith("HEAD /health 200 "));
        }
    }

    @Test
    void whenTheResourceDoesNotExist_thenHeadIs404() {
        assertThat(send("HEAD", "/v1/admin/clients/gc_nope", "Authorization", "Bearer " + admin)
                        .status())
                .isEqualTo(404);
        assertThat(send("HEAD", "/no/such/path").status()).isEqualTo(404);
    }

    @Test
    void whenHeadIsServedOnAKeptAliveConnection_thenTheNextAnswerIsIntact() throws Exception {
        var client = java.net.http.HttpClient.newBuilder()
                .version(java.net.http.HttpClient.Version.HTTP_1_1)
                .build();
        for (int i = 0; i < 3; i++) {
            var head = client.send(
                    java.net.http.HttpRequest.newBuilder(java.net.URI.create(server.base + "/health"))
                            .method("HEAD", java.net.http.HttpRequest.BodyPublishers.noBody())
                            .build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(head.statusCode()).isEqualTo(200);
            assertThat(head.body()).isEmpty();
            var get = client.send(
                    java.net.http.HttpRequest.newBuilder(java.net.URI.create(server.base + "/health"))
                            .build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(get.statusCode()).isEqualTo(200);
            assertThat(get.body()).startsWith("{").contains("status");
        }
    }
}
