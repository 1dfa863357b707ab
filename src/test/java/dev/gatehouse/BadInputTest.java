package dev.gatehouse;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.BadCase.Auth;
import dev.gatehouse.BadCase.Op;
import dev.gatehouse.testkit.RawHttp;
import dev.gatehouse.testkit.ServerTest;
import dev.gatehouse.testkit.TestServer;
import java.nio.charset.StandardCharsets;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import java.util.regex.Pattern;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Storms every operation of the live /openapi.json with generated bad requests (see {@link BadInputs}), anonymous and
 * with a user's and the administrator's token, and holds the server to the contract of DESIGN.md section 4: never a
 * 5xx, /v1 errors as RFC 9457 problems, no stack traces, no echoed secrets, and nothing stored.
 *
 * <p>Reproduce a run with {@code -Dgatehouse.badinput.seed=<seed>}; widen it with {@code -Dgatehouse.badinput.random=<n>}
 * (random combinations per operation).
 */
@ServerTest
class BadInputTest {
    private static final long SEED = Long.getLong("gatehouse.badinput.seed", new Random().nextLong());
    private static final int RANDOM_PER_OP = Integer.getInteger("gatehouse.badinput.random", 25);
    private static final String USER_EMAIL = "fuzz-owner@example.com";
    private static final String USER_PASSWORD = "Quartz-Lantern-Meadow-42";
    private static final Pattern SAFE_REQUEST_ID = Pattern.compile("^[A-Za-z0-9._:-]{1,128}$");
    private static final List<String> STACK_MARKERS =
            List.of("Exception", "at dev.gatehouse", "org.jdbi", "java.lang", "org.eclipse.jetty", "com.fasterxml");
    private static final ObjectMapper MAPPER = new ObjectMapper();

    static TestServer server;
    static RawHttp raw;
    private String userToken;
    private String adminToken;
    private boolean tokensStale = true;
    private final List<String> failures = new ArrayList<>();
    private final Map<String, Long> nanosByKind = new TreeMap<>();

    @BeforeAll
    static void start() {
        server = TestServer.start();
        raw = new RawHttp(server.base);
        server.register(USER_EMAIL, USER_PASSWORD);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void whenEveryOperationGetsBadInput_thenOnlyProblemsAnswerAndNothingIsStored() {
        System.out.println("BadInputTest seed=" + SEED + " (rerun with -Dgatehouse.badinput.seed=" + SEED + ")");
        var random = new Random(SEED);
        var inputs = new BadInputs(random, USER_EMAIL);
        JsonNode doc = server.http.get("/openapi.json").send().json();
        long users = userCount();
        int registered = registeredEvents();
        assertThat(registered).as("the owner's own registration is audited").isPositive();

        var byPath = new LinkedHashMap<String, List<Op>>();
        doc.path("paths")
                .properties()
                .forEach(p -> p.getValue()
                        .properties()
                        .forEach(m -> byPath.computeIfAbsent(p.getKey(), k -> new ArrayList<>())
                                .add(Op.of(m.getKey(), p.getKey(), m.getValue(), doc))));
        assertThat(byPath).as("operations in /openapi.json").hasSizeGreaterThan(10);

        int sent = 0;
        long started = System.nanoTime();
        List<Op> all = byPath.values().stream().flatMap(List::stream).toList();
        for (var entry : byPath.entrySet()) {
            for (Op op : entry.getValue()) {
                for (BadCase c : inputs.forOperation(op, RANDOM_PER_OP)) {
                    run(c);
                    sent++;
                }
            }
            for (BadCase c : inputs.forPath(entry.getKey(), all)) {
                run(c);
                sent++;
            }
        }
        System.out.printf(
                "BadInputTest sent %d requests to %d paths in %d ms; ms by kind: %s%n",
                sent, byPath.size(), (System.nanoTime() - started) / 1_000_000, msByKind());

        int total = sent;
        long usersAfter = userCount();
        int registeredAfter = registeredEvents();
        SoftAssertions.assertSoftly(soft -> {
            soft.assertThat(failures)
                    .as(
                            "seed=%d: %d of %d bad requests were mishandled; first ones:%n%s",
                            SEED,
                            failures.size(),
                            total,
                            String.join("\n", failures.stream().limit(60).toList()))
                    .isEmpty();
            soft.assertThat(usersAfter)
                    .as("users after the storm (seed=%d)", SEED)
                    .isEqualTo(users);
            soft.assertThat(registeredAfter)
                    .as("user.registered events after the storm (seed=%d)", SEED)
                    .isEqualTo(registered);
        });
    }

    // ---- one request

    private void run(BadCase c) {
        if (c.auth != Auth.NONE && tokensStale) refreshTokens();
        RawHttp.Request request = RawHttp.request(c.method, c.target);
        if (c.auth == Auth.USER) request.header("Authorization", "Bearer " + userToken);
        if (c.auth == Auth.ADMIN) request.header("Authorization", "Bearer " + adminToken);
        for (String[] h : c.headers) request.header(h[0], resolve(h[1]));
        if (c.body != null) {
            request.body(c.body);
            if (!c.contentLength) request.withoutContentLength();
            if (c.chunked) request.chunked();
        }
        RawHttp.Response r;
        long start = System.nanoTime();
        try {
            r = raw.send(request);
        } catch (RuntimeException e) {
            fail(c, null, "no answer: " + e);
            return;
        }
        long nanos = System.nanoTime() - start;
        nanosByKind.merge(c.label.replaceFirst("^random: ", "").split("\\s", -1)[0], nanos, Long::sum);
        if (r.status() < 0) {
            // How long it took tells an idle timeout (30 s) from a connection dropped at once.
            fail(c, r, "closed without an answer after " + nanos / 1_000_000 + " ms");
            return;
        }
        check(c, r);
        // a call that succeeded with a token may have ended its session (logout, revoke-all): sign in again
        if (r.status() < 300 && c.op.bearer() && !c.method.equals("GET")) tokensStale = true;
    }

    private void check(BadCase c, RawHttp.Response r) {
        int status = r.status();
        if (status >= 500) fail(c, r, "server error " + status);
        if (c.mustFail && status < 400) fail(c, r, "bad input was accepted with " + status);
        // anonymous calls to protected routes stop at 401 before their input is looked at
        boolean reachesHandler =
                c.auth == Auth.ADMIN || !c.op.bearer() || c.expect == 405 || (c.expect == 413 && !c.chunked);
        // The /v1 surface promises RFC 9457 problems with exact statuses; the OAuth surface (/oauth2, RFC 6749 and
        // RFC 7591) answers its own error format, where for instance bad client metadata is a 400, not a 422.
        boolean v1 = path(c).startsWith("/v1");
        if (v1 && c.expect != 0 && reachesHandler && status != c.expect)
            fail(c, r, "expected " + c.expect + " but got " + status);
        if (status >= 400 && !c.method.equals("HEAD") && v1) problem(c, r);
        if (status >= 400 && !c.method.equals("HEAD") && path(c).startsWith("/oauth2")) oauthError(c, r);
        if (status == 422
                && c.field != null
                && reachesHandler
                && !json(r).path("errors").has(c.field)) fail(c, r, "422 does not name the field " + c.field);
        if (status == 405 && r.header("Allow") == null) fail(c, r, "405 without Allow");
        String body = r.body();
        for (String marker : STACK_MARKERS) if (body.contains(marker)) fail(c, r, "internals in the body: " + marker);
        for (String secret : c.secrets) {
            if (body.contains(secret) || r.headers().toString().contains(secret)) fail(c, r, "echoes a secret");
        }
        String rid = r.header("X-Request-Id");
        if (rid != null && !SAFE_REQUEST_ID.matcher(rid).matches()) fail(c, r, "unsafe X-Request-Id echoed: " + rid);
        if (r.header("X-Injected") != null) fail(c, r, "a header was injected");
    }

    /**
     * The OAuth endpoints' errors are RFC 6749 §5.2 JSON (DESIGN.md section 4), also those the server raises before or
     * around the endpoint's own code: 405, 413, a malformed request. The pages under /oauth2 (authorization, end
     * session, the session-management iframe) answer HTML error pages, or problems for what is not a page request.
     */
    private void oauthError(BadCase c, RawHttp.Response r) {
        String type = r.header("Content-Type");
        // Two refusals come before any endpoint is known, and stay RFC 9457: a request Jetty cannot parse (a bad
        // escape or a NUL in the path, CONNECT), which it sees as "/badMessage", and a path that only begins with an
        // endpoint's (";jsessionid=x" after it), which is another resource.
        if (r.status() == 400 && r.body().contains("\"detail\":\"The request is not well-formed HTTP")) return;
        if (r.status() == 404 && path(c).contains(";")) return;
        if (BROWSER_ENDPOINTS.stream().anyMatch(p -> path(c).startsWith(p))) {
            if (type != null && (type.startsWith("text/html") || type.startsWith("application/problem+json"))) return;
        } else if (type == null || !type.startsWith("application/json")) {
            fail(c, r, r.status() + " from the OAuth surface is " + type + ", not an RFC 6749 error");
            return;
        }
        if (!json(r).path("error").isTextual())
            fail(c, r, r.status() + " from the OAuth surface without an RFC 6749 error");
    }

    private static final List<String> BROWSER_ENDPOINTS =
            List.of("/oauth2/authorize", "/oauth2/logout", "/oauth2/session/");

    private void problem(BadCase c, RawHttp.Response r) {
        String type = r.header("Content-Type");
        if (type == null || !type.startsWith("application/problem+json")) {
            fail(c, r, r.status() + " is not application/problem+json but " + type);
            return;
        }
        JsonNode p = json(r);
        for (String field : List.of("type", "title", "detail", "code")) {
            if (!p.path(field).isTextual() || p.path(field).asText().isBlank()) fail(c, r, "problem without " + field);
        }
        if (p.path("status").asInt() != r.status()) fail(c, r, "problem status differs from " + r.status());
    }

    private String msByKind() {
        var sb = new StringBuilder();
        nanosByKind.forEach((kind, nanos) ->
                sb.append(kind).append('=').append(nanos / 1_000_000).append(' '));
        return sb.toString().trim();
    }

    private static JsonNode json(RawHttp.Response r) {
        try {
            return MAPPER.readTree(r.bytes());
        } catch (java.io.IOException e) {
            return MAPPER.createObjectNode();
        }
    }

    private void fail(BadCase c, RawHttp.Response r, String why) {
        String body = r == null ? "" : r.body();
        failures.add(String.format(
                "%s -> %s: %s | %s",
                c.describe(),
                r == null ? "-" : r.status(),
                why,
                BadCase.printable(body.length() > 160 ? body.substring(0, 160) : body)));
    }

    private static String path(BadCase c) {
        String t = new String(c.target, StandardCharsets.ISO_8859_1);
        int q = t.indexOf('?');
        return q < 0 ? t : t.substring(0, q);
    }

    // ---- credentials, real and forged

    private void refreshTokens() {
        clearSecondFactors();
        userToken = server.accessToken(USER_EMAIL, USER_PASSWORD);
        adminToken = server.adminToken();
        tokensStale = false;
    }

    private String resolve(String value) {
        if (!value.contains("{{")) return value;
        if (tokensStale) refreshTokens();
        return value.replace("{{user.none}}", forged(userToken, "none", null, false))
                .replace("{{admin.none}}", forged(adminToken, "none", null, false))
                .replace("{{user.tampered}}", forged(userToken, null, null, true))
                .replace("{{user.nosig}}", stripSignature(userToken))
                .replace("{{user.kid}}", forged(userToken, null, "../../../../etc/passwd", false))
                .replace("{{user}}", userToken)
                .replace("{{admin}}", adminToken);
    }

    /** The token with another header algorithm or key id, or another subject, keeping or dropping its signature. */
    private static String forged(String token, String alg, String kid, boolean otherSubject) {
        String[] parts = token.split("\\.", -1);
        try {
            var header = (ObjectNode) MAPPER.readTree(Base64.getUrlDecoder().decode(parts[0]));
            var claims = (ObjectNode) MAPPER.readTree(Base64.getUrlDecoder().decode(parts[1]));
            if (alg != null) header.put("alg", alg);
            if (kid != null) header.put("kid", kid);
            if (otherSubject) claims.put("sub", UUID.randomUUID().toString());
            String signature = "none".equals(alg) ? "" : parts[2];
            return b64(MAPPER.writeValueAsBytes(header)) + "." + b64(MAPPER.writeValueAsBytes(claims)) + "."
                    + signature;
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String stripSignature(String token) {
        return token.substring(0, token.lastIndexOf('.') + 1);
    }

    private static String b64(byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    // ---- what is stored

    /**
     * A call without a body (mfa/email/enable, say) may rightly have turned on a second factor for the fuzzing user or
     * the administrator; sign-in would then answer an mfa_token instead of tokens. Turn the factors off again.
     */
    private static void clearSecondFactors() {
        var db = server.database;
        try (var c = DriverManager.getConnection(db.url(), db.user(), "")) {
            c.createStatement().executeUpdate("DELETE FROM mfa_factors");
            c.createStatement().executeUpdate("DELETE FROM webauthn_credentials");
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static long userCount() {
        var db = server.database;
        try (var c = DriverManager.getConnection(db.url(), db.user(), "");
                var rs = c.createStatement().executeQuery("SELECT COUNT(*) FROM users")) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static int registeredEvents() {
        var r = server.http
                .get("/v1/audit/logs?event_type=user.registered&limit=100")
                .bearer(server.adminToken())
                .send();
        assertThat(r.status()).isEqualTo(200);
        return r.json().path("count").asInt();
    }
}
