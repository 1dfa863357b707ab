package dev.gatehouse.webauthn;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.testkit.HttpJson;
import dev.gatehouse.testkit.Passkeys;
import dev.gatehouse.testkit.ServerTest;
import dev.gatehouse.testkit.SoftAuthenticator;
import dev.gatehouse.testkit.TestAccounts;
import dev.gatehouse.testkit.TestServer;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Seed 004's WebAuthn endpoints and passwordless passkey sign-in, end to end over HTTP with a software authenticator
 * producing real ES256 attestations and assertions.
 */
@ServerTest
class WebAuthnApiTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static TestServer server;
    static TestAccounts accounts;

    @BeforeAll
    static void start() {
        server = TestServer.start();
        accounts = new TestAccounts(server);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    // ---- helpers

    static SoftAuthenticator authenticator() {
        return new SoftAuthenticator(server.base);
    }

    static JsonNode registerBegin(String access) {
        return Passkeys.registerBegin(server, access);
    }

    static HttpJson.Response registerFinish(String access, ObjectNode credential) {
        return Passkeys.registerFinish(server, access, credential);
    }

    /** Registers a new credential of {@code auth} for the signed-in user; returns the stored credential's view. */
    static JsonNode register(String access, SoftAuthenticator auth, String name) {
        ObjectNode credential = auth.create(registerBegin(access));
        if (name != null) credential.put("name", name);
        var r = registerFinish(access, credential);
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        return r.json();
    }

    static JsonNode loginBegin() {
        var r = server.http.post("/v1/auth/passkeys/login/begin").send();
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json();
    }

    static HttpJson.Response loginFinish(ObjectNode assertion) {
        return server.http
                .post("/v1/auth/passkeys/login/finish")
                .json(assertion)
                .send();
    }

    static List<JsonNode> credentials(String access) {
        var r = server.http
                .get("/v1/auth/mfa/webauthn/credentials")
                .bearer(access)
                .send();
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        var out = new ArrayList<JsonNode>();
        r.json().path("credentials").forEach(out::add);
        return out;
    }

    static List<String> events(String userId) {
        return accounts.auditOf(userId).stream()
                .map(e ->
                        e.path("event_type").asText() + ":" + e.path("outcome").asText())
                .toList();
    }

    static String host() {
        return URI.create(server.base).getHost();
    }

    // ---- registration

    @Test
    void whenRegistrationBegins_thenW3cCreationOptionsWithTheIssuerAsRelyingParty() {
        var user = accounts.newUser("begin");
        String email = user.body().path("user").path("email").asText();

        JsonNode pk = registerBegin(user.accessToken()).path("publicKey");

        assertThat(pk.path("rp").path("id").asText()).isEqualTo(host());
        assertThat(pk.path("user").path("name").asText()).isEqualTo(email);
        byte[] handle = Base64.getUrlDecoder().decode(pk.path("user").path("id").asText());
        assertThat(handle).hasSize(32);
        assertThat(pk.path("user").path("id").asText()).doesNotContain(user.userId());
        assertThat(Base64.getUrlDecoder().decode(pk.path("challenge").asText())).hasSizeGreaterThanOrEqualTo(16);
        assertThat(pk.path("challenge").asText()).doesNotContain("=", "+", "/");
        assertThat(pk.path("attestation").asText()).isEqualTo("none");
        assertThat(pk.path("authenticatorSelection").path("residentKey").asText())
                .isEqualTo("preferred");
        assertThat(pk.path("authenticatorSelection").path("userVerification").asText())
                .isEqualTo("preferred");
        assertThat(pk.path("timeout").asLong()).isEqualTo(300_000);
        List<Integer> algs = new ArrayList<>();
        pk.path("pubKeyCredParams").forEach(p -> algs.add(p.path("alg").asInt()));
        assertThat(algs).contains(-7);
        // the same handle every time for one user
        assertThat(registerBegin(user.accessToken())
                        .path("publicKey")
                        .path("user")
                        .path("id")
                        .asText())
                .isEqualTo(pk.path("user").path("id").asText());
    }

    @Test
    void whenRegistrationFinishes_thenTheCredentialIsListedWithNameTransportsAndDates() {
        var user = accounts.newUser("reg");
        var auth = authenticator();

        JsonNode created = register(user.accessToken(), auth, "YubiKey 5C");

        assertThat(created.path("name").asText()).isEqualTo("YubiKey 5C");
        assertThat(created.path("credential_id").asText()).isEqualTo(auth.last().idBase64Url());
        var list = credentials(user.accessToken());
        assertThat(list).hasSize(1);
        JsonNode c = list.get(0);
        assertThat(c.path("id").asText()).isEqualTo(created.path("id").asText());
        assertThat(c.path("name").asText()).isEqualTo("YubiKey 5C");
        assertThat(c.path("transports").toString()).isEqualTo("[\"nfc\",\"usb\"]");
        assertThat(c.path("discoverable").asBoolean()).isTrue();
        assertThat(c.path("created_at").asText()).isNotBlank();
        assertThat(c.has("last_used_at")).isFalse();
        assertThat(c.path("aaguid").asText()).isEqualTo("67617465-686f-7573-652d-746573740001");
        assertThat(events(user.userId())).contains("webauthn.registered:success");
    }

    @Test
    void whenTheFirstFactorIsAPasskey_thenItsRegistrationAnswersBackupCodesOnceAndTheyWork() {
        var user = accounts.newUser("firstkey");
        String email = user.body().path("user").path("email").asText();

        JsonNode first = register(user.accessToken(), authenticator(), null);
        List<String> codes = new ArrayList<>();
        first.path("backup_codes").forEach(c -> codes.add(c.asText()));
        assertThat(codes).hasSize(10).doesNotHaveDuplicates();
        assertThat(credentials(user.accessToken()).get(0).has("backup_codes")).isFalse();
        // The user has codes now: a second key makes none, so the first set stays good.
        assertThat(register(user.accessToken(), authenticator(), null).has("backup_codes"))
                .isFalse();

        // Losing the keys does not lock the account: the password and a backup code sign in.
        var login = server.http
                .post("/v1/auth/login")
                .json(Map.of("email", email, "password", TestAccounts.PASSWORD))
                .send();
        assertThat(login.json().path("mfa_required").asBoolean())
                .as(login.body())
                .isTrue();
        var second = server.http
                .post("/v1/auth/login/mfa/backup")
                .json(Map.of("mfa_token", login.text("mfa_token"), "code", codes.get(3)))
                .send();
        assertThat(second.status()).as(second.body()).isEqualTo(200);
        assertThat(server.http
                        .get("/v1/auth/mfa/backup-codes/count")
                        .bearer(user.accessToken())
                        .send()
                        .json()
                        .path("count")
                        .asInt())
                .isEqualTo(9);
    }

    @Test
    void whenPackedSelfAttestationIsSent_thenItIsAcceptedToo() {
        var user = accounts.newUser("packed");

        JsonNode created = register(user.accessToken(), authenticator().packedAttestation(), null);

        assertThat(created.path("name").asText()).isEqualTo("Passkey");
    }

    @Test
    void whenTheAuthenticatorMakesANonDiscoverableCredential_thenItIsNamedSecurityKey() {
        var user = accounts.newUser("nonrk");

        JsonNode created = register(user.accessToken(), authenticator().nonDiscoverable(), null);

        assertThat(created.path("name").asText()).isEqualTo("Security key");
        assertThat(created.path("discoverable").asBoolean()).isFalse();
    }

    @Test
    void whenRegisteringAgain_thenExistingCredentialsAreExcluded() {
        var user = accounts.newUser("exclude");
        var auth = authenticator();
        register(user.accessToken(), auth, null);

        JsonNode pk = registerBegin(user.accessToken()).path("publicKey");

        assertThat(pk.path("excludeCredentials")).hasSize(1);
        assertThat(pk.path("excludeCredentials").get(0).path("id").asText())
                .isEqualTo(auth.last().idBase64Url());
    }

    @Test
    void whenTheSameRegistrationResponseIsSentTwice_thenTheSecondIsRefused() {
        var user = accounts.newUser("regreplay");
        ObjectNode credential = authenticator().create(registerBegin(user.accessToken()));
        assertThat(registerFinish(user.accessToken(), credential).status()).isEqualTo(201);

        var again = registerFinish(user.accessToken(), credential);

        assertThat(again.status()).isEqualTo(400);
        assertThat(again.text("code")).isEqualTo("webauthn_challenge_invalid");
        assertThat(credentials(user.accessToken())).hasSize(1);
    }

    @Test
    void whenTheClientDataNamesAnotherOrigin_thenRegistrationIsRefusedAndNothingStored() {
        var user = accounts.newUser("origin");
        var auth = authenticator().origin("https://evil.example");

        var r = registerFinish(user.accessToken(), auth.create(registerBegin(user.accessToken())));

        assertThat(r.status()).isEqualTo(400);
        assertThat(r.text("code")).isEqualTo("webauthn_verification_failed");
        assertThat(r.body()).doesNotContain("evil");
        assertThat(credentials(user.accessToken())).isEmpty();
        assertThat(events(user.userId())).contains("webauthn.registration_failed:failure");
    }

    @Test
    void whenTheOriginDiffersOnlyInPort_thenRegistrationIsRefused() {
        var user = accounts.newUser("port");
        URI base = URI.create(server.base);
        var auth = authenticator().origin(base.getScheme() + "://" + base.getHost() + ":1");

        var r = registerFinish(user.accessToken(), auth.create(registerBegin(user.accessToken())));

        assertThat(r.status()).isEqualTo(400);
    }

    @Test
    void whenTheCredentialIsScopedToAnotherRpId_thenRegistrationIsRefused() {
        var user = accounts.newUser("rpid");
        var auth = authenticator().rpId("evil.example");

        var r = registerFinish(user.accessToken(), auth.create(registerBegin(user.accessToken())));

        assertThat(r.status()).isEqualTo(400);
        assertThat(r.text("code")).isEqualTo("webauthn_verification_failed");
        assertThat(credentials(user.accessToken())).isEmpty();
    }

    @Test
    void whenTheClientDataTypeIsAnAssertion_thenRegistrationIsRefused() {
        var user = accounts.newUser("ctype");
        var auth = authenticator().clientDataType("webauthn.get");

        var r = registerFinish(user.accessToken(), auth.create(registerBegin(user.accessToken())));

        assertThat(r.status()).isEqualTo(400);
    }

    @Test
    void whenAnotherUserFinishesMyRegistration_thenItIsRefused() {
        var me = accounts.newUser("mine");
        var other = accounts.newUser("thief");
        ObjectNode credential = authenticator().create(registerBegin(me.accessToken()));

        var r = registerFinish(other.accessToken(), credential);

        assertThat(r.status()).isEqualTo(400);
        assertThat(r.text("code")).isEqualTo("webauthn_challenge_invalid");
        assertThat(credentials(other.accessToken())).isEmpty();
        assertThat(credentials(me.accessToken())).isEmpty();
    }

    @Test
    void whenTheChallengeHasExpired_thenRegistrationIsRefused() {
        var user = accounts.newUser("expired");
        ObjectNode credential = authenticator().create(registerBegin(user.accessToken()));
        server.clock.advance(Duration.ofMinutes(5).plusSeconds(1));

        var r = registerFinish(user.accessToken(), credential);

        assertThat(r.status()).isEqualTo(400);
        assertThat(r.text("code")).isEqualTo("webauthn_challenge_invalid");
    }

    @Test
    void whenCallsHaveNoTokenOrBadBodies_thenClearErrors() {
        var user = accounts.newUser("bad");
        assertThat(server.http
                        .post("/v1/auth/mfa/webauthn/register/begin")
                        .send()
                        .status())
                .isEqualTo(401);
        assertThat(server.http.get("/v1/auth/mfa/webauthn/credentials").send().status())
                .isEqualTo(401);

        ObjectNode notCredential = JSON.createObjectNode().put("id", "abc").put("type", "public-key");
        notCredential.putObject("response");
        var notParsed = registerFinish(user.accessToken(), notCredential);
        assertThat(notParsed.status()).isEqualTo(400);
        assertThat(notParsed.text("code")).isEqualTo("invalid_credential");

        ObjectNode wrongType = authenticator().create(registerBegin(user.accessToken()));
        wrongType.put("response", 12);
        var r = registerFinish(user.accessToken(), wrongType);
        assertThat(r.status()).isEqualTo(422);
        assertThat(r.json().path("errors").has("response")).isTrue();

        ObjectNode longName = authenticator().create(registerBegin(user.accessToken()));
        longName.put("name", "x".repeat(101));
        var n = registerFinish(user.accessToken(), longName);
        assertThat(n.status()).isEqualTo(422);
        assertThat(n.json().path("errors").has("name")).isTrue();
    }

    // ---- rename and delete

    @Test
    void whenRenamed_thenTheNewNameIsListed() {
        var user = accounts.newUser("rename");
        String id =
                register(user.accessToken(), authenticator(), "old").path("id").asText();

        var r = server.http
                .patch("/v1/auth/mfa/webauthn/credentials/" + id)
                .bearer(user.accessToken())
                .json(Map.of("name", "  Work laptop  "))
                .send();

        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.text("name")).isEqualTo("Work laptop");
        assertThat(credentials(user.accessToken()).get(0).path("name").asText()).isEqualTo("Work laptop");
        assertThat(events(user.userId())).contains("webauthn.renamed:success");
        var blank = server.http
                .patch("/v1/auth/mfa/webauthn/credentials/" + id)
                .bearer(user.accessToken())
                .json(Map.of("name", "  "))
                .send();
        assertThat(blank.status()).isEqualTo(422);
    }

    @Test
    void whenAnotherUsersCredentialIsRenamedOrDeleted_thenNotFoundAndUnchanged() {
        var owner = accounts.newUser("owner");
        var other = accounts.newUser("other");
        String id = register(owner.accessToken(), authenticator(), "mine")
                .path("id")
                .asText();

        var rename = server.http
                .patch("/v1/auth/mfa/webauthn/credentials/" + id)
                .bearer(other.accessToken())
                .json(Map.of("name", "stolen"))
                .send();
        var delete = server.http
                .delete("/v1/auth/mfa/webauthn/credentials/" + id)
                .bearer(other.accessToken())
                .send();
        var deleteByBody = server.http
                .delete("/v1/auth/mfa/webauthn/credentials")
                .bearer(other.accessToken())
                .json(Map.of("id", id))
                .send();

        assertThat(rename.status()).isEqualTo(404);
        assertThat(delete.status()).isEqualTo(404);
        assertThat(deleteByBody.status()).isEqualTo(404);
        assertThat(credentials(owner.accessToken())).hasSize(1);
        assertThat(credentials(owner.accessToken()).get(0).path("name").asText())
                .isEqualTo("mine");
    }

    @Test
    void whenDeletedByBodyAsInTheSeedOrByPath_thenGone() {
        var user = accounts.newUser("delete");
        String first =
                register(user.accessToken(), authenticator(), "a").path("id").asText();
        String second =
                register(user.accessToken(), authenticator(), "b").path("id").asText();

        var byBody = server.http
                .delete("/v1/auth/mfa/webauthn/credentials")
                .bearer(user.accessToken())
                .json(Map.of("id", first))
                .send();
        var byPath = server.http
                .delete("/v1/auth/mfa/webauthn/credentials/" + second)
                .bearer(user.accessToken())
                .send();

        assertThat(byBody.status()).isEqualTo(204);
        assertThat(byPath.status()).isEqualTo(204);
        assertThat(credentials(user.accessToken())).isEmpty();
        assertThat(server.http
                        .delete("/v1/auth/mfa/webauthn/credentials/" + second)
                        .bearer(user.accessToken())
                        .send()
                        .status())
                .isEqualTo(404);
        var notUuid = server.http
                .delete("/v1/auth/mfa/webauthn/credentials")
                .bearer(user.accessToken())
                .json(Map.of("id", "not-a-uuid"))
                .send();
        assertThat(notUuid.status()).isEqualTo(422);
        assertThat(events(user.userId())).contains("webauthn.deleted:success");
    }

    // ---- passkey sign-in

    @Test
    void whenPasskeyLoginBegins_thenNoUserIsNamedAndVerificationIsRequired() {
        JsonNode pk = loginBegin().path("publicKey");

        assertThat(pk.path("rpId").asText()).isEqualTo(host());
        assertThat(pk.path("allowCredentials").isArray()).isTrue();
        assertThat(pk.path("allowCredentials")).isEmpty();
        assertThat(pk.path("userVerification").asText()).isEqualTo("required");
        assertThat(pk.path("challenge").asText()).isNotBlank();
        assertThat(pk.path("timeout").asLong()).isEqualTo(300_000);
    }

    @Test
    void whenSigningInWithAPasskey_thenTokensLikeAPasswordLoginAndTheCounterIsStored() {
        var user = accounts.newUser("passkey");
        var auth = authenticator();
        register(user.accessToken(), auth, "phone");

        var r = loginFinish(auth.get(loginBegin()));

        assertThat(r.status()).as(r.body()).isEqualTo(200);
        var signedIn = TestAccounts.signedIn(r);
        assertThat(signedIn.userId()).isEqualTo(user.userId());
        assertThat(r.json().path("tokens").path("token_type").asText()).isEqualTo("Bearer");
        assertThat(signedIn.refreshToken()).startsWith("rt_");
        assertThat(r.json().path("device_id").asText()).isNotBlank();
        assertThat(r.header("Set-Cookie")).contains("gh_device=");
        assertThat(accounts.meStatus(signedIn.accessToken())).isEqualTo(200);
        assertThat(accounts.refresh(signedIn.refreshToken()).status()).isEqualTo(200);
        var sessions = server.http
                .get("/v1/sessions")
                .bearer(signedIn.accessToken())
                .send()
                .json();
        boolean passkeySession = false;
        for (JsonNode s : sessions.path("sessions"))
            passkeySession |= s.path("auth_method").asText().equals("passkey");
        assertThat(passkeySession).isTrue();
        JsonNode c = credentials(user.accessToken()).get(0);
        assertThat(c.path("last_used_at").asText()).isNotBlank();
        JsonNode success = accounts.auditOf(user.userId()).stream()
                .filter(e -> e.path("event_type").asText().equals("login.success")
                        && e.path("details").path("method").asText().equals("passkey"))
                .findFirst()
                .orElseThrow();
        assertThat(success.path("details").path("amr").toString()).isEqualTo("[\"hwk\",\"user\",\"mfa\"]");
        assertThat(success.path("details").path("credential").asText())
                .isEqualTo(c.path("id").asText());
    }

    @Test
    void whenASyncedPasskeySignsIn_thenAmrSaysSoftwareKey() {
        var user = accounts.newUser("synced");
        var auth = authenticator().synced().withoutCounter();
        register(user.accessToken(), auth, null);

        assertThat(loginFinish(auth.get(loginBegin())).status()).isEqualTo(200);
        // counter 0 forever is allowed: the authenticator has no counter
        assertThat(loginFinish(auth.get(loginBegin())).status()).isEqualTo(200);

        JsonNode success = accounts.auditOf(user.userId()).stream()
                .filter(e -> e.path("event_type").asText().equals("login.success"))
                .filter(e -> e.path("details").path("method").asText().equals("passkey"))
                .findFirst()
                .orElseThrow();
        assertThat(success.path("details").path("amr").get(0).asText()).isEqualTo("swk");
        assertThat(credentials(user.accessToken()).get(0).path("backed_up").asBoolean())
                .isTrue();
    }

    @Test
    void whenTheSameAssertionIsSentTwice_thenTheReplayIsRefused() {
        var user = accounts.newUser("replay");
        var auth = authenticator();
        register(user.accessToken(), auth, null);
        ObjectNode assertion = auth.get(loginBegin());
        assertThat(loginFinish(assertion).status()).isEqualTo(200);

        var replay = loginFinish(assertion);

        assertThat(replay.status()).isEqualTo(400);
        assertThat(replay.text("code")).isEqualTo("webauthn_challenge_invalid");
        assertThat(replay.body()).doesNotContain("access_token");
    }

    @Test
    void whenTheSignatureCounterGoesBackwards_thenTheCloneIsRefusedAndAudited() {
        var user = accounts.newUser("clone");
        var auth = authenticator();
        register(user.accessToken(), auth, null);
        var clone = authenticator();
        clone.add(auth.last().cloned()); // copied at counter 0
        assertThat(loginFinish(auth.get(loginBegin())).status()).isEqualTo(200); // stored counter now 1
        assertThat(loginFinish(auth.get(loginBegin())).status()).isEqualTo(200); // 2

        var r = loginFinish(clone.get(loginBegin())); // counter 1 < 2

        assertThat(r.status()).isEqualTo(401);
        assertThat(r.text("code")).isEqualTo("webauthn_counter_regression");
        JsonNode event = accounts.auditOf(user.userId()).stream()
                .filter(e -> e.path("event_type").asText().equals("webauthn.counter_regression"))
                .findFirst()
                .orElseThrow();
        assertThat(event.path("outcome").asText()).isEqualTo("failure");
        assertThat(event.path("details").path("stored_count").asLong()).isEqualTo(2);
        assertThat(event.path("details").path("received_count").asLong()).isEqualTo(1);
        // the same counter again (a replayed signature from a copy) is refused too
        auth.last().counter = 1;
        assertThat(loginFinish(auth.get(loginBegin())).status()).isEqualTo(401);
        // the genuine authenticator, ahead of the stored counter, still works
        auth.last().counter = 10;
        assertThat(loginFinish(auth.get(loginBegin())).status()).isEqualTo(200);
    }

    @Test
    void whenTheCredentialWasDeleted_thenItCannotSignIn() {
        var user = accounts.newUser("deleted");
        var auth = authenticator();
        String id = register(user.accessToken(), auth, null).path("id").asText();
        server.http
                .delete("/v1/auth/mfa/webauthn/credentials/" + id)
                .bearer(user.accessToken())
                .send();

        var r = loginFinish(auth.get(loginBegin()));

        assertThat(r.status()).isEqualTo(401);
        assertThat(r.text("code")).isEqualTo("webauthn_verification_failed");
    }

    @Test
    void whenAnAssertionPairsMyCredentialWithAnotherUsersHandle_thenItIsRefused() {
        var victim = accounts.newUser("victim");
        var attacker = accounts.newUser("attacker");
        var victimAuth = authenticator();
        var attackerAuth = authenticator();
        register(victim.accessToken(), victimAuth, null);
        register(attacker.accessToken(), attackerAuth, null);
        var attackerCred = attackerAuth.last();
        // the attacker signs with their own key but claims the victim's user handle
        var mixed = authenticator();
        mixed.add(attackerCred);
        ObjectNode assertion = mixed.get(loginBegin(), attackerCred);
        ((ObjectNode) assertion.path("response"))
                .put(
                        "userHandle",
                        Base64.getUrlEncoder().withoutPadding().encodeToString(victimAuth.last().userHandle));

        var r = loginFinish(assertion);

        assertThat(r.status()).isEqualTo(401);
        assertThat(r.body()).doesNotContain("access_token");
    }

    @Test
    void whenTheAssertionComesFromAnotherOriginOrRpId_thenItIsRefused() {
        var user = accounts.newUser("phish");
        var auth = authenticator();
        register(user.accessToken(), auth, null);

        var wrongOrigin = loginFinish(auth.origin("https://evil.example").get(loginBegin()));
        auth.honest();
        var wrongRp = loginFinish(auth.rpId("evil.example").get(loginBegin()));
        auth.honest();

        assertThat(wrongOrigin.status()).isEqualTo(401);
        assertThat(wrongRp.status()).isEqualTo(401);
        assertThat(loginFinish(auth.get(loginBegin())).status()).isEqualTo(200);
        assertThat(events(user.userId())).contains("login.failure:failure");
    }

    @Test
    void whenTheUserWasNotVerified_thenPasswordlessSignInIsRefused() {
        var user = accounts.newUser("nouv");
        var auth = authenticator().withoutUserVerification();
        register(user.accessToken(), auth, null); // preferred at registration: accepted

        var r = loginFinish(auth.get(loginBegin()));

        assertThat(r.status()).isEqualTo(401);
    }

    @Test
    void whenTheLoginChallengeExpired_thenRefused() {
        var user = accounts.newUser("loginexp");
        var auth = authenticator();
        register(user.accessToken(), auth, null);
        ObjectNode assertion = auth.get(loginBegin());
        server.clock.advance(Duration.ofMinutes(6));

        var r = loginFinish(assertion);

        assertThat(r.status()).isEqualTo(400);
        assertThat(r.text("code")).isEqualTo("webauthn_challenge_invalid");
    }

    @Test
    void whenARegistrationChallengeIsUsedToSignIn_thenRefused() {
        var user = accounts.newUser("crossuse");
        var auth = authenticator();
        register(user.accessToken(), auth, null);
        JsonNode creation = registerBegin(user.accessToken());
        var fakeRequest = JSON.createObjectNode();
        fakeRequest
                .putObject("publicKey")
                .put("rpId", host())
                .put("challenge", creation.path("publicKey").path("challenge").asText());

        var r = loginFinish(auth.get(fakeRequest));

        assertThat(r.status()).isEqualTo(400);
        assertThat(r.text("code")).isEqualTo("webauthn_challenge_invalid");
    }
}
