package dev.gatehouse.oidc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.mfa.TotpCodes;
import dev.gatehouse.testkit.HttpJson;
import dev.gatehouse.testkit.ServerTest;
import dev.gatehouse.testkit.TestAccounts;
import dev.gatehouse.testkit.TestServer;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Over HTTPS the SSO cookie is a {@code __Host-} cookie (ADR 0023), and only that name signs a browser in: a sibling
 * host of the same site cannot plant one, and a planted unprefixed one is ignored. The server listens on plain HTTP
 * behind its HTTPS issuer, as behind a TLS proxy; cookies are sent by hand, since a client does not send
 * {@code Secure} cookies over plain HTTP.
 */
@ServerTest
class HostCookieTest {
    static final String PASSWORD = "Correct-Horse-Battery-9";
    static TestServer server;
    static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        server = TestServer.start(Map.of("GATEHOUSE_ISSUER", "https://id.example.test"));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static HttpResponse<String> get(String path, String cookie) throws Exception {
        var req = HttpRequest.newBuilder(URI.create(server.base + path)).GET();
        if (cookie != null) req.header("Cookie", cookie);
        return http.send(req.build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> post(String path, String cookie, Map<String, String> form) throws Exception {
        String body = form.entrySet().stream()
                .map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        var req = HttpRequest.newBuilder(URI.create(server.base + path))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Sec-Fetch-Site", "same-origin")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (cookie != null) req.header("Cookie", cookie);
        return http.send(req.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The Set-Cookie header for {@code name}. */
    static String setCookie(HttpResponse<String> r, String name) {
        List<String> all = r.headers().allValues("Set-Cookie");
        return all.stream()
                .filter(c -> c.startsWith(name + "="))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no " + name + " cookie in " + all));
    }

    static String value(String setCookie) {
        return setCookie.substring(setCookie.indexOf('=') + 1, setCookie.indexOf(';'));
    }

    static String field(String html, String name) {
        var m = Pattern.compile("name=\"" + name + "\" value=\"([^\"]*)\"").matcher(html);
        if (!m.find()) throw new AssertionError("no field " + name);
        return m.group(1);
    }

    static boolean signedIn(String cookie) throws Exception {
        var r = get("/session", cookie);
        assertThat(r.statusCode()).isEqualTo(200);
        return r.body().contains("\"authenticated\":true");
    }

    @Test
    void whenABrowserSignsInOverHttps_thenItsSsoCookieIsAHostCookieAndOnlyThatNameCounts() throws Exception {
        String email = server.register("host-" + System.nanoTime() + "@example.com", PASSWORD);
        var page = get("/login", null);
        String csrfCookie = setCookie(page, "gh_csrf");
        assertThat(csrfCookie).contains("Secure").contains("HttpOnly").contains("SameSite=Strict");
        String csrf = value(csrfCookie);
        assertThat(field(page.body(), "csrf")).isEqualTo(csrf);

        var done = post("/login", "gh_csrf=" + csrf, Map.of("csrf", csrf, "email", email, "password", PASSWORD));
        assertThat(done.statusCode()).as(done.body()).isEqualTo(200);
        String sso = setCookie(done, "__Host-gh_sso");
        assertThat(sso)
                .contains("Path=/")
                .contains("Secure")
                .contains("HttpOnly")
                .contains("SameSite=Lax");
        assertThat(sso.toLowerCase(java.util.Locale.ROOT)).doesNotContain("domain=");
        assertThat(done.headers().allValues("Set-Cookie")).noneMatch(c -> c.startsWith("gh_sso="));
        String session = value(sso);

        assertThat(signedIn("__Host-gh_sso=" + session)).isTrue();
        // The same value under the bare name, as a sibling host could plant it, signs nobody in.
        assertThat(signedIn("gh_sso=" + session)).isFalse();

        // Logout expires it with the attributes a browser needs to drop a __Host- cookie.
        var confirm = get("/oauth2/logout", "__Host-gh_sso=" + session);
        assertThat(confirm.statusCode()).isEqualTo(302);
        var logoutPage = get(confirm.headers().firstValue("Location").orElseThrow(), "__Host-gh_sso=" + session);
        String logoutCsrf = value(setCookie(logoutPage, "gh_logout_csrf"));
        var out = post(
                "/logout",
                "__Host-gh_sso=" + session + "; gh_logout_csrf=" + logoutCsrf,
                Map.of("csrf", field(logoutPage.body(), "csrf")));
        assertThat(out.statusCode()).as(out.body()).isEqualTo(200);
        assertThat(setCookie(out, "__Host-gh_sso"))
                .startsWith("__Host-gh_sso=;")
                .contains("Expires=Thu, 01 Jan 1970 00:00:00 GMT")
                .contains("Path=/")
                .contains("Secure");
        assertThat(signedIn("__Host-gh_sso=" + session)).isFalse();
    }

    @Test
    void whenSigningInOverHttps_thenTheDeviceCookieIsAHostCookieAndAPlantedBareOneIsIgnored() {
        String email = server.register("host-device-" + System.nanoTime() + "@example.com", PASSWORD);
        String planted = "planted-device-0001";

        var r = server.http
                .post("/v1/auth/login")
                .header("Cookie", "gh_device=" + planted)
                .json(HttpJson.map("email", email, "password", PASSWORD))
                .send();

        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.text("device_id")).isNotEqualTo(planted);
        var cookies = r.raw().headers().allValues("Set-Cookie");
        assertThat(cookies).noneMatch(c -> c.startsWith("gh_device="));
        String device = cookies.stream()
                .filter(c -> c.startsWith("__Host-gh_device="))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no __Host-gh_device cookie in " + cookies));
        assertThat(device)
                .startsWith("__Host-gh_device=" + r.text("device_id") + ";")
                .contains("Path=/")
                .contains("Secure")
                .contains("HttpOnly");
        assertThat(device.toLowerCase(java.util.Locale.ROOT)).doesNotContain("domain=");
        var again = server.http
                .post("/v1/auth/login")
                .header("Cookie", "__Host-gh_device=" + r.text("device_id"))
                .json(HttpJson.map("email", email, "password", PASSWORD))
                .send();
        assertThat(again.text("device_id")).isEqualTo(r.text("device_id"));
    }

    @Test
    void whenATrustedBrowserSignsInOverHttps_thenOnlyTheHostCookiesSkipTheSecondStep() throws Exception {
        var accounts = new TestAccounts(server);
        String email = server.register("host-trust-" + System.nanoTime() + "@example.com", PASSWORD);
        String totp = accounts.enableTotp(accounts.signIn(email, PASSWORD).accessToken())
                .secret();
        String laptop = "laptop-device-0001";
        var first = server.http
                .post("/v1/auth/login")
                .header("X-Device-Id", laptop)
                .json(HttpJson.map("email", email, "password", PASSWORD))
                .send();
        var done = server.http
                .post("/v1/auth/login/mfa")
                .header("X-Device-Id", laptop)
                .json(HttpJson.map(
                        "mfa_token", first.text("mfa_token"), "code", TotpCodes.at(totp, server.clock.instant())))
                .send();
        var trust = server.http
                .post("/v1/auth/mfa/trust-device")
                .bearer(done.json().path("tokens").path("access_token").asText())
                .header("X-Device-Id", laptop)
                .send();
        assertThat(trust.status()).as(trust.body()).isEqualTo(200);
        String trustCookie = trust.raw().headers().allValues("Set-Cookie").stream()
                .filter(c -> c.startsWith("__Host-gh_device_trust="))
                .findFirst()
                .orElseThrow();
        assertThat(trustCookie).contains("Secure").contains("HttpOnly").contains("Path=/");
        String token = trust.text("trust_token");
        assertThat(value(trustCookie)).isEqualTo(token);

        assertThat(hostedSignIn(email, "__Host-gh_device=" + laptop + "; __Host-gh_device_trust=" + token))
                .as("the host cookies skip the second step")
                .doesNotContain("name=\"mfa_token\"");
        assertThat(hostedSignIn(email, "gh_device=" + laptop + "; gh_device_trust=" + token))
                .as("the bare names, as a sibling host could plant them, do not")
                .contains("name=\"mfa_token\"");
    }

    /** Signs in on the hosted /login with {@code cookies} besides the CSRF cookie; answers the page it shows. */
    private static String hostedSignIn(String email, String cookies) throws Exception {
        var page = get("/login", null);
        String csrf = value(setCookie(page, "gh_csrf"));
        var done = post(
                "/login",
                "gh_csrf=" + csrf + "; " + cookies,
                Map.of("csrf", csrf, "email", email, "password", PASSWORD));
        assertThat(done.statusCode()).as(done.body()).isEqualTo(200);
        return done.body();
    }
}
