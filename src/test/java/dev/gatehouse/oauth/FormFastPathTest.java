package dev.gatehouse.oauth;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.testkit.LogCapture;
import dev.gatehouse.testkit.Prometheus;
import dev.gatehouse.testkit.RawHttp;
import dev.gatehouse.testkit.ServerTest;
import dev.gatehouse.testkit.TestServer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The token, introspection and revocation endpoints are answered by the server's fast path (ADR 0016) for a form
 * POST to their exact path, and by their Javalin route otherwise (here: the same path with a trailing slash, which
 * only the route matches). Both must give the same answers, with the request id, security headers, metrics and
 * access log every request gets.
 */
@ServerTest
class FormFastPathTest {
    private static final String FORM = "application/x-www-form-urlencoded";
    private static final ObjectMapper JSON = new ObjectMapper();
    static TestServer server;
    static RawHttp raw;
    static String clientId;
    static String basic;

    @BeforeAll
    static void start() {
        server = TestServer.start();
        server.createScopes("reports:read");
        raw = new RawHttp(server.base);
        var client = register("reports:read");
        clientId = client[0];
        basic = basic(client[0], client[1]);
    }

    /** A client_credentials client with {@code scope}: its id and secret. */
    private static String[] register(String scope) {
        var r = server.registerClient(
                "client_name",
                "fast path",
                "grant_types",
                List.of("client_credentials"),
                "token_endpoint_auth_method",
                "client_secret_basic",
                "scope",
                scope);
        return new String[] {r.text("client_id"), r.text("client_secret")};
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static String basic(String id, String secret) {
        return "Basic " + Base64.getEncoder().encodeToString((id + ":" + secret).getBytes(StandardCharsets.UTF_8));
    }

    private static RawHttp.Response post(String path, String contentType, String body, String... headers) {
        var r = RawHttp.request("POST", path).body(body.getBytes(StandardCharsets.UTF_8));
        if (contentType != null) r.header("Content-Type", contentType);
        for (int i = 0; i < headers.length; i += 2) r.header(headers[i], headers[i + 1]);
        return raw.send(r);
    }

    private static JsonNode json(RawHttp.Response r) throws Exception {
        return JSON.readTree(r.bytes());
    }

    /** Asks the fast path and the route the same thing; asserts they answer alike and returns the fast answer. */
    private static RawHttp.Response alike(String path, String contentType, String body, String... headers) {
        var fast = post(path, contentType, body, headers);
        var route = post(path + "/", contentType, body, headers);
        assertThat(fast.status()).as(fast.body()).isEqualTo(route.status());
        assertThat(fast.comparableHeaders()).isEqualTo(route.comparableHeaders());
        assertThat(fast.body()).isEqualTo(route.body());
        assertThat(fast.header("X-Request-Id")).isNotNull();
        assertThat(fast.header("X-Content-Type-Options")).isEqualTo("nosniff");
        assertThat(fast.header("Cache-Control")).isEqualTo("no-store");
        return fast;
    }

    @ParameterizedTest
    @ValueSource(strings = {"/oauth2/token", "/oauth2/introspect", "/oauth2/revoke"})
    void whenTheRequestIsWrong_thenTheFastPathAndTheRouteGiveTheSameRfc6749Error(String path) throws Exception {
        // no client authentication: 401 with the Basic challenge
        var anonymous = alike(path, FORM, "grant_type=client_credentials&token=x");
        assertThat(anonymous.status()).isEqualTo(401);
        assertThat(json(anonymous).path("error").asText()).isEqualTo("invalid_client");
        assertThat(anonymous.header("WWW-Authenticate")).isEqualTo("Basic realm=\"gatehouse\"");

        // a wrong secret
        String wrong = basic(clientId, "not-the-secret");
        assertThat(alike(path, FORM, "grant_type=client_credentials&token=x", "Authorization", wrong)
                        .status())
                .isEqualTo(401);

        // not a form: a broken percent-escape, another content type, no content type
        var broken = alike(path, FORM, "grant_type=%zz&token=%", "Authorization", basic);
        assertThat(broken.status()).isEqualTo(400);
        assertThat(json(broken).path("error").asText()).isEqualTo("invalid_request");
        var jsonBody =
                alike(path, "application/json", "{\"grant_type\":\"client_credentials\"}", "Authorization", basic);
        assertThat(jsonBody.status()).isEqualTo(400);
        assertThat(json(jsonBody).path("error").asText()).isEqualTo("invalid_request");
        assertThat(alike(path, null, "grant_type=client_credentials", "Authorization", basic)
                        .status())
                .isEqualTo(400);
    }

    /** A form's '=', '&' and '%' are ASCII bytes: a charset that writes ASCII otherwise is not a form, on either path. */
    @ParameterizedTest
    @ValueSource(strings = {"utf-16", "UTF-16LE", "\"utf-32\""})
    void whenTheFormNamesACharsetThatIsNotAsciiCompatible_thenBothPathsRefuseIt(String charset) throws Exception {
        for (String path : List.of("/oauth2/token", "/oauth2/introspect", "/oauth2/revoke")) {
            var r = alike(
                    path,
                    FORM + "; charset=" + charset,
                    "grant_type=client_credentials&token=x",
                    "Authorization",
                    basic);
            assertThat(r.status()).as(path).isEqualTo(400);
            assertThat(json(r).path("error").asText()).isEqualTo("invalid_request");
            assertThat(json(r).path("error_description").asText()).contains("charset");
        }
        // An ASCII-compatible charset is read as before, alike on both paths.
        var latin1 = alike("/oauth2/introspect", FORM + "; charset=iso-8859-1", "token=x", "Authorization", basic);
        assertThat(latin1.status()).isEqualTo(200);
        assertThat(json(latin1).path("active").asBoolean()).isFalse();
    }

    @Test
    void whenTheGrantIsUnknown_thenBothPathsSayUnsupportedGrantType() throws Exception {
        var r = alike("/oauth2/token", FORM, "grant_type=urn:example:nothing", "Authorization", basic);

        assertThat(r.status()).isEqualTo(400);
        assertThat(json(r).path("error").asText()).isEqualTo("unsupported_grant_type");
        assertThat(r.header("Content-Type")).startsWith("application/json");
    }

    @Test
    void whenTokensAreIssuedIntrospectedAndRevoked_thenBothPathsAnswerAlike() throws Exception {
        var fast = post(
                "/oauth2/token", FORM + "; charset=UTF-8", "grant_type=client_credentials", "Authorization", basic);
        var route = post("/oauth2/token/", FORM, "grant_type=client_credentials", "Authorization", basic);
        assertThat(fast.status()).as(fast.body()).isEqualTo(200);
        assertThat(route.status()).as(route.body()).isEqualTo(200);
        var fastHeaders = fast.comparableHeaders();
        var routeHeaders = route.comparableHeaders();
        fastHeaders.remove("Content-Length");
        routeHeaders.remove("Content-Length");
        assertThat(fastHeaders).isEqualTo(routeHeaders);
        assertThat(fast.header("Pragma")).isEqualTo("no-cache");
        assertThat(fast.header("Content-Length")).isEqualTo(Integer.toString(fast.bytes().length));
        assertThat(fields(json(fast))).isEqualTo(fields(json(route)));
        String token = json(fast).path("access_token").asText();

        // the same token introspects the same on both paths
        var active = alike("/oauth2/introspect", FORM, "token=" + token, "Authorization", basic);
        assertThat(json(active).path("active").asBoolean()).isTrue();
        assertThat(json(active).path("scope").asText()).isEqualTo("reports:read");

        // revoked on the fast path: 200 without a body, inactive on both
        var revoked = post("/oauth2/revoke", FORM, "token=" + token, "Authorization", basic);
        assertThat(revoked.status()).isEqualTo(200);
        assertThat(revoked.bytes()).isEmpty();
        var inactive = alike("/oauth2/introspect", FORM, "token=" + token, "Authorization", basic);
        assertThat(json(inactive).path("active").asBoolean()).isFalse();
        assertThat(alike("/oauth2/revoke", FORM, "token=" + token, "Authorization", basic)
                        .status())
                .isEqualTo(200);
    }

    private static List<String> fields(JsonNode node) {
        var names = new java.util.ArrayList<String>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    @Test
    void whenTheClientAcceptsGzip_thenTokenAnswersAreStillNotCompressed() {
        // Compressing secrets next to text an attacker chooses leaks them (BREACH). Many scopes make the answer
        // larger than the size from which other answers are compressed.
        var sections = new java.util.ArrayList<String>();
        for (int i = 0; i < 40; i++) sections.add("reports:section-" + i);
        server.createScopes(sections.toArray(String[]::new));
        var client = register(String.join(" ", sections));
        for (String path : List.of("/oauth2/token", "/oauth2/token/")) {
            var r = post(
                    path,
                    FORM,
                    "grant_type=client_credentials&scope=" + String.join("+", sections),
                    "Authorization",
                    basic(client[0], client[1]),
                    "Accept-Encoding",
                    "gzip");
            assertThat(r.status()).as(r.body()).isEqualTo(200);
            assertThat(r.bytes().length).isGreaterThan(1500);
            assertThat(r.header("Content-Encoding")).as(path).isNull();
        }
    }

    @Test
    void whenTheBodyIsOver1MiB_thenItIsRefusedUnread() {
        String big = "grant_type=client_credentials&pad=" + "x".repeat(1024 * 1024);

        // declared: 413 before reading, as on every route, in the OAuth surface's error format
        var declared = post("/oauth2/token", FORM, big, "Authorization", basic);
        assertThat(declared.status()).isEqualTo(413);
        assertThat(declared.header("Content-Type")).isEqualTo("application/json");
        assertThat(declared.body()).contains("\"error\":\"invalid_request\"");

        // chunked: the form reader stops at 1 MiB
        var chunked = raw.send(RawHttp.request("POST", "/oauth2/token")
                .header("Content-Type", FORM)
                .header("Authorization", basic)
                .body(big.getBytes(StandardCharsets.US_ASCII))
                .chunked());
        assertThat(chunked.status()).isEqualTo(400);
        assertThat(chunked.body()).contains("invalid_request");
    }

    @Test
    void whenABrowserClientCallsFromItsOrigin_thenBothPathsLetItReadTheAnswer() throws Exception {
        var r = server.registerClient(
                "client_name",
                "browser-based",
                "grant_types",
                List.of("client_credentials", "authorization_code"),
                "redirect_uris",
                List.of("https://app.example/cb"),
                "token_endpoint_auth_method",
                "client_secret_basic",
                "scope",
                "reports:read");
        String auth = basic(r.text("client_id"), r.text("client_secret"));

        var refused = alike(
                "/oauth2/token",
                FORM,
                "grant_type=urn:example:nothing",
                "Authorization",
                auth,
                "Origin",
                "https://app.example");
        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.header("Access-Control-Allow-Origin")).isEqualTo("https://app.example");
        assertThat(refused.header("Vary")).isEqualTo("Origin");

        var other = alike(
                "/oauth2/token",
                FORM,
                "grant_type=urn:example:nothing",
                "Authorization",
                auth,
                "Origin",
                "https://other.example");
        assertThat(other.header("Access-Control-Allow-Origin")).isNull();
        assertThat(other.header("Vary")).isEqualTo("Origin");

        var issued = post(
                "/oauth2/token",
                FORM,
                "grant_type=client_credentials",
                "Authorization",
                auth,
                "Origin",
                "https://app.example");
        assertThat(issued.status()).as(issued.body()).isEqualTo(200);
        assertThat(issued.header("Access-Control-Allow-Origin")).isEqualTo("https://app.example");
        assertThat(issued.header("Access-Control-Expose-Headers")).isEqualTo("WWW-Authenticate");
    }

    @Test
    void whenAnotherMethodIsUsed_thenTheRouteAnswers405() {
        var r = raw.send(RawHttp.request("GET", "/oauth2/token"));

        assertThat(r.status()).isEqualTo(405);
        assertThat(r.header("Allow")).contains("POST");
        assertThat(r.header("Content-Type")).isEqualTo("application/json");
        assertThat(r.body()).contains("\"error\":\"invalid_request\"");
    }

    @Test
    void whenATokenIsServedOnTheFastPath_thenItIsTimedByRouteAndStatus_andLoggedWithItsRequestId() {
        var ok = Map.of("route", "/oauth2/token", "method", "POST", "status", "200");
        var refused = Map.of("route", "/oauth2/token", "method", "POST", "status", "401");
        double okBefore = count(ok);
        double refusedBefore = count(refused);

        try (var logs = new LogCapture("gatehouse.access")) {
            var r = post(
                    "/oauth2/token",
                    FORM,
                    "grant_type=client_credentials",
                    "Authorization",
                    basic,
                    "X-Request-Id",
                    "form-log-1");
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.header("X-Request-Id")).isEqualTo("form-log-1");
            assertThat(logs.await(e -> "form-log-1".equals(e.getMDCPropertyMap().get("request_id"))))
                    .singleElement()
                    .satisfies(e -> assertThat(e.getFormattedMessage())
                            .startsWith("POST /oauth2/token 200 ")
                            .contains("ip=127.0.0.1"));
        }
        post("/oauth2/token", FORM, "grant_type=client_credentials");

        assertThat(awaitCount(ok, okBefore + 1)).isEqualTo(okBefore + 1);
        assertThat(awaitCount(refused, refusedBefore + 1)).isEqualTo(refusedBefore + 1);
    }

    private static double count(Map<String, String> labels) {
        return Prometheus.parse(server.http.get("/metrics").send().body())
                .value("http_server_requests_seconds_count", labels)
                .orElse(0);
    }

    /** Timed when the answer has been written, which may be just after the client read it. */
    private static double awaitCount(Map<String, String> labels, double expected) {
        long deadline = System.nanoTime() + 5_000_000_000L;
        double now;
        do {
            now = count(labels);
        } while (now < expected && System.nanoTime() < deadline);
        return now;
    }
}
