package dev.gatehouse.webauthn;

import com.yubico.webauthn.AssertionRequest;
import com.yubico.webauthn.AssertionResult;
import com.yubico.webauthn.FinishAssertionOptions;
import com.yubico.webauthn.FinishRegistrationOptions;
import com.yubico.webauthn.RegistrationResult;
import com.yubico.webauthn.RelyingParty;
import com.yubico.webauthn.StartAssertionOptions;
import com.yubico.webauthn.StartRegistrationOptions;
import com.yubico.webauthn.data.AttestationConveyancePreference;
import com.yubico.webauthn.data.AuthenticatorAssertionResponse;
import com.yubico.webauthn.data.AuthenticatorAttestationResponse;
import com.yubico.webauthn.data.AuthenticatorSelectionCriteria;
import com.yubico.webauthn.data.AuthenticatorTransport;
import com.yubico.webauthn.data.ByteArray;
import com.yubico.webauthn.data.ClientAssertionExtensionOutputs;
import com.yubico.webauthn.data.ClientRegistrationExtensionOutputs;
import com.yubico.webauthn.data.PublicKeyCredential;
import com.yubico.webauthn.data.PublicKeyCredentialCreationOptions;
import com.yubico.webauthn.data.RelyingPartyIdentity;
import com.yubico.webauthn.data.ResidentKeyRequirement;
import com.yubico.webauthn.data.UserIdentity;
import com.yubico.webauthn.data.UserVerificationRequirement;
import com.yubico.webauthn.exception.AssertionFailedException;
import com.yubico.webauthn.exception.InvalidSignatureCountException;
import com.yubico.webauthn.exception.RegistrationFailedException;
import dev.gatehouse.accounts.AccountService;
import dev.gatehouse.accounts.User;
import dev.gatehouse.audit.AuditEvent;
import dev.gatehouse.audit.AuditLog;
import dev.gatehouse.auth.AuthService;
import dev.gatehouse.mfa.MfaFactors;
import dev.gatehouse.mfa.MfaService;
import dev.gatehouse.platform.crypto.Secrets;
import dev.gatehouse.platform.db.AlreadyExists;
import dev.gatehouse.platform.db.Database;
import dev.gatehouse.platform.http.Problem;
import dev.gatehouse.platform.http.RequestInfo;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * WebAuthn relying party (W3C WebAuthn Level 3) with Yubico's library doing the verification: registering security keys
 * and passkeys for the signed-in user, and verifying assertions for passwordless sign-in (discoverable credentials) or
 * as a second factor.
 *
 * <p>The RP ID is the issuer's host and the only accepted origin the issuer's origin. Attestation is "none": Gatehouse
 * does not judge authenticator makes. Each begun ceremony is stored by the SHA-256 of its challenge for five minutes
 * and deleted by the first response that names it, so any node can finish it and no challenge verifies twice. Sign
 * counters must grow; a counter that goes backwards means a cloned authenticator and is refused and audited.
 */
public final class WebAuthnService {
    public static final Duration CEREMONY_TTL = Duration.ofMinutes(5);
    public static final int MAX_CREDENTIALS = 25;
    public static final int MAX_NAME = 100;
    static final String REGISTER = "register";
    static final String LOGIN = "login";
    static final String SECOND_FACTOR = "mfa";

    /**
     * A credential as its owner sees it. {@code backupCodes} is only in the answer to the registration that made them
     * (the user had none left, as with a first factor), shown that once; null (left out) everywhere else.
     */
    public record CredentialView(
            UUID id,
            String name,
            String credentialId,
            List<String> transports,
            Boolean discoverable,
            boolean backupEligible,
            boolean backedUp,
            String aaguid,
            Instant createdAt,
            Instant lastUsedAt,
            List<String> backupCodes) {
        static CredentialView of(WebAuthnCredential c) {
            return of(c, null);
        }

        static CredentialView of(WebAuthnCredential c, List<String> backupCodes) {
            return new CredentialView(
                    c.id(),
                    c.name(),
                    c.credentialId(),
                    c.transports(),
                    c.discoverable(),
                    c.backupEligible(),
                    c.backedUp(),
                    c.aaguid(),
                    c.createdAt(),
                    c.lastUsedAt(),
                    backupCodes);
        }
    }

    /**
     * A verified assertion: whose it was, with which credential, and the RFC 8176 {@code amr} values it proves.
     * {@code userVerified} says whether the authenticator verified the user (PIN or biometric) as well.
     */
    public record Verified(UUID userId, UUID credentialId, boolean userVerified, List<String> amr) {}

    private final Database db;
    private final JdbiWebAuthnStore store;
    private final GatehouseCredentialRepository repository;
    private final RelyingParty rp;
    private final AccountService accounts;
    private final AuthService auth;
    private final MfaService mfa;
    private final MfaFactors factors;
    private final AuditLog audit;
    private final Secrets secrets;
    private final Clock clock;
    private final MeterRegistry metrics;
    private final String rpId;
    private final String origin;

    public WebAuthnService(
            Database db,
            JdbiWebAuthnStore store,
            AccountService accounts,
            AuthService auth,
            MfaService mfa,
            MfaFactors factors,
            AuditLog audit,
            Secrets secrets,
            Clock clock,
            MeterRegistry metrics,
            String issuer) {
        this.db = db;
        this.store = store;
        this.repository = new GatehouseCredentialRepository(db, store);
        this.accounts = accounts;
        this.auth = auth;
        this.mfa = mfa;
        this.factors = factors;
        this.audit = audit;
        this.secrets = secrets;
        this.clock = clock;
        this.metrics = metrics;
        URI uri = URI.create(issuer);
        this.rpId = uri.getHost();
        this.origin = origin(uri);
        this.rp = RelyingParty.builder()
                .identity(RelyingPartyIdentity.builder()
                        .id(rpId)
                        .name("Gatehouse")
                        .build())
                .credentialRepository(repository)
                .origins(Set.of(origin))
                .attestationConveyancePreference(AttestationConveyancePreference.NONE)
                .allowUntrustedAttestation(true)
                .validateSignatureCounter(true)
                .clock(clock)
                .build();
        for (String ceremony : new String[] {"registration", "authentication"}) {
            counter(ceremony, "success", "ok");
        }
    }

    /** The browser's origin for the issuer: scheme, host and the port only when it is not the scheme's default. */
    static String origin(URI issuer) {
        int port = issuer.getPort();
        boolean defaultPort = port == -1
                || (port == 443 && "https".equals(issuer.getScheme()))
                || (port == 80 && "http".equals(issuer.getScheme()));
        return issuer.getScheme() + "://" + issuer.getHost() + (defaultPort ? "" : ":" + port);
    }

    public String rpId() {
        return rpId;
    }

    public String origin() {
        return origin;
    }

    // ---- registration

    /** Starts registering a credential for the signed-in user; returns the creation options as W3C JSON. */
    public String beginRegistration(UUID userId) {
        User user = accounts.find(userId).orElseThrow(() -> Problem.notFound("The user"));
        Instant now = clock.instant();
        String handle = db.inTransaction(h -> {
            if (store.countForUser(h, userId) >= MAX_CREDENTIALS) {
                throw Problem.conflict(
                        "too_many_credentials",
                        "An account can hold at most " + MAX_CREDENTIALS + " credentials; delete one first");
            }
            return store.ensureUserHandle(h, userId, new ByteArray(secrets.bytes(32)).getBase64Url(), now);
        });
        PublicKeyCredentialCreationOptions options = rp.startRegistration(StartRegistrationOptions.builder()
                .user(UserIdentity.builder()
                        .name(user.email())
                        .displayName(displayName(user))
                        .id(GatehouseCredentialRepository.bytes(handle))
                        .build())
                .authenticatorSelection(AuthenticatorSelectionCriteria.builder()
                        .residentKey(ResidentKeyRequirement.PREFERRED)
                        .userVerification(UserVerificationRequirement.PREFERRED)
                        .build())
                .timeout(CEREMONY_TTL.toMillis())
                .build());
        // The library asks the repository for the credentials of user.name (the email); ours are keyed by account id.
        options = options.toBuilder()
                .excludeCredentials(repository.getCredentialIdsForUsername(userId.toString()))
                .build();
        save(REGISTER, userId, null, options.getChallenge(), json(options::toJson), now);
        return json(options::toCredentialsCreateJson);
    }

    /** Verifies the authenticator's response to {@link #beginRegistration} and stores the new credential. */
    @SuppressWarnings("deprecation") // the backup flags are marked EXPERIMENTAL (deprecated) by the library
    public CredentialView finishRegistration(UUID userId, String credentialJson, String name, RequestInfo info) {
        PublicKeyCredential<AuthenticatorAttestationResponse, ClientRegistrationExtensionOutputs> credential;
        try {
            credential = PublicKeyCredential.parseRegistrationResponseJson(credentialJson);
        } catch (IOException | RuntimeException e) {
            throw malformed("registration");
        }
        Instant now = clock.instant();
        PendingCeremony ceremony =
                take(credential.getResponse().getClientData().getChallenge(), REGISTER, Optional.of(userId), null, now);
        RegistrationResult result;
        try {
            result = rp.finishRegistration(FinishRegistrationOptions.builder()
                    .request(PublicKeyCredentialCreationOptions.fromJson(ceremony.request()))
                    .response(credential)
                    .build());
        } catch (RegistrationFailedException | IOException | RuntimeException e) {
            count("registration", "failure", "verification_failed");
            audit.record(AuditEvent.failure("webauthn.registration_failed", userId, reason(e)), info);
            throw new Problem(
                    400,
                    "webauthn_verification_failed",
                    "Bad Request",
                    "The authenticator's response could not be verified (origin, relying party, challenge or signature)",
                    null);
        }
        Boolean discoverable = result.isDiscoverable().orElse(null);
        String chosen = name == null || name.isBlank()
                ? (Boolean.TRUE.equals(discoverable) ? "Passkey" : "Security key")
                : name.strip();
        var stored = new WebAuthnCredential(
                UUID.randomUUID(),
                userId,
                result.getKeyId().getId().getBase64Url(),
                result.getPublicKeyCose().getBase64Url(),
                result.getSignatureCount(),
                chosen,
                credential.getResponse().getTransports().stream()
                        .map(AuthenticatorTransport::getId)
                        .toList(),
                discoverable,
                result.isBackupEligible(),
                result.isBackedUp(),
                aaguid(result.getAaguid()),
                now,
                null);
        List<String> backupCodes;
        try {
            backupCodes = db.inTransaction(h -> {
                store.insert(h, stored);
                audit.record(
                        h,
                        AuditEvent.success("webauthn.registered", userId)
                                .details(Map.of(
                                        "credential",
                                        stored.id().toString(),
                                        "name",
                                        stored.name(),
                                        "discoverable",
                                        String.valueOf(discoverable))),
                        info);
                return factors.backupCodesIfNone(h, userId, info);
            });
        } catch (AlreadyExists e) {
            count("registration", "failure", "already_registered");
            throw Problem.conflict("credential_exists", "This credential is registered already");
        }
        count("registration", "success", "ok");
        return CredentialView.of(stored, backupCodes.isEmpty() ? null : backupCodes);
    }

    // ---- management

    public List<CredentialView> list(UUID userId) {
        return db.withHandle(h -> store.listForUser(h, userId)).stream()
                .map(CredentialView::of)
                .toList();
    }

    /** How many credentials the user has registered: each one is a second factor. */
    public int count(UUID userId) {
        return db.withHandle(h -> store.countForUser(h, userId));
    }

    public CredentialView rename(UUID userId, UUID id, String name, RequestInfo info) {
        return db.inTransaction(h -> {
            if (!store.rename(h, userId, id, name.strip())) throw Problem.notFound("The credential");
            audit.record(
                    h,
                    AuditEvent.success("webauthn.renamed", userId)
                            .details(Map.of("credential", id.toString(), "name", name.strip())),
                    info);
            return CredentialView.of(store.byId(h, id).orElseThrow());
        });
    }

    /** Deletes one of the user's credentials; another user's credential id is reported as not found. */
    public void delete(UUID userId, UUID id, RequestInfo info) {
        db.useTransaction(h -> {
            if (!store.delete(h, userId, id)) throw Problem.notFound("The credential");
            audit.record(
                    h,
                    AuditEvent.success("webauthn.deleted", userId).details(Map.of("credential", id.toString())),
                    info);
        });
    }

    // ---- authentication

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
        return beginAssertion(LOGIN, Optional.empty(), binding, UserVerificationRequirement.REQUIRED);
    }

    /**
     * Verifies a passkey sign-in begun with {@link #beginPasskeyLogin(String)} and answers whose it was, opening no
     * session: the hosted login opens its own SSO session. Refusals are audited and counted as for the API.
     */
    public Verified verifyPasskeyLogin(String credentialJson, String binding, RequestInfo info) {
        return verifyAssertion(credentialJson, LOGIN, Optional.empty(), binding, info);
    }

    /** Verifies a passkey sign-in and opens a session just like a password sign-in. */
    public AuthService.SignedIn finishPasskeyLogin(String credentialJson, RequestInfo info) {
        Verified v = verifyAssertion(credentialJson, LOGIN, Optional.empty(), null, info);
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
        var login = mfa.pending(mfaToken).orElseThrow(WebAuthnService::invalidMfaToken);
        if (count(login.userId()) == 0) {
            throw Problem.conflict("method_not_enabled", "No security key or passkey is registered for this account");
        }
        return beginAssertion(
                SECOND_FACTOR,
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
        var login = mfa.pending(mfaToken).orElseThrow(WebAuthnService::invalidMfaToken);
        Verified verified;
        try {
            verified = verifyAssertion(
                    credentialJson, SECOND_FACTOR, Optional.of(login.userId()), Secrets.sha256(mfaToken), info);
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

    private static Problem invalidMfaToken() {
        return new Problem(
                401,
                "invalid_mfa_token",
                "Unauthorized",
                "The MFA token is invalid, expired or used up; sign in again",
                null);
    }

    private String beginAssertion(
            String purpose, Optional<UUID> userId, String binding, UserVerificationRequirement uv) {
        var options = StartAssertionOptions.builder().userVerification(uv).timeout(CEREMONY_TTL.toMillis());
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
        save(
                purpose,
                userId.orElse(null),
                binding,
                request.getPublicKeyCredentialRequestOptions().getChallenge(),
                json(saved::toJson),
                now);
        return json(saved::toCredentialsGetJson);
    }

    @SuppressWarnings("deprecation") // the backup flags are marked EXPERIMENTAL (deprecated) by the library
    private Verified verifyAssertion(
            String credentialJson, String purpose, Optional<UUID> expectedUser, String binding, RequestInfo info) {
        PublicKeyCredential<AuthenticatorAssertionResponse, ClientAssertionExtensionOutputs> credential;
        try {
            credential = PublicKeyCredential.parseAssertionResponseJson(credentialJson);
        } catch (IOException | RuntimeException e) {
            throw malformed("authentication");
        }
        Instant now = clock.instant();
        PendingCeremony ceremony =
                take(credential.getResponse().getClientData().getChallenge(), purpose, expectedUser, binding, now);
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
        count("authentication", "success", "ok");
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
        count("authentication", "failure", "counter_regression");
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
        count("authentication", "failure", reason);
        String type = LOGIN.equals(purpose) ? "login.failure" : "mfa.webauthn_failed";
        audit.record(
                AuditEvent.failure(type, userId, reason)
                        .details(
                                e == null
                                        ? Map.of("method", "passkey")
                                        : Map.of("method", "passkey", "error", reason(e))),
                info);
        return new Problem(
                401,
                "webauthn_verification_failed",
                "Unauthorized",
                "The passkey or security key was not accepted",
                null);
    }

    // ---- ceremonies

    private void save(String purpose, UUID userId, String binding, ByteArray challenge, String request, Instant now) {
        db.useTransaction(h -> {
            store.insertCeremony(
                    h,
                    new PendingCeremony(
                            challengeHash(challenge), purpose, userId, binding, request, now, now.plus(CEREMONY_TTL)));
        });
    }

    /**
     * Takes (deletes) the ceremony whose challenge the client signed. It must exist, be unexpired and be of the same
     * purpose, user and binding; otherwise the call is refused and the challenge is spent all the same.
     */
    private PendingCeremony take(
            ByteArray challenge, String purpose, Optional<UUID> userId, String binding, Instant now) {
        Optional<PendingCeremony> found = db.inTransaction(h -> store.takeCeremony(h, challengeHash(challenge), now));
        return found.filter(c -> c.purpose().equals(purpose))
                .filter(c -> userId.map(id -> id.equals(c.userId())).orElse(c.userId() == null))
                .filter(c -> binding == null ? c.binding() == null : binding.equals(c.binding()))
                .orElseThrow(() -> {
                    count(REGISTER.equals(purpose) ? "registration" : "authentication", "failure", "challenge");
                    return Problem.badRequest(
                            "webauthn_challenge_invalid",
                            "The challenge is unknown, expired or already used; begin the ceremony again");
                });
    }

    static String challengeHash(ByteArray challenge) {
        return Secrets.sha256(challenge.getBase64Url());
    }

    // ---- helpers

    private static Problem malformed(String ceremony) {
        return Problem.badRequest(
                "invalid_credential",
                "The body is not a PublicKeyCredential " + ceremony + " response (as PublicKeyCredential.toJSON())");
    }

    private static String displayName(User user) {
        String full = ((user.firstName() == null ? "" : user.firstName()) + " "
                        + (user.lastName() == null ? "" : user.lastName()))
                .strip();
        return full.isEmpty() ? user.email() : full;
    }

    private static String aaguid(ByteArray aaguid) {
        String hex = HexFormat.of().formatHex(aaguid.getBytes());
        if (hex.length() != 32) return hex;
        return hex.substring(0, 8) + "-" + hex.substring(8, 12) + "-" + hex.substring(12, 16) + "-"
                + hex.substring(16, 20) + "-" + hex.substring(20);
    }

    /** The library's message, shortened for the audit record (it names checks and origins, never keys). */
    private static String reason(Exception e) {
        String m = e.getClass().getSimpleName() + ": " + (e.getMessage() == null ? "" : e.getMessage());
        m = m.replaceAll("[\\p{Cntrl}]", " ");
        return m.length() > 200 ? m.substring(0, 200) : m;
    }

    private interface JsonWriter {
        String write() throws IOException;
    }

    private static String json(JsonWriter w) {
        try {
            return w.write();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void count(String ceremony, String outcome, String reason) {
        counter(ceremony, outcome, reason).increment();
    }

    private Counter counter(String ceremony, String outcome, String reason) {
        return Counter.builder("gatehouse.webauthn")
                .description("WebAuthn ceremonies by kind, outcome and reason")
                .tags("ceremony", ceremony, "outcome", outcome, "reason", reason)
                .register(metrics);
    }
}
