package dev.gatehouse.platform.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.testkit.LogCapture;
import dev.gatehouse.testkit.Prometheus;
import dev.gatehouse.testkit.RawHttp;
import dev.gatehouse.testkit.ServerTest;
import dev.gatehouse.testkit.TestServer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The discovery documents and the JWK Set are answered by the fast path ({@link DocumentRoute}) for a plain GET or
 * HEAD, and by their Javalin route otherwise (here: the same path with a trailing slash, which only the route
 * matches). Both must give the same answer, with the request id, security headers, metrics and access log every
 * request gets.
 */
@ServerTest
class PublicDocumentsTest {
    static TestServer server;
    static RawHttp raw;

    @BeforeAll
    static void start() {
        server = TestServer.start();
        raw = new RawHttp(server.base);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static RawHttp.Response get(String path, String... headers) {
        var r = RawHttp.request("GET", path);
        for (int i = 0; i < headers.length; i += 2) r.header(headers[i], headers[i + 1]);
        return raw.send(r);
    }

    private static byte[] gunzip(byte[] bytes) throws IOException {
        try (var in = new GZIPInputStream(new ByteArrayInputStream(bytes))) {
            return in.readAllBytes();
        }
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "/.well-known/jwks.json",
                "/.well-known/openid-configuration",
                "/.well-known/oauth-authorization-server"
            })
    void whenADocumentIsFetched_thenTheFastPathAndTheRouteAnswerAlike(String path) throws IOException {
        var fast = get(path, "X-Request-Id", "doc-1");
        var route = get(path + "/", "X-Request-Id", "doc-2");

        assertThat(fast.status()).isEqualTo(200);
        assertThat(route.status()).isEqualTo(200);
        assertThat(fast.comparableHeaders()).isEqualTo(route.comparableHeaders());
        assertThat(fast.bytes()).isEqualTo(route.bytes());
        assertThat(fast.header("X-Request-Id")).isEqualTo("doc-1");
        assertThat(route.header("X-Request-Id")).isEqualTo("doc-2");
        assertThat(fast.header("Cache-Control")).isEqualTo("public, max-age=300");
        assertThat(fast.header("Access-Control-Allow-Origin")).isEqualTo("*");
        assertThat(fast.header("X-Content-Type-Options")).isEqualTo("nosniff");
        assertThat(fast.header("Content-Security-Policy")).isEqualTo("default-src 'none'; frame-ancestors 'none'");
        assertThat(fast.header("Content-Length")).isEqualTo(Integer.toString(fast.bytes().length));
        assertThat(server.http.get(path).send().json().isObject()).isTrue();

        // gzip when asked for and worth it (the discovery documents), the same on both paths
        var fastGzip = get(path, "Accept-Encoding", "br, gzip;q=0.8");
        var routeGzip = get(path + "/", "Accept-Encoding", "br, gzip;q=0.8");
        assertThat(fastGzip.comparableHeaders()).isEqualTo(routeGzip.comparableHeaders());
        assertThat(fastGzip.bytes()).isEqualTo(routeGzip.bytes());
        if (fast.bytes().length >= PublicDocument.GZIP_MIN_BYTES) {
            assertThat(fastGzip.header("Content-Encoding")).isEqualTo("gzip");
            assertThat(fastGzip.header("Vary")).isEqualTo("Accept-Encoding");
            assertThat(fast.header("Vary")).isEqualTo("Accept-Encoding");
            assertThat(gunzip(fastGzip.bytes())).isEqualTo(fast.bytes());
            // refused with a zero weight: plain
            assertThat(get(path, "Accept-Encoding", "gzip;q=0, identity").header("Content-Encoding"))
                    .isNull();
        } else {
            assertThat(fastGzip.header("Content-Encoding")).isNull();
            assertThat(fastGzip.bytes()).isEqualTo(fast.bytes());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"/.well-known/jwks.json", "/.well-known/openid-configuration"})
    void whenADocumentIsAskedForWithHead_thenTheHeadersOfAGetComeWithoutABody(String path) {
        var get = get(path);
        var head = raw.send(RawHttp.request("HEAD", path));

        assertThat(head.status()).isEqualTo(200);
        assertThat(head.bytes()).isEmpty();
        assertThat(head.comparableHeaders()).isEqualTo(get.comparableHeaders());
        assertThat(head.header("Content-Length")).isEqualTo(Integer.toString(get.bytes().length));
    }

    @ParameterizedTest
    @ValueSource(strings = {"POST", "PUT", "DELETE"})
    void whenADocumentPathGetsAnotherMethod_thenTheRouteAnswers405(String method) {
        var r = raw.send(RawHttp.request(method, "/.well-known/jwks.json"));

        assertThat(r.status()).isEqualTo(405);
        assertThat(r.header("Content-Type")).startsWith("application/problem+json");
        assertThat(r.header("X-Request-Id")).isNotNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"/.well-known/jwks.json?x=1", "/.well-known/openid-configuration?ui_locales=de"})
    void whenADocumentIsFetchedWithAQuery_thenItIsTheSameDocument(String target) {
        String path = target.substring(0, target.indexOf('?'));

        assertThat(get(target).bytes()).isEqualTo(get(path).bytes());
    }

    @ParameterizedTest
    @ValueSource(strings = {"/.well-known/jwks.json", "/.well-known/openid-configuration"})
    void whenADocumentIsServed_thenItIsTimedByRoute_andLoggedWhenTheAccessLogIsOn(String path) {
        var labels = Map.of("route", path, "method", "GET", "status", "200");
        double before = Prometheus.parse(server.http.get("/metrics").send().body())
                .value("http_server_requests_seconds_count", labels)
                .orElse(0);

        try (var logs = new LogCapture("gatehouse.access")) {
            get(path, "X-Request-Id", "doc-log-" + path.length());
            var line = logs.await(e ->
                    ("doc-log-" + path.length()).equals(e.getMDCPropertyMap().get("request_id")));
            assertThat(line)
                    .singleElement()
                    .satisfies(e -> assertThat(e.getFormattedMessage())
                            .startsWith("GET " + path + " 200 ")
                            .contains("ip=127.0.0.1"));
        }

        // timed when the answer has been written, which may be just after the client read it
        long deadline = System.nanoTime() + 5_000_000_000L;
        double after;
        do {
            after = Prometheus.parse(server.http.get("/metrics").send().body())
                    .value("http_server_requests_seconds_count", labels)
                    .orElse(0);
        } while (after < before + 1 && System.nanoTime() < deadline);
        assertThat(after).isEqualTo(before + 1);
    }

    @org.junit.jupiter.api.Test
    void whenTheAccessLogIsOff_thenTheFastPathLogsNothing() {
        try (var logs = new LogCapture()) {
            get("/.well-known/jwks.json", "X-Request-Id", "doc-quiet");
            server.http.get("/health/live").send();
            assertThat(logs.events(e -> e.getLoggerName().equals("gatehouse.access")))
                    .isEmpty();
        }
    }
}
