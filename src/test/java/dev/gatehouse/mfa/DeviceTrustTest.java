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

    /** A password sign-in from a trusted device, showing its trust token. */
    static HttpJson.Response login(String email, String deviceId, String trustToken) {
        return server.http
                .post("/v1/auth/login")
                .header("X-Device-Id", deviceId)
                .header("X-Device-Trust", trustToken)
                .json(map("email", email, "password", PASSWORD))
                .send();
    }

    /** Whether a password sign-in from {@code deviceId} (showing {@code trustToken}, if any) asks for the second factor. */
    static boolean asksForTheSecondFactor(String email, String deviceId, String... trustToken) {
        var r = trustToken.length == 0 ? login(email, deviceId) : login(email, deviceId, trustToken[0]);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json().path("mfa_required").asBoolean();
    }

    /** Signs in with password and TOTP from {@code deviceId} and trusts it; answers the trust token. */
    static String trusted(MfaTotpTest.Enrolled e, String deviceId) {
        var trust = trustThis(signInWithMfa(e, deviceId), deviceId);
        assertThat(trust.status()).as(trust.body()).isEqualTo(200);
        return trust.text("trust_token");
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
        String trustToken = trust.text("trust_token");
        assertThat(trustToken).startsWith("gdt_");
        var again = login(e.email(), laptop, trustToken);
        assertThat(again.json().has("mfa_required")).isFalse();
        assertThat(again.json().path("tokens").path("access_token").asText()).isNotBlank();
        assertThat(asksForTheSecondFactor(e.email(), device(), trustToken)).isTrue();
    }

    @Test
    void whenOnlyTheTrustedDevicesIdIsShown_thenTheSecondFactorIsStillAsked() {
        var e = MfaTotpTest.enrolled("id-only");
        String laptop = device();
        String trustToken = trusted(e, laptop);

        // The id is no secret: GET /v1/devices shows it to any holder of an access token.
        assertThat(asksForTheSecondFactor(e.email(), laptop)).isTrue();
        assertThat(asksForTheSecondFactor(e.email(), laptop, "gdt_" + "x".repeat(43)))
                .isTrue();
        assertThat(asksForTheSecondFactor(e.email(), laptop, trustToken)).isFalse();
    }

    @Test
    void whenTheDeviceCookiesCarryTheTrustedIdAndToken_thenTheyCountLikeTheHeaders() {
        var e = MfaTotpTest.enrolled("cookie");
        String laptop = device();
        var trust = trustThis(signInWithMfa(e, laptop), laptop);
        String setCookie = trust.header("Set-Cookie");
        assertThat(setCookie)
                .startsWith("gh_device_trust=" + trust.text("trust_token") + ";")
                .contains("HttpOnly")
                .contains("Path=/");

        var r = server.http
                .post("/v1/auth/login")
                .header("Cookie", "gh_device=" + laptop + "; gh_device_trust=" + trust.text("trust_token"))
                .json(map("email", e.email(), "password", PASSWORD))
                .send();
        var idOnly = server.http
                .post("/v1/auth/login")
                .header("Cookie", "gh_device=" + laptop)
                .json(map("email", e.email(), "password", PASSWORD))
                .send();

        assertThat(r.json().has("mfa_required")).as(r.body()).isFalse();
        assertThat(idOnly.json().path("mfa_required").asBoolean()).isTrue();
    }

    @Test
    void whenThirtyDaysPass_thenTheTrustHasLapsed() {
        var e = MfaTotpTest.enrolled("lapse");
        String laptop = device();
        String trustToken = trusted(e, laptop);

        server.clock.advance(Duration.ofDays(29));
        assertThat(asksForTheSecondFactor(e.email(), laptop, trustToken)).isFalse();
        server.clock.advance(Duration.ofDays(1).plusMinutes(1));
        assertThat(asksForTheSecondFactor(e.email(), laptop, trustToken)).isTrue();
    }

    @Test
    void whenTrustIsRevoked_thenLoginAsksAgain() {
        var e = MfaTotpTest.enrolled("revoke");
        String laptop = device();
        String token = signInWithMfa(e, laptop);
        String trustToken = trustThis(token, laptop).text("trust_token");

        var r = server.http
                .post("/v1/auth/mfa/revoke-trust")
                .bearer(token)
                .header("X-Device-Id", laptop)
                .send();

        assertThat(r.status()).isEqualTo(200);
        assertThat(asksForTheSecondFactor(e.email(), laptop, trustToken)).isTrue();
    }

    @Test
    void whenAKeptTokenTrustsItsDevice_thenItIsRefusedAndThePasswordAloneStillMeetsTheSecondFactor() {
        var e = MfaTotpTest.enrolled("kept");
        String laptop = device();
        var first = login(e.email(), laptop);
        var done = server.http
                .post("/v1/auth/login/mfa")
                .header("X-Device-Id", laptop)
                .json(map("mfa_token", first.text("mfa_token"), "code", MfaTotpTest.now(e)))
                .send();
        assertThat(done.status()).as(done.body()).isEqualTo(200);
        server.clock.advance(Duration.ofMinutes(20)); // kept, and refreshed: no longer a recent sign-in
        var refreshed = accounts.refresh(
                done.json().path("tokens").path("refresh_token").asText());
        assertThat(refreshed.status()).as(refreshed.body()).isEqualTo(200);
        String kept = refreshed.json().path("tokens").path("access_token").asText();
        String listed = server.http
                .get("/v1/devices")
                .bearer(kept)
                .send()
                .json()
                .path("devices")
                .get(0)
                .path("id")
                .asText();

        var bySession =
                server.http.post("/v1/auth/mfa/trust-device").bearer(kept).send();
        var byId = server.http
                .post("/v1/devices/" + listed + "/trust")
                .bearer(kept)
                .send();

        assertThat(bySession.status()).as(bySession.body()).isEqualTo(401);
        assertThat(bySession.json().path("code").asText()).isEqualTo("insufficient_user_authentication");
        assertThat(bySession.header("WWW-Authenticate")).contains("insufficient_user_authentication");
        assertThat(byId.status()).as(byId.body()).isEqualTo(401);
        assertThat(asksForTheSecondFactor(e.email(), listed))
                .as("the password and the listed device id still meet the second factor")
                .isTrue();
        assertThat(accounts.auditOf(accounts.idOf(e.email())).stream()
                        .map(n -> n.path("event_type").asText()))
                .doesNotContain("device.trusted");
    }

    @Test
    void whenASignInWithoutASecondFactorTrustsItsDevice_thenItIsRefused() {
        var u = accounts.registered("no-factor");
        String phone = device();
        String token = accounts.signIn(u, PASSWORD, "X-Device-Id", phone).accessToken();

        var r = server.http
                .post("/v1/devices/" + phone + "/trust")
                .bearer(token)
                .send();

        assertThat(r.status()).as(r.body()).isEqualTo(403);
        assertThat(r.json().path("code").asText()).isEqualTo("second_factor_required");
        assertThat(server.http
                        .get("/v1/devices/" + phone)
                        .bearer(token)
                        .send()
                        .json()
                        .path("trusted")
                        .asBoolean())
                .isFalse();
    }

    @Test
    void whenAnotherOfTheUsersDevicesIsNamed_thenItCannotBeTrustedFromThisSignIn() {
        var e = MfaTotpTest.enrolled("other-device");
        String phone = device();
        signInWithMfa(e, phone);
        String laptop = device();
        String onLaptop = signInWithMfa(e, laptop);

        var byId = server.http
                .post("/v1/devices/" + phone + "/trust")
                .bearer(onLaptop)
                .send();
        var byHeader = trustThis(onLaptop, phone);

        assertThat(byId.status()).as(byId.body()).isEqualTo(403);
        assertThat(byId.json().path("code").asText()).isEqualTo("not_this_device");
        assertThat(byHeader.status()).as(byHeader.body()).isEqualTo(403);
        assertThat(byHeader.json().path("code").asText()).isEqualTo("not_this_device");
        assertThat(asksForTheSecondFactor(e.email(), phone)).isTrue();
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
        var e = MfaTotpTest.enrolled("list");
        String phone = device();
        String laptop = device();
        signInWithMfa(e, phone);
        String onPhone = signInWithMfa(e, phone);
        var trust = server.http
                .post("/v1/devices/" + phone + "/trust")
                .bearer(onPhone)
                .send();
        assertThat(trust.status()).as(trust.body()).isEqualTo(200);
        assertThat(trust.text("trust_token")).startsWith("gdt_");
        String token = signInWithMfa(e, laptop);

        var r = server.http.get("/v1/devices").bearer(token).send();

        assertThat(r.status()).isEqualTo(200);
        // The phone, the laptop, and the device TOTP was enrolled from.
        assertThat(r.json().path("count").asInt()).isEqualTo(3);
        var byId = new java.util.HashMap<String, JsonNode>();
        r.json().path("devices").forEach(d -> byId.put(d.path("id").asText(), d));
        assertThat(byId).hasSize(3);
        JsonNode phoneView = byId.get(phone);
        JsonNode laptopView = byId.get(laptop);
        assertThat(phoneView.path("active_sessions").asInt()).isEqualTo(2);
        assertThat(phoneView.path("trusted").asBoolean()).isTrue();
        assertThat(phoneView.has("trust_token")).as("shown once, never listed").isFalse();
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
        var e = MfaTotpTest.enrolled("untrust");
        String phone = device();
        String token = signInWithMfa(e, phone);
        assertThat(server.http
                        .post("/v1/devices/" + phone + "/trust")
                        .bearer(token)
                        .send()
                        .status())
                .isEqualTo(200);

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
