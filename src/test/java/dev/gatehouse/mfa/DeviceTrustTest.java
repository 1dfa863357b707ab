package dev.gatehouse.mfa;

import static dev.gatehouse.testkit.HttpJson.map;
import static dev.gatehouse.testkit.TestAccounts.PASSWORD;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.testkit.HttpJson;
import dev.gatehouse.testkit.ServerTest;
import dev.gatehouse.testkit.TestAccounts;
import dev.gatehouse.testkit.TestServer;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** /v1/auth/mfa/trust-device, revoke-trust and /v1/devices: trusted devices skip MFA for 30 days. */
@ServerTest
class DeviceTrustTest {
    static TestServer server;
    static TestAccounts accounts;

    @BeforeAll
    static void start() {
        server = TestServer.start();
        accounts = new TestAccounts(server);
        MfaTotpTest.server = server;
        MfaTotpTest.accounts = accounts;
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static String device() {
        return "dev-" + UUID.randomUUID().toString().replace("-", "");
    }

    static HttpJson.Response login(String email, String deviceId) {
        return server.http
                .post("/v1/auth/login")
                .header("X-Device-Id", deviceId)
                .json(map("email", email, "password", PASSWORD))
                .send();
    }

    /** Signs in with password and TOTP from {@code deviceId}; answers the access token. */
    static String signInWithMfa(MfaTotpTest.Enrolled e, String deviceId) {
        var first = login(e.email(), deviceId);
        assertThat(first.json().path("mfa_required").asBoolean()).isTrue();
        assertThat(first.text("device_id")).isEqualTo(deviceId);
        var r = server.http
                .post("/v1/auth/login/mfa")
                .header("X-Device-Id", deviceId)
                .json(map("mfa_token", first.text("mfa_token"), "code", MfaTotpTest.now(e)))
                .send();
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.text("device_id")).isEqualTo(deviceId);
        server.clock.advance(Duration.ofSeconds(30));
        return r.json().path("tokens").path("access_token").asText();
    }

    static HttpJson.Response trustThis(String token, String deviceId) {
        return server.http
                .post("/v1/auth/mfa/trust-device")
                .bearer(token)
                .header("X-Device-Id", deviceId)
                .send();
    }

    @Test
    void whenTheDeviceIsTrusted_thenLoginFromItSkipsMfaButOtherDevicesStillAsk() {
        var e = MfaTotpTest.enrolled("trust");
        String laptop = device();
        String token = signInWithMfa(e, laptop);

        var trust = trustThis(token, laptop);

        assertThat(trust.status()).as(trust.body()).isEqualTo(200);
        assertThat(trust.text("device_id")).isEqualTo(laptop);
        assertThat(trust.text("trusted_until")).isNotBlank();
        var again = login(e.email(), laptop);
        assertThat(again.json().has("mfa_required")).isFalse();
        assertThat(again.json().path("tokens").path("access_token").asText()).isNotBlank();
        assertThat(login(e.email(), device()).json().path("mfa_required").asBoolean())
                .isTrue();
    }

    @Test
    void whenTheDeviceCookieCarriesTheTrustedId_thenItCountsLikeTheHeader() {
        var e = MfaTotpTest.enrolled("cookie");
        String laptop = device();
        trustThis(signInWithMfa(e, laptop), laptop);

        var r = server.http
                .post("/v1/auth/login")
                .header("Cookie", "gh_device=" + laptop)
                .json(map("email", e.email(), "password", PASSWORD))
                .send();

        assertThat(r.json().has("mfa_required")).isFalse();
    }

    @Test
    void whenThirtyDaysPass_thenTheTrustHasLapsed() {
        var e = MfaTotpTest.enrolled("lapse");
        String laptop = device();
        trustThis(signInWithMfa(e, laptop), laptop);

        server.clock.advance(Duration.ofDays(29));
        assertThat(login(e.email(), laptop).json().has("mfa_required")).isFalse();
        server.clock.advance(Duration.ofDays(1).plusMinutes(1));
        assertThat(login(e.email(), laptop).json().path("mfa_required").asBoolean())
                .isTrue();
    }

    @Test
    void whenTrustIsRevoked_thenLoginAsksAgain() {
        var e = MfaTotpTest.enrolled("revoke");
        String laptop = device();
        String token = signInWithMfa(e, laptop);
        trustThis(token, laptop);

        var r = server.http
                .post("/v1/auth/mfa/revoke-trust")
                .bearer(token)
                .header("X-Device-Id", laptop)
                .send();

        assertThat(r.status()).isEqualTo(200);
        assertThat(login(e.email(), laptop).json().path("mfa_required").asBoolean())
                .isTrue();
    }

    @Test
    void whenAnUnknownDeviceIsNamed_thenItCannotBeTrusted() {
        var e = MfaTotpTest.enrolled("unknown");
        String token = signInWithMfa(e, device());

        var r = trustThis(token, device());

        assertThat(r.status()).isEqualTo(404);
    }

    @Test
    void whenNoDeviceIsNamed_thenTheDeviceOfTheCallersSessionIsTrusted() {
        var e = MfaTotpTest.enrolled("session");
        String laptop = device();
        String token = signInWithMfa(e, laptop);

        var r = server.http.post("/v1/auth/mfa/trust-device").bearer(token).send();

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.text("device_id")).isEqualTo(laptop);
    }

    @Test
    void whenDevicesAreListed_thenEachDeviceAppearsOnceWithItsTrustAndTheCurrentOneMarked() {
        var u = accounts.registered("list");
        String phone = device();
        String laptop = device();
        accounts.signIn(u, PASSWORD, "X-Device-Id", phone);
        accounts.signIn(u, PASSWORD, "X-Device-Id", phone);
        String token = accounts.signIn(u, PASSWORD, "X-Device-Id", laptop).accessToken();
        server.http.post("/v1/devices/" + phone + "/trust").bearer(token).send();

        var r = server.http.get("/v1/devices").bearer(token).send();

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().path("count").asInt()).isEqualTo(2);
        JsonNode first = r.json().path("devices").get(0);
        JsonNode second = r.json().path("devices").get(1);
        boolean phoneFirst = first.path("id").asText().equals(phone);
        JsonNode phoneView = phoneFirst ? first : second;
        JsonNode laptopView = phoneFirst ? second : first;
        assertThat(phoneView.path("active_sessions").asInt()).isEqualTo(2);
        assertThat(phoneView.path("trusted").asBoolean()).isTrue();
        assertThat(phoneView.path("current").asBoolean()).isFalse();
        assertThat(laptopView.path("trusted").asBoolean()).isFalse();
        assertThat(laptopView.path("current").asBoolean()).isTrue();
        var one = server.http.get("/v1/devices/" + phone).bearer(token).send();
        assertThat(one.status()).isEqualTo(200);
        assertThat(one.text("id")).isEqualTo(phone);
    }

    @Test
    void whenADeviceIsDeleted_thenItsSessionsEndAndOtherDevicesStay() {
        var u = accounts.registered("delete");
        String phone = device();
        var onPhone = accounts.signIn(u, PASSWORD, "X-Device-Id", phone);
        var onLaptop = accounts.signIn(u, PASSWORD, "X-Device-Id", device());

        var r = server.http
                .delete("/v1/devices/" + phone)
                .bearer(onLaptop.accessToken())
                .send();

        assertThat(r.status()).isEqualTo(204);
        assertThat(accounts.meStatus(onPhone.accessToken())).isEqualTo(401);
        assertThat(accounts.refresh(onPhone.refreshToken()).status()).isEqualTo(401);
        assertThat(accounts.meStatus(onLaptop.accessToken())).isEqualTo(200);
        assertThat(accounts.auditOf(onLaptop.userId()).stream()
                        .map(n -> n.path("event_type").asText()))
                .contains("device.removed");
    }

    @Test
    void whenTrustIsRemovedThroughDevices_thenTheDeviceIsNoLongerTrusted() {
        var u = accounts.registered("untrust");
        String phone = device();
        String token = accounts.signIn(u, PASSWORD, "X-Device-Id", phone).accessToken();
        server.http.post("/v1/devices/" + phone + "/trust").bearer(token).send();

        var r = server.http
                .delete("/v1/devices/" + phone + "/trust")
                .bearer(token)
                .send();

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().path("trusted").asBoolean()).isFalse();
    }

    @Test
    void whenAnotherUsersDeviceIsNamed_thenItIsNotFound() {
        var alice = accounts.registered("alice");
        String alicePhone = device();
        accounts.signIn(alice, PASSWORD, "X-Device-Id", alicePhone);
        String mallory = accounts.newUser("mallory").accessToken();

        assertThat(server.http
                        .get("/v1/devices/" + alicePhone)
                        .bearer(mallory)
                        .send()
                        .status())
                .isEqualTo(404);
        assertThat(server.http
                        .delete("/v1/devices/" + alicePhone)
                        .bearer(mallory)
                        .send()
                        .status())
                .isEqualTo(404);
        assertThat(server.http
                        .post("/v1/devices/" + alicePhone + "/trust")
                        .bearer(mallory)
                        .send()
                        .status())
                .isEqualTo(404);
        assertThat(server.http
                        .get("/v1/devices/bad%20id")
                        .bearer(mallory)
                        .send()
                        .status())
                .isEqualTo(404);
    }
}
