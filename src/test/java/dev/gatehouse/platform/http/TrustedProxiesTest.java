package dev.gatehouse.platform.http;

import static dev.gatehouse.testkit.HttpJson.map;
import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.testkit.HttpJson;
import dev.gatehouse.testkit.LogCapture;
import dev.gatehouse.testkit.ServerTest;
import dev.gatehouse.testkit.TestServer;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A server behind a trusted proxy at 127.0.0.1 ({@code GATEHOUSE_TRUSTED_PROXIES}, ADR 0018): sessions, rate limits
 * and the access log see the forwarded client; a caller that is not the proxy (127.0.0.2) cannot claim another address.
 */
@ServerTest
class TrustedProxiesTest {
    static final String PASSWORD = "Correct-Horse-Battery-9";
    static TestServer server;
    /** A client that is not the proxy. */
    static HttpJson direct;

    @BeforeAll
    static void start() {
        server = TestServer.start(Map.of("GATEHOUSE_TRUSTED_PROXIES", "127.0.0.1", "GATEHOUSE_RATE_LIMITS", "on"));
        direct = server.http.from(2);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static String sessionIp(HttpJson from, String email, String forwardedFor) {
        var call = from.post("/v1/auth/login").json(map("email", email, "password", PASSWORD));
        if (forwardedFor != null) call.header("X-Forwarded-For", forwardedFor);
        var login = call.send();
        assertThat(login.status()).as(login.body()).isEqualTo(200);
        String token = login.json().path("tokens").path("access_token").asText();
        var sessions = from.get("/v1/sessions").bearer(token).send();
        for (var s : sessions.json().path("sessions")) {
            if (s.path("current").asBoolean()) return s.path("ip").asText();
        }
        throw new AssertionError("no current session: " + sessions.body());
    }

    @Test
    void whenTheProxyForwardsAClient_thenTheSessionRecordsTheClientsAddress() {
        String email = server.register("proxied" + System.nanoTime() + "@example.com", PASSWORD);
        assertThat(sessionIp(server.http, email, "198.51.100.1, 203.0.113.7")).isEqualTo("203.0.113.7");
        assertThat(sessionIp(server.http, email, null)).isEqualTo("127.0.0.1");
    }

    @Test
    void whenACallerThatIsNotTheProxyClaimsAnAddress_thenItIsIgnored() {
        String email = server.register("direct" + System.nanoTime() + "@example.com", PASSWORD);
        assertThat(sessionIp(direct, email, "203.0.113.7")).isEqualTo("127.0.0.2");
    }

    @Test
    void whenTwoClientsComeThroughTheProxy_thenEachHasItsOwnRateLimit() {
        int first = -1;
        for (int i = 0; i < 3; i++) {
            var r = server.http
                    .post("/v1/auth/login")
                    .header("X-Forwarded-For", "203.0.113.10")
                    .json(map("email", "nobody" + System.nanoTime() + "@example.com", "password", "wrong-password-1"))
                    .send();
            assertThat(r.status()).isEqualTo(401);
            int remaining = Integer.parseInt(r.header("X-RateLimit-Remaining"));
            if (first < 0) first = remaining;
            else assertThat(remaining).isLessThan(first);
        }
        var other = server.http
                .post("/v1/auth/login")
                .header("X-Forwarded-For", "203.0.113.11")
                .json(map("email", "nobody" + System.nanoTime() + "@example.com", "password", "wrong-password-1"))
                .send();
        assertThat(Integer.parseInt(other.header("X-RateLimit-Remaining"))).isEqualTo(first);
    }

    static int failedLogin(String forwardedFor) {
        return server.http
                .post("/v1/auth/login")
                .header("X-Forwarded-For", forwardedFor)
                .json(map("email", "nobody" + System.nanoTime() + "@example.com", "password", "wrong-password-1"))
                .send()
                .status();
    }

    /** One host or subscriber gets a whole /64: a fresh address per call must not be a fresh budget. */
    @Test
    void whenCallsComeFromManyAddressesOfOneIpv6Slash64_thenTheyShareOneRateLimit() {
        var statuses = new java.util.ArrayList<Integer>();
        for (int i = 1; i <= 15; i++) statuses.add(failedLogin("2001:db8:1:1::" + Integer.toHexString(i)));
        // The login limit is 10 per 15 minutes per address: the eleventh address of the /64 is refused.
        assertThat(statuses.subList(0, 10)).containsOnly(401);
        assertThat(statuses.subList(10, 15)).containsOnly(429);
        // Another /64 has a budget of its own.
        assertThat(failedLogin("2001:db8:1:2::1")).isEqualTo(401);
        assertThat(failedLogin("2001:db8:1:1:ffff::1")).isEqualTo(429);
    }

    @Test
    void whenAnIpv4ClientComesAsAnIpv4MappedIpv6Address_thenItIsTheSameAddress() {
        assertThat(failedLogin("203.0.113.40")).isEqualTo(401);
        var mapped = server.http
                .post("/v1/auth/login")
                .header("X-Forwarded-For", "::ffff:203.0.113.40")
                .json(map("email", "nobody" + System.nanoTime() + "@example.com", "password", "wrong-password-1"))
                .send();
        assertThat(mapped.status()).isEqualTo(401);
        assertThat(mapped.header("X-RateLimit-Remaining")).isEqualTo("8");
    }

    @Test
    void whenAnIpv6ClientSignsIn_thenTheSessionKeepsItsFullAddress() {
        String email = server.register("ipv6-" + System.nanoTime() + "@example.com", PASSWORD);
        assertThat(sessionIp(server.http, email, "2001:db8:1:3::7")).isEqualTo("[2001:db8:1:3:0:0:0:7]");
    }

    @Test
    void whenATokenRequestComesThroughTheProxy_thenTheFastPathLogsTheClient() {
        try (var logs = new LogCapture("gatehouse.access")) {
            server.http
                    .post("/oauth2/token")
                    .header("X-Forwarded-For", "203.0.113.20")
                    .header("X-Request-Id", "proxied-token-1")
                    .raw("application/x-www-form-urlencoded", "grant_type=client_credentials")
                    .send();
            var line = logs.await(
                    e -> "proxied-token-1".equals(e.getMDCPropertyMap().get("request_id")));
            assertThat(line)
                    .singleElement()
                    .satisfies(e -> assertThat(e.getFormattedMessage()).contains("ip=203.0.113.20"));
        }
    }
}
