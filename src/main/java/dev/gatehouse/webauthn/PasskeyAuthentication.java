package dev.gatehouse.webauthn;

import com.yubico.webauthn.AssertionRequest;
import com.yubico.webauthn.AssertionResult;
import com.yubico.webauthn.FinishAssertionOptions;
import com.yubico.webauthn.RelyingParty;
import com.yubico.webauthn.StartAssertionOptions;
import com.yubico.webauthn.data.AuthenticatorAssertionResponse;
import com.yubico.webauthn.data.ClientAssertionExtensionOutputs;
import com.yubico.webauthn.data.PublicKeyCredential;
import com.yubico.webauthn.data.UserVerificationRequirement;
import com.yubico.webauthn.exception.AssertionFailedException;
import com.yubico.webauthn.exception.InvalidSignatureCountException;
import dev.gatehouse.audit.AuditEvent;
import dev.gatehouse.audit.AuditLog;
import dev.gatehouse.auth.AuthService;
import dev.gatehouse.mfa.MfaService;
import dev.gatehouse.platform.crypto.Secrets;
import dev.gatehouse.platform.db.Database;
import dev.gatehouse.platform.http.Problem;
import dev.gatehouse.platform.http.RequestInfo;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Signing in with a registered credential: passwordless sign-in with a passkey (a discoverable credential, no user
 * named) and a security key or passkey as the second factor of a pending sign-in. Yubico's library verifies the
 * assertion against the relying party of {@link WebAuthnService}. Sign counters must grow; a counter that goes
 * backwards means a cloned authenticator and is refused and audited.
 */
public final class PasskeyAuthentication {
    /**
     * A verified assertion: whose it was, with which credential, and the RFC 8176 {@code amr} values it proves.
     * {@code userVerified} says whether the authenticator verified the user (PIN or biometric) as well.
     */
    public record Verified(UUID userId, UUID credentialId, boolean userVerified, List<String> amr) {}

    private final Database db;
    private final JdbiWebAuthnStore store;
    private final RelyingParty rp;
    private final Ceremonies ceremonies;
    private final AuthService auth;
    private final MfaService mfa;
    private final AuditLog audit;
    private final Clock clock;

    PasskeyAuthentication(
            Database db,
            JdbiWebAuthnStore store,
            RelyingParty rp,
            Ceremonies ceremonies,
            AuthService auth,
            MfaService mfa,
            AuditLog audit,
            Clock clock) {
        this.db = db;
        this.store = store;
        this.rp = rp;
        this.ceremonies = ceremonies;
        this.auth = auth;
        this.mfa = mfa;
        this.audit = audit;
        this.clock = clock;
    }

    /**
     * Starts a passwordless sign-in: no user is named and {@code allowCredentials} is empty, so the authenticator offers
     * its discoverable credentials (passkeys) for this RP ID. User verification is required: a passkey alone then
     * proves possession and a PIN or biometric, two factors.
     */
    public String beginPasskeyLogin() {
        return beginPasskeyLogin(null);
    }

    /**
     * As {@link #beginPasskeyLogin()}, the ceremony bound to {@code binding} (a hash of what ties it to one page, such
     * as the hosted login's CSRF token and pending authorization request): only {@link #verifyPasskeyLogin} with the
     * same binding can finish it, and a ceremony begun without one cannot be finished with one, nor the reverse.
     */
    public String beginPasskeyLogin(String binding) {
        return beginAssertion(Ceremonies.LOGIN, Optional.empty(), binding, UserVerificationRequirement.REQUIRED);
    }

    /**
     * Verifies a passkey sign-in begun with {@link #beginPasskeyLogin(String)} and answers whose it was, opening no
     * session: the hosted login opens its own SSO session. Refusals are audited and counted as for the API.
     */
    public Verified verifyPasskeyLogin(String credentialJson, String binding, RequestInfo info) {
        return verifyAssertion(credentialJson, Ceremonies.LOGIN, Optional.empty(), binding, info);
    }

    /** Verifies a passkey sign-in and opens a session just like a password sign-in. */
    public AuthService.SignedIn finishPasskeyLogin(String credentialJson, RequestInfo info) {
        Verified v = verifyAssertion(credentialJson, Ceremonies.LOGIN, Optional.empty(), null, info);
        var details = new LinkedHashMap<String, Object>();
        details.put("amr", v.amr());
        details.put("credential", v.credentialId().toString());
        return auth.loginVerified(v.userId(), "passkey", details, info);
    }

    /**
     * Starts the second factor of a pending login ({@code mfa_token} from {@code /v1/auth/login}): an assertion by one
     * of that user's credentials, bound to the token. User verification is preferred: the password was the first
     * factor already.
     */
    public String beginSecondFactor(String mfaToken) {
        // As at the finish: a hosted step-up's pending login is the hosted page's alone (ADR 0004).
        if (mfa.pending(mfaToken).flatMap(MfaService.PendingLogin::stepUpOf).isPresent())
            throw MfaService.invalidToken();
        return beginHostedSecondFactor(mfaToken);
    }

    /**
     * As {@link #beginSecondFactor} for the hosted login's second step, whose pending login may be a step-up of the
     * browser's session.
     */
    public String beginHostedSecondFactor(String mfaToken) {
        var login = mfa.pending(mfaToken).orElseThrow(MfaService::invalidToken);
        if (db.withHandle(h -> store.countForUser(h, login.userId())) == 0) {
            throw Problem.conflict("method_not_enabled", "No security key or passkey is registered for this account");
        }
        return beginAssertion(
                Ceremonies.SECOND_FACTOR,
                Optional.of(login.userId()),
                Secrets.sha256(mfaToken),
                UserVerificationRequirement.PREFERRED);
    }

    /**
     * Completes a pending login with an assertion begun by {@link #beginSecondFactor}: the same answer as a password
     * login, the session recording {@code <first method>+webauthn}. A refused assertion counts against the
     * {@code mfa_token} like a wrong code (it dies after 5).
     */
    public AuthService.SignedIn finishSecondFactor(String mfaToken, String credentialJson, RequestInfo info) {
        // A hosted step-up's pending login adds a factor to its browser session only (ADR 0004: no API session).
        if (mfa.pending(mfaToken).flatMap(MfaService.PendingLogin::stepUpOf).isPresent())
            throw MfaService.invalidToken();
        return finishSecondFactor(
                mfaToken,
                credentialJson,
                verified -> (h, user, login, m) ->
                        auth.signIn(h, user, login.deviceId(), login.firstMethod() + "+" + m, info),
                info);
    }

    /**
     * As {@link #finishSecondFactor(String, String, RequestInfo)} with another kind of session at the end (the hosted
     * login's SSO session): {@code finisher} gets the verified assertion, whose {@code amr} the session records.
     */
    public <T> T finishSecondFactor(
            String mfaToken,
            String credentialJson,
            java.util.function.Function<Verified, MfaService.Finisher<T>> finisher,
            RequestInfo info) {
        var login = mfa.pending(mfaToken).orElseThrow(MfaService::invalidToken);
        Verified verified;
        try {
            verified = verifyAssertion(
                    credentialJson,
                    Ceremonies.SECOND_FACTOR,
                    Optional.of(login.userId()),
                    Secrets.sha256(mfaToken),
                    info);
        } catch (Problem refused) {
            try {
                mfa.complete(mfaToken, WebAuthnFactor.METHOD, (h, pending) -> false, info);
            } catch (Problem counted) {
                if (!"invalid_mfa_code".equals(counted.code())) throw counted;
            }
            throw refused;
        }
        return mfa.complete(
                mfaToken,
                WebAuthnFactor.METHOD,
                (h, pending) -> pending.userId().equals(verified.userId()),
                finisher.apply(verified),
                info);
    }

    private String beginAssertion(
            String purpose, Optional<UUID> userId, String binding, UserVerificationRequirement uv) {
        var options =
                StartAssertionOptions.builder().userVerification(uv).timeout(WebAuthnService.CEREMONY_TTL.toMillis());
        userId.ifPresent(id -> options.username(id.toString()));
        AssertionRequest request = rp.startAssertion(options.build());
        if (userId.isEmpty()) {
            request = request.toBuilder()
                    .publicKeyCredentialRequestOptions(request.getPublicKeyCredentialRequestOptions().toBuilder()
                            .allowCredentials(List.of())
                            .build())
                    .build();
        }
        Instant now = clock.instant();
        AssertionRequest saved = request;
        ceremonies.save(
                purpose,
                userId.orElse(null),
                binding,
                request.getPublicKeyCredentialRequestOptions().getChallenge(),
                Ceremonies.json(saved::toJson),
                now);
        return Ceremonies.json(saved::toCredentialsGetJson);
    }

    @SuppressWarnings("deprecation") // the backup flags are marked EXPERIMENTAL (deprecated) by the library
    private Verified verifyAssertion(
            String credentialJson, String purpose, Optional<UUID> expectedUser, String binding, RequestInfo info) {
        PublicKeyCredential<AuthenticatorAssertionResponse, ClientAssertionExtensionOutputs> credential;
        try {
            credential = PublicKeyCredential.parseAssertionResponseJson(credentialJson);
        } catch (IOException | RuntimeException e) {
            throw Ceremonies.malformed("authentication");
        }
        Instant now = clock.instant();
        PendingCeremony ceremony = ceremonies.take(
                credential.getResponse().getClientData().getChallenge(), purpose, expectedUser, binding, now);
        Optional<WebAuthnCredential> known =
                db.withHandle(h -> store.byCredentialId(h, credential.getId().getBase64Url()));
        UUID knownUser = known.map(WebAuthnCredential::userId).orElse(null);
        AssertionResult result;
        try {
            result = rp.finishAssertion(FinishAssertionOptions.builder()
                    .request(AssertionRequest.fromJson(ceremony.request()))
                    .response(credential)
                    .build());
        } catch (InvalidSignatureCountException e) {
            throw cloneDetected(known.orElseThrow(), e.getReceived(), info);
        } catch (AssertionFailedException | IOException | RuntimeException e) {
            throw refused(purpose, knownUser, known.isPresent() ? "assertion_invalid" : "unknown_credential", e, info);
        }
        WebAuthnCredential used = known.filter(c -> result.isSuccess())
                .filter(c -> c.credentialId()
                        .equals(result.getCredential().getCredentialId().getBase64Url()))
                .orElseThrow(() -> refused(purpose, knownUser, "assertion_invalid", null, info));
        if (expectedUser.isPresent() && !expectedUser.get().equals(used.userId())) {
            throw refused(purpose, knownUser, "other_users_credential", null, info);
        }
        boolean recorded = db.inTransaction(
                h -> store.recordUse(h, used.id(), result.getSignatureCount(), result.isBackedUp(), now));
        if (!recorded) throw cloneDetected(used, result.getSignatureCount(), info);
        ceremonies.count("authentication", "success", "ok");
        return new Verified(used.userId(), used.id(), result.isUserVerified(), amr(result));
    }

    /**
     * RFC 8176 values: {@code hwk} for a device-bound key, {@code swk} for a synced one (backup eligible: its private
     * key leaves the device), {@code user} for the presence test every assertion carries, and {@code mfa} when the
     * authenticator also verified the user (PIN or biometric), which makes the passkey two factors by itself.
     */
    @SuppressWarnings("deprecation") // the backup flags are marked EXPERIMENTAL (deprecated) by the library
    static List<String> amr(AssertionResult result) {
        var amr = new ArrayList<String>();
        amr.add(result.isBackupEligible() ? "swk" : "hwk");
        amr.add("user");
        if (result.isUserVerified()) amr.add("mfa");
        return List.copyOf(amr);
    }

    private Problem cloneDetected(WebAuthnCredential c, long received, RequestInfo info) {
        ceremonies.count("authentication", "failure", "counter_regression");
        audit.record(
                AuditEvent.failure("webauthn.counter_regression", c.userId(), "signature counter did not increase")
                        .details(Map.of(
                                "credential",
                                c.id().toString(),
                                "stored_count",
                                c.signCount(),
                                "received_count",
                                received)),
                info);
        return new Problem(
                401,
                "webauthn_counter_regression",
                "Unauthorized",
                "The authenticator's signature counter went backwards; the credential may have been cloned",
                null);
    }

    private Problem refused(String purpose, UUID userId, String reason, Exception e, RequestInfo info) {
        ceremonies.count("authentication", "failure", reason);
        String type = Ceremonies.LOGIN.equals(purpose) ? "login.failure" : "mfa.webauthn_failed";
        audit.record(
                AuditEvent.failure(type, userId, reason)
                        .details(
                                e == null
                                        ? Map.of("method", "passkey")
                                        : Map.of("method", "passkey", "error", Ceremonies.reason(e))),
                info);
        return new Problem(
                401,
                "webauthn_verification_failed",
                "Unauthorized",
                "The passkey or security key was not accepted",
                null);
    }
}
