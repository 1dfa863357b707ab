package dev.gatehouse;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.testkit.RawHttp;
import dev.gatehouse.testkit.ServerTest;
import dev.gatehouse.testkit.TestServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The bad inputs {@link BadInputTest} found mishandled, each pinned as one readable case. */
@ServerTest
class BadInputRegressionTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
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

    private static RawHttp.Response post(String path, String contentType, byte[] body) {
        return raw.send(RawHttp.request("POST", path)
                .header("Content-Type", contentType)
                .body(body));
    }

    private static RawHttp.Response register(String json) {
        return post("/v1/auth/register", "application/json", json.getBytes(StandardCharsets.UTF_8));
    }

    private static JsonNode problem(RawHttp.Response r) {
        assertThat(r.header("Content-Type")).startsWith("application/problem+json");
        try {
            JsonNode p = MAPPER.readTree(r.bytes());
            assertThat(p.path("status").asInt()).isEqualTo(r.status());
            return p;
        } catch (IOException e) {
            throw new AssertionError(r.body(), e);
        }
    }

    @Test
    void whenContentTypeNamesAnUnknownCharset_thenTheBodyIsJudgedInsteadOf500() {
        var r = post(
                "/v1/auth/login",
                "application/json; charset=bogus-42",
                "{\"email\":\"a@b\"}".getBytes(StandardCharsets.UTF_8));
        assertThat(r.status()).isEqualTo(422);
        assertThat(problem(r).path("errors").has("email")).isTrue();
    }

    @Test
    void whenAnOAuthEndpointGetsJsonWithAnUnknownCharset_thenAnOAuthErrorInsteadOf500() {
        for (String path : new String[] {"/oauth2/token", "/oauth2/par", "/oauth2/device_authorization"}) {
            var r = post(path, "application/json; charset=bogus-42", "{}".getBytes(StandardCharsets.UTF_8));
            assertThat(r.status()).as(path).isEqualTo(400);
            assertThat(r.body()).as(path).contains("\"error\":\"invalid_request\"");
        }
        var form = post(
                "/oauth2/par",
                "application/x-www-form-urlencoded; charset=\"x y\"",
                "a=b".getBytes(StandardCharsets.UTF_8));
        assertThat(form.status()).isEqualTo(415);
        assertThat(form.body()).contains("\"error\":\"invalid_request\"");
    }

    @Test
    void whenMediaTypeOnlyStartsWithApplicationJson_then415() {
        var r = post(
                "/v1/auth/forgot-password",
                "application/jsonx",
                "{\"email\":\"a@example.com\"}".getBytes(StandardCharsets.UTF_8));
        assertThat(r.status()).isEqualTo(415);
    }

    @Test
    void whenPathHasABrokenPercentEscape_then400ProblemInsteadOf500() {
        var r = raw.send(RawHttp.request("DELETE", "/v1/sessions/%u0041"));
        assertThat(r.status()).isEqualTo(400);
        assertThat(problem(r).path("code").asText()).isEqualTo("malformed_uri");
    }

    @Test
    void whenJettyRefusesTheHeaders_thenTheAnswerIsAProblemNotAnHtmlPage() {
        var r = raw.send(RawHttp.request("GET", "/v1/auth/me").header("Authorization", "Bearer " + "A".repeat(20_000)));
        assertThat(r.status()).isEqualTo(431);
        assertThat(problem(r).path("code").asText()).isEqualTo("request_header_fields_too_large");
    }

    @Test
    void whenJettyRefusesADeleteRequest_thenTheProblemStillHasABody() {
        var r = raw.send(RawHttp.request("DELETE", "/v1/sessions/x").header("Content-Length", "abc"));
        assertThat(r.status()).isEqualTo(400);
        assertThat(problem(r).path("code").asText()).isEqualTo("bad_request");
    }

    @Test
    void whenMethodIsNotAllowed_then405ProblemWithAllow() {
        var r = raw.send(RawHttp.request("PUT", "/v1/auth/login"));
        assertThat(r.status()).isEqualTo(405);
        assertThat(r.header("Allow")).contains("POST");
        assertThat(problem(r).path("code").asText()).isEqualTo("method_not_allowed");
    }

    @Test
    void whenANumberOrBooleanIsSentForAString_then422NamingTheField() {
        for (String value : new String[] {"12", "1.5", "true"}) {
            var r = register("{\"email\":\"n@example.com\",\"password\":\"Quartz-Lantern-Meadow-42\",\"first_name\":"
                    + value + "}");
            assertThat(r.status()).as(value).isEqualTo(422);
            assertThat(problem(r).path("errors").has("first_name")).as(value).isTrue();
        }
    }

    @Test
    void whenAKeyRepeats_then400() {
        var r = register(
                "{\"email\":\"d@example.com\",\"email\":\"e@example.com\",\"password\":\"Quartz-Lantern-Meadow-42\"}");
        assertThat(r.status()).isEqualTo(400);
        assertThat(problem(r).path("code").asText()).isEqualTo("malformed_json");
    }

    @Test
    void whenTheBodyHasOverlongOrSurrogateUtf8_then400() {
        byte[][] invalid = {{(byte) 0xC0, (byte) 0xAF}, {(byte) 0xED, (byte) 0xA0, (byte) 0x80}};
        for (byte[] bad : invalid) {
            var body = new java.io.ByteArrayOutputStream();
            body.writeBytes("{\"email\":\"o".getBytes(StandardCharsets.UTF_8));
            body.writeBytes(bad);
            body.writeBytes(
                    "@example.com\",\"password\":\"Quartz-Lantern-Meadow-42\"}".getBytes(StandardCharsets.UTF_8));
            var r = post("/v1/auth/register", "application/json", body.toByteArray());
            assertThat(r.status()).isEqualTo(400);
            assertThat(problem(r).path("detail").asText()).contains("UTF-8");
        }
    }

    @Test
    void whenSyntaxBreaksInsideAField_then400NotAWrongTypeOf422() {
        var r = register("{\"email\":\"t@example.com\",\"password\":\"Quartz-Lant");
        assertThat(r.status()).isEqualTo(400);
        assertThat(problem(r).path("code").asText()).isEqualTo("malformed_json");
    }

    @Test
    void whenANameHoldsALineSeparatorOrALoneSurrogate_then422() {
        for (String value : new String[] {"a\\u2028b", "a\\u2029b", "a\\ud800b"}) {
            var r = register("{\"email\":\"s@example.com\",\"password\":\"Quartz-Lantern-Meadow-42\",\"first_name\":\""
                    + value + "\"}");
            assertThat(r.status()).as(value).isEqualTo(422);
            assertThat(problem(r).path("errors").has("first_name")).as(value).isTrue();
        }
    }

    @Test
    void whenAuditFilterHoldsANulByte_thenItIsA422NotA500() {
        var r = server.http
                .get("/v1/audit/logs?event_type=%00")
                .bearer(server.adminToken())
                .send();
        assertThat(r.status()).isEqualTo(422);
        assertThat(r.json().path("errors").has("event_type")).isTrue();
        var ok = server.http
                .get("/v1/audit/logs?event_type=login.success")
                .bearer(server.adminToken())
                .send();
        assertThat(ok.status()).isEqualTo(200);
    }
}
