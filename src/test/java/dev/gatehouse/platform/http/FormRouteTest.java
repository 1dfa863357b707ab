package dev.gatehouse.platform.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.testkit.RawHttp;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link FormRoute} on a bare Jetty server: it answers a form POST to its endpoint's exact path itself, and passes
 * everything else on untouched (here to a handler that answers 599, standing in for Javalin).
 */
class FormRouteTest {
    static Server server;
    static RawHttp raw;
    static final List<String> finished = new ArrayList<>();

    /**
     * Echoes the method, the form and the caller's facts; a field named "fail" throws, one named "bad" is an error
     * answer, one named "twice" sends a header twice.
     */
    static final FormEndpoint ECHO = new FormEndpoint() {
        @Override
        public FormAnswer handle(FormCall call) {
            if (call.form().containsKey("fail")) throw new IllegalStateException("boom");
            if (call.form().containsKey("bad")) return new FormAnswer(400, Map.of("X-Why", "bad"), Map.of("e", "bad"));
            if (call.form().containsKey("twice"))
                return new FormAnswer(200, Map.of("X-Twice", "first"), Map.of()).withAnother("X-Twice", "second");
            return new FormAnswer(
                    200,
                    Map.of("X-Echo", "1"),
                    Map.of(
                            "method", call.method(),
                            "form", call.form(),
                            "ua", call.info().userAgent(),
                            "device", call.info().deviceId().orElse("-"),
                            "request_id", call.info().requestId(),
                            "x", call.headers().all("X-Multi")));
        }

        @Override
        public FormAnswer malformed(String reason) {
            return new FormAnswer(400, Map.of(), Map.of("malformed", reason));
        }
    };

    @BeforeAll
    static void start() throws Exception {
        server = new Server();
        var connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        FastPath.Served served = new FastPath.Served() {
            @Override
            public void started() {}

            @Override
            public void finished(String route, String method, int status, long nanos, String ip, String requestId) {
                synchronized (finished) {
                    finished.add(route + " " + method + " " + status + " " + requestId);
                }
            }
        };
        var formats = new ProblemFormats("http://issuer.example");
        formats.register("/own", p -> new FormAnswer(p.status(), Map.of("X-Own", "1"), Map.of("own", p.detail())));
        var fast = new FastPath(
                List.of(new FormRoute(
                        Map.of("/echo", ECHO, "/own/echo", ECHO),
                        Map.of("/read", ECHO),
                        false,
                        served,
                        Json.newMapper(),
                        formats)),
                ClientAddress.trusting(List.of()));
        fast.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                response.setStatus(599);
                callback.succeeded();
                return true;
            }
        });
        server.setHandler(fast);
        server.start();
        raw = new RawHttp("http://127.0.0.1:" + connector.getLocalPort());
    }

    @AfterAll
    static void stop() throws Exception {
        server.stop();
    }

    private static RawHttp.Response post(String path, String contentType, String body, String... headers) {
        var r = RawHttp.request("POST", path).body(body.getBytes(StandardCharsets.UTF_8));
        if (contentType != null) r.header("Content-Type", contentType);
        for (int i = 0; i < headers.length; i += 2) r.header(headers[i], headers[i + 1]);
        return raw.send(r);
    }

    @Test
    void whenAFormIsPostedToTheExactPath_thenTheRouteAnswersIt_withTheFieldsInOrderAndTheCallersFacts() {
        var r = post(
                "/echo",
                "application/x-www-form-urlencoded; charset=UTF-8",
                "b=2&a=1&a=%C3%A9+x&empty=",
                "User-Agent",
                "tester",
                "Cookie",
                "gh_device=device-12345",
                "X-Multi",
                "one",
                "X-Multi",
                "two",
                "X-Request-Id",
                "form-route-1");

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("Content-Type")).isEqualTo("application/json");
        assertThat(r.header("X-Echo")).isEqualTo("1");
        assertThat(r.header("X-Request-Id")).isEqualTo("form-route-1");
        assertThat(r.header("Cache-Control")).isEqualTo("no-store");
        assertThat(r.header("X-Content-Type-Options")).isEqualTo("nosniff");
        assertThat(r.body())
                .contains("\"form\":{\"b\":[\"2\"],\"a\":[\"1\",\"é x\"],\"empty\":[\"\"]}")
                .contains("\"ua\":\"tester\"")
                .contains("\"device\":\"device-12345\"")
                .contains("\"request_id\":\"form-route-1\"")
                .contains("\"x\":[\"one\",\"two\"]");
        // reported once the answer has been written, which may be just after the client read it
        assertThat(awaitFinished("/echo POST 200 form-route-1")).isTrue();
    }

    private static boolean awaitFinished(String entry) {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (System.nanoTime() < deadline) {
            synchronized (finished) {
                if (finished.contains(entry)) return true;
            }
            Thread.onSpinWait();
        }
        return false;
    }

    @Test
    void whenTheEndpointAnswersAnErrorOrTheBodyIsBroken_thenThoseAreTheAnswers() {
        var bad = post("/echo", "application/x-www-form-urlencoded", "bad=1");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.header("X-Why")).isEqualTo("bad");

        var broken = post("/echo", "application/x-www-form-urlencoded", "a=%zz");
        assertThat(broken.status()).isEqualTo(400);
        assertThat(broken.body()).contains("\"malformed\":\"" + FormEndpoint.MALFORMED + "\"");
    }

    @Test
    void whenTheEndpointThrows_thenA500ProblemQuotesTheRequestId_andTellsNothingMore() {
        var r = post("/echo", "application/x-www-form-urlencoded", "fail=1", "X-Request-Id", "form-route-500");

        assertThat(r.status()).isEqualTo(500);
        assertThat(r.header("Content-Type")).isEqualTo("application/problem+json");
        assertThat(r.body()).contains("form-route-500").doesNotContain("boom").doesNotContain("IllegalState");
    }

    @Test
    void whenAReadEndpointIsGot_thenTheRouteAnswersIt_withTheQueryAsTheForm() {
        var r = raw.send(RawHttp.request("GET", "/read?b=2&a=%C3%A9")
                .header("X-Request-Id", "form-route-read")
                .header("X-Multi", "one"));

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("X-Echo")).isEqualTo("1");
        assertThat(r.header("X-Request-Id")).isEqualTo("form-route-read");
        assertThat(r.body())
                .contains("\"method\":\"GET\"")
                .contains("\"form\":{\"b\":[\"2\"],\"a\":[\"é\"]}")
                .contains("\"x\":[\"one\"]");
        assertThat(awaitFinished("/read GET 200 form-route-read")).isTrue();
        // a read endpoint takes no POST here, and a form endpoint no GET: both go on
        assertThat(post("/read", "application/x-www-form-urlencoded", "a=1").status())
                .isEqualTo(599);
        assertThat(raw.send(RawHttp.request("GET", "/echo?a=1")).status()).isEqualTo(599);
    }

    @Test
    void whenAnAnswerRepeatsAHeader_thenEachFieldGoesOut() {
        var r = post("/echo", "application/x-www-form-urlencoded", "twice=1");

        assertThat(r.headers().get("x-twice")).containsExactly("first", "second");
    }

    @Test
    void whenTheEndpointThrowsBelowAPathWithItsOwnErrorFormat_thenThe500IsInThatFormat() {
        var r = post("/own/echo", "application/x-www-form-urlencoded", "fail=1", "X-Request-Id", "form-route-own");

        assertThat(r.status()).isEqualTo(500);
        assertThat(r.header("Content-Type")).isEqualTo("application/json");
        assertThat(r.header("X-Own")).isEqualTo("1");
        assertThat(r.body()).startsWith("{\"own\":").contains("form-route-own").doesNotContain("boom");
        // the endpoint's own error answers are its own, whatever the format of its path
        assertThat(post("/own/echo", "application/x-www-form-urlencoded", "bad=1")
                        .body())
                .isEqualTo("{\"e\":\"bad\"}");
    }

    @Test
    void whenTheRequestIsAnythingElse_thenItGoesOnUntouched() {
        assertThat(raw.send(RawHttp.request("GET", "/echo")).status()).isEqualTo(599);
        assertThat(post("/echo/", "application/x-www-form-urlencoded", "a=1").status())
                .isEqualTo(599);
        assertThat(post("/other", "application/x-www-form-urlencoded", "a=1").status())
                .isEqualTo(599);
        assertThat(post("/echo", "application/json", "{}").status()).isEqualTo(599);
        assertThat(post("/echo", null, "a=1").status()).isEqualTo(599);
        var tooBig = RawHttp.request("POST", "/echo")
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body(new byte[(int) HttpServer.MAX_BODY_BYTES + 1]);
        assertThat(raw.send(tooBig).status()).isEqualTo(599);
    }
}
