package dev.gatehouse.platform.ratelimit;

import static dev.gatehouse.testkit.HttpJson.map;
import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.mfa.TotpCodes;
import dev.gatehouse.testkit.HttpJson;
import dev.gatehouse.testkit.ServerTest;
import dev.gatehouse.testkit.TestServer;
import java.time.Duration;
import java.util.Map;
import java.util.function.IntFunction;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Seed 004's limits over real HTTP with GATEHOUSE_RATE_LIMITS=on. Each test calls from its own loopback address
 * (127.0.0.n) so the per-IP buckets of one test do not touch another's.
 */
@ServerTest
class RateLimitTest {
    static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start(Map.of("GATEHOUSE_RATE_LIMITS", "on"));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void whenOneIpTriesAnEleventhLoginIn15Minutes_then429WithRetryAfterAndRateLimitHeaders() {
        HttpJson ip = server.http.from(31);
        for (int i = 0; i < 10; i++) {
            var r = login(ip, "ip-limit-" + i + "@example.com");
            assertThat(r.status()).as("attempt %d", i + 1).isEqualTo(401);
            assertLimitHeaders(r, 10, 9 - i, Duration.ofMinutes(15));
        }
        var refused = login(ip, "ip-limit-10@example.com");

        assertThat(refused.status()).isEqualTo(429);
        assertThat(refused.header("Content-Type")).startsWith("application/problem+json");
        assertThat(refused.json().path("code").asText()).isEqualTo("rate_limited");
        assertThat(refused.json().path("status").asInt()).isEqualTo(429);
        long retryAfter = Long.parseLong(refused.header("Retry-After"));
        assertThat(retryAfter).isBetween(1L, Duration.ofMinutes(15).toSeconds() + 1);
        assertLimitHeaders(refused, 10, 0, Duration.ofMinutes(15));
    }

    @Test
    void whenOneAccountIsTriedFromElevenIps_thenTheEleventhIs429EvenWithTheRightPassword() {
        server.register("acct-limit@example.com", "Correct-Horse-Battery-9");
        for (int i = 0; i < 10; i++) {
            var r = server.http
                    .from(41 + i)
                    .post("/v1/auth/login", map("email", "acct-limit@example.com", "password", "wrong-" + i));
            assertThat(r.status()).as("attempt %d", i + 1).isEqualTo(401);
        }
        var refused = server.http
                .from(51)
                .post("/v1/auth/login", map("email", "ACCT-limit@example.com", "password", "Correct-Horse-Battery-9"));

        assertThat(refused.status()).isEqualTo(429);
        assertThat(refused.header("Retry-After")).isNotNull();
        // Another account from the same new address is not affected.
        assertThat(login(server.http.from(51), "someone-else@example.com").status())
                .isEqualTo(401);
    }

    @Test
    void whenTheClockPassesTheWindow_thenTheLimitResets() {
        HttpJson ip = server.http.from(32);
        for (int i = 0; i < 10; i++) login(ip, "window-" + i + "@example.com");
        assertThat(login(ip, "window-x@example.com").status()).isEqualTo(429);

        server.clock.advance(Duration.ofMinutes(14));
        assertThat(login(ip, "window-y@example.com").status()).isEqualTo(429);

        server.clock.advance(Duration.ofMinutes(1).plusSeconds(1));
        var again = login(ip, "window-z@example.com");
        assertThat(again.status()).isEqualTo(401);
        assertThat(again.header("X-RateLimit-Remaining")).isEqualTo("9");
    }

    @Test
    void whenAnIpRegistersASixthTimeInAnHour_then429() {
        assertSequence(
                server.http.from(33),
                5,
                202,
                i -> "/v1/auth/register",
                i -> map("email", "reg-limit-" + i + "@example.com", "password", "Correct-Horse-Battery-9"));
    }

    @Test
    void whenMagicLinkIsSentAFourthTimeInAnHour_then429() {
        assertSequence(
                server.http.from(34),
                3,
                202,
                i -> "/v1/auth/magic-link/send",
                i -> map("email", "magic-limit@example.com"));
    }

    @Test
    void whenForgotPasswordIsAskedASixthTimeInAnHour_then429() {
        assertSequence(
                server.http.from(35),
                5,
                202,
                i -> "/v1/auth/forgot-password",
                i -> map("email", "forgot-limit-" + i + "@example.com"));
    }

    @Test
    void whenAnIpRefreshesA101stTimeIn15Minutes_then429() {
        assertSequence(
                server.http.from(36),
                100,
                401,
                i -> "/v1/auth/refresh",
                i -> map("refresh_token", "rt_not-a-real-token-" + i));
    }

    @Test
    void whenAnAddressAsksForA61stDeviceAuthorizationIn15Minutes_thenSlowDownAndNoCodeIsStored() {
        var tv = server.registerClient(map(
                "client_name",
                "TV",
                "grant_types",
                java.util.List.of("urn:ietf:params:oauth:grant-type:device_code"),
                "token_endpoint_auth_method",
                "none"));
        String form = "client_id=" + tv.text("client_id");
        var from = server.http.from(37);
        for (int i = 0; i < 60; i++) {
            var r = from.post("/oauth2/device_authorization")
                    .raw("application/x-www-form-urlencoded", form)
                    .send();
            assertThat(r.status()).as("request " + (i + 1)).isEqualTo(200);
        }
        long stored = server.database.count("SELECT COUNT(*) FROM device_codes");
        var refused = from.post("/oauth2/device_authorization")
                .raw("application/x-www-form-urlencoded", form)
                .send();
        assertThat(refused.status()).isEqualTo(429);
        assertThat(refused.text("error")).isEqualTo("slow_down");
        assertThat(refused.header("Retry-After")).isNotNull();
        assertThat(server.database.count("SELECT COUNT(*) FROM device_codes")).isEqualTo(stored);
        // Another address is not held back.
        assertThat(server.http
                        .from(38)
                        .post("/oauth2/device_authorization")
                        .raw("application/x-www-form-urlencoded", form)
                        .send()
                        .status())
                .isEqualTo(200);
    }

    @Test
    void whenRateLimitsAreOff_thenNothingIsRefused() {
        try (var off = TestServer.start(Map.of("GATEHOUSE_RATE_LIMITS", "off"))) {
            for (int i = 0; i < 12; i++) {
                var r = login(off.http, "off-" + i + "@example.com");
                assertThat(r.status()).isEqualTo(401);
                // no limit, so no header that promises one
                assertThat(r.header("X-RateLimit-Limit")).isNull();
            }
            for (int i = 0; i < 7; i++) {
                assertThat(off.http
                                .post("/v1/auth/forgot-password", map("email", "off@example.com"))
                                .status())
                        .isEqualTo(202);
            }
        }
    }

    @Test
    void whenWrongSecondFactorsComeFromManyAddressesAndSignIns_thenTheAccountStopsAtTwentyAttempts() {
        String email = "mfa-acct@example.com";
        String password = "Correct-Horse-Battery-9";
        server.register(email, password);
        var first = server.http.from(61).post("/v1/auth/login", map("email", email, "password", password));
        String token = first.json().path("tokens").path("access_token").asText();
        String secret = server.http
                .from(61)
                .post("/v1/auth/mfa/setup")
                .bearer(token)
                .send()
                .text("secret");
        var enable = server.http
                .from(61)
                .post("/v1/auth/mfa/enable")
                .bearer(token)
                .json(map("code", dev.gatehouse.mfa.TotpCodes.at(secret, server.clock.instant())))
                .send();
        assertThat(enable.status()).as(enable.body()).isEqualTo(200);
        // The enabling code is spent, and the account's attempts (enabling was one) are whole again.
        server.clock.advance(Duration.ofMinutes(15));
        String good = dev.gatehouse.mfa.TotpCodes.at(secret, server.clock.instant());
        String wrong = String.format("%06d", (Integer.parseInt(good) + 1) % 1_000_000);
        IntFunction<String> signIn = n -> server.http
                .from(n)
                .post("/v1/auth/login", map("email", email, "password", password))
                .text("mfa_token");

        // Four sign-ins, five wrong codes each (all a token allows), each sign-in's codes from an address of its own.
        for (int i = 0; i < 4; i++) {
            String mfaToken = signIn.apply(62 + i);
            for (int j = 0; j < 5; j++) {
                var r = server.http.from(70 + i).post("/v1/auth/login/mfa", map("mfa_token", mfaToken, "code", wrong));
                assertThat(r.status()).as("attempt %d", i * 5 + j + 1).isEqualTo(401);
            }
        }
        // The 21st attempt on the account, from a new address with a fresh token and the right code: 429.
        String fifth = signIn.apply(66);
        var refused = server.http.from(75).post("/v1/auth/login/mfa", map("mfa_token", fifth, "code", good));
        assertThat(refused.status()).as(refused.body()).isEqualTo(429);
        assertThat(refused.header("Retry-After")).isNotNull();

        // After the window the right code completes a sign-in.
        server.clock.advance(Duration.ofMinutes(15));
        String later = dev.gatehouse.mfa.TotpCodes.at(secret, server.clock.instant());
        var ok = server.http.from(76).post("/v1/auth/login/mfa", map("mfa_token", signIn.apply(67), "code", later));
        assertThat(ok.status()).as(ok.body()).isEqualTo(200);
    }

    @Test
    void whenWrongCodesTurnTotpOff_thenTheyCountAgainstTheAccountsSecondFactorAttempts() {
        var user = totpUser("mfa-off-guess@example.com", 101);
        String wrong = wrongCode(user.secret());
        // Confirming TOTP was the first attempt; nine wrong codes at turning it off (all mfa-code leaves) make ten.
        for (int i = 0; i < 9; i++) {
            var r = server.http
                    .from(101)
                    .post("/v1/auth/mfa/disable")
                    .bearer(user.token())
                    .json(map("code", wrong))
                    .send();
            assertThat(r.status()).as("attempt %d: %s", i + 2, r.body()).isEqualTo(400);
        }
        // Two sign-ins, five wrong codes each, from addresses of their own: twenty.
        for (int i = 0; i < 2; i++) {
            String mfaToken = mfaToken(user.email(), 102 + i);
            for (int j = 0; j < 5; j++) {
                var r = server.http.from(104 + i).post("/v1/auth/login/mfa", map("mfa_token", mfaToken, "code", wrong));
                assertThat(r.status()).as("attempt %d", 11 + i * 5 + j).isEqualTo(401);
            }
        }
        // The 21st, with the right code: refused.
        String good = TotpCodes.at(user.secret(), server.clock.instant());
        var refused = server.http
                .from(106)
                .post("/v1/auth/login/mfa", map("mfa_token", mfaToken(user.email(), 106), "code", good));
        assertThat(refused.status()).as(refused.body()).isEqualTo(429);
        assertThat(refused.header("Retry-After")).isNotNull();
    }

    @Test
    void whenTheAccountsSecondFactorAttemptsAreSpent_thenTurningTotpOffIsRefusedEvenWithTheRightCode() {
        var user = totpUser("mfa-off-spent@example.com", 111);
        String wrong = wrongCode(user.secret());
        // Confirming TOTP was the first attempt; 19 wrong codes at sign-ins (five a token) make twenty.
        String mfaToken = null;
        for (int n = 0; n < 19; n++) {
            if (n % 5 == 0) mfaToken = mfaToken(user.email(), 112 + n / 5);
            var r = server.http.from(116 + n / 5).post("/v1/auth/login/mfa", map("mfa_token", mfaToken, "code", wrong));
            assertThat(r.status()).as("attempt %d", n + 2).isEqualTo(401);
        }

        String good = TotpCodes.at(user.secret(), server.clock.instant());
        var refused = server.http
                .from(120)
                .post("/v1/auth/mfa/disable")
                .bearer(user.token())
                .json(map("code", good))
                .send();

        assertThat(refused.status()).as(refused.body()).isEqualTo(429);
        assertThat(refused.text("code")).isEqualTo("rate_limited");
        assertThat(refused.header("Retry-After")).isNotNull();
        var status = server.http
                .from(120)
                .get("/v1/auth/mfa/status")
                .bearer(user.token())
                .send();
        assertThat(status.json().path("totp_enabled").asBoolean()).isTrue();
    }

    /** A user who turned TOTP on through the API from 127.0.0.{@code ip}, the clock then past the enabling code. */
    private record TotpUser(String email, String token, String secret) {}

    private static TotpUser totpUser(String email, int ip) {
        server.register(email, "Correct-Horse-Battery-9");
        String token = server.http
                .from(ip)
                .post("/v1/auth/login", map("email", email, "password", "Correct-Horse-Battery-9"))
                .json()
                .path("tokens")
                .path("access_token")
                .asText();
        String secret = server.http
                .from(ip)
                .post("/v1/auth/mfa/setup")
                .bearer(token)
                .send()
                .text("secret");
        var enable = server.http
                .from(ip)
                .post("/v1/auth/mfa/enable")
                .bearer(token)
                .json(map("code", TotpCodes.at(secret, server.clock.instant())))
                .send();
        assertThat(enable.status()).as(enable.body()).isEqualTo(200);
        server.clock.advance(Duration.ofSeconds(30)); // the enabling code is spent
        return new TotpUser(email, token, secret);
    }

    private static String mfaToken(String email, int ip) {
        return server.http
                .from(ip)
                .post("/v1/auth/login", map("email", email, "password", "Correct-Horse-Battery-9"))
                .text("mfa_token");
    }

    private static String wrongCode(String secret) {
        String good = TotpCodes.at(secret, server.clock.instant());
        return String.format("%06d", (Integer.parseInt(good) + 1) % 1_000_000);
    }

    private static HttpJson.Response login(HttpJson http, String email) {
        return http.post("/v1/auth/login", map("email", email, "password", "Not-The-Password-1"));
    }

    /** {@code allowed} calls answer {@code okStatus} with falling X-RateLimit-Remaining; the next one is 429. */
    private static void assertSequence(
            HttpJson http, int allowed, int okStatus, IntFunction<String> path, IntFunction<Object> body) {
        for (int i = 0; i < allowed; i++) {
            var r = http.post(path.apply(i), body.apply(i));
            assertThat(r.status()).as("call %d: %s", i + 1, r.body()).isEqualTo(okStatus);
            assertThat(r.header("X-RateLimit-Limit")).isEqualTo(Integer.toString(allowed));
            assertThat(r.header("X-RateLimit-Remaining")).isEqualTo(Integer.toString(allowed - 1 - i));
            assertThat(r.header("X-RateLimit-Reset")).isNotNull();
        }
        var refused = http.post(path.apply(allowed), body.apply(allowed));
        assertThat(refused.status()).as(refused.body()).isEqualTo(429);
        assertThat(refused.header("Retry-After")).isNotNull();
        assertThat(refused.header("X-RateLimit-Limit")).isEqualTo(Integer.toString(allowed));
        assertThat(refused.header("X-RateLimit-Remaining")).isEqualTo("0");
    }

    private static void assertLimitHeaders(HttpJson.Response r, int limit, int remaining, Duration window) {
        assertThat(r.header("X-RateLimit-Limit")).isEqualTo(Integer.toString(limit));
        assertThat(r.header("X-RateLimit-Remaining")).isEqualTo(Integer.toString(remaining));
        long reset = Long.parseLong(r.header("X-RateLimit-Reset"));
        long now = server.clock.instant().getEpochSecond();
        assertThat(reset).isBetween(now, now + window.toSeconds() + 1);
    }
}
