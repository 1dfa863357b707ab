package dev.gatehouse.webauthn;

import com.yubico.webauthn.FinishRegistrationOptions;
import com.yubico.webauthn.RegistrationResult;
import com.yubico.webauthn.RelyingParty;
import com.yubico.webauthn.StartRegistrationOptions;
import com.yubico.webauthn.data.AttestationConveyancePreference;
import com.yubico.webauthn.data.AuthenticatorAttestationResponse;
import com.yubico.webauthn.data.AuthenticatorSelectionCriteria;
import com.yubico.webauthn.data.AuthenticatorTransport;
import com.yubico.webauthn.data.ByteArray;
import com.yubico.webauthn.data.ClientRegistrationExtensionOutputs;
import com.yubico.webauthn.data.PublicKeyCredential;
import com.yubico.webauthn.data.PublicKeyCredentialCreationOptions;
import com.yubico.webauthn.data.RelyingPartyIdentity;
import com.yubico.webauthn.data.ResidentKeyRequirement;
import com.yubico.webauthn.data.UserIdentity;
import com.yubico.webauthn.data.UserVerificationRequirement;
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
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * WebAuthn relying party (W3C WebAuthn Level 3) with Yubico's library doing the verification: registering security keys
 * and passkeys for the signed-in user, listing, renaming and deleting them. Signing in with them (passwordless or as a
 * second factor) is {@link PasskeyAuthentication}'s, against the same relying party ({@link #passkeys}).
 *
 * <p>The RP ID is the issuer's host and the only accepted origin the issuer's origin. Attestation is "none": Gatehouse
 * does not judge authenticator makes. Begun ceremonies are kept as {@link Ceremonies} says: any node can finish one,
 * and no challenge verifies twice.
 */
public final class WebAuthnService {
    public static final Duration CEREMONY_TTL = Duration.ofMinutes(5);
    public static final int MAX_CREDENTIALS = 25;
    public static final int MAX_NAME = 100;

    /**
     * The transports WebAuthn Level 3 defines (§5.8.4, {@code AuthenticatorTransport}). The client reports them;
     * relying parties are to ignore values they do not know, so only these are kept, each once.
     */
    static final List<String> TRANSPORTS = List.of("usb", "nfc", "ble", "smart-card", "hybrid", "internal");

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

    private final Database db;
    private final JdbiWebAuthnStore store;
    private final GatehouseCredentialRepository repository;
    private final RelyingParty rp;
    private final AccountService accounts;
    private final MfaFactors factors;
    private final AuditLog audit;
    private final Secrets secrets;
    private final Clock clock;
    private final Ceremonies ceremonies;
    private final PasskeyAuthentication passkeys;
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
        this.factors = factors;
        this.audit = audit;
        this.secrets = secrets;
        this.clock = clock;
        this.ceremonies = new Ceremonies(db, store, metrics);
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
        this.passkeys = new PasskeyAuthentication(db, store, rp, ceremonies, auth, mfa, audit, clock);
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

    /** Signing in with the credentials registered here, against the same relying party. */
    public PasskeyAuthentication passkeys() {
        return passkeys;
    }

    // ---- registration

    /** Starts registering a credential for the signed-in user; returns the creation options as W3C JSON. */
    public String beginRegistration(UUID userId) {
        User user = accounts.find(userId).orElseThrow(() -> Problem.notFound("The user"));
        Instant now = clock.instant();
        String handle = db.inTransaction(h -> {
            if (store.countForUser(h, userId) >= MAX_CREDENTIALS) throw tooManyCredentials();
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
        ceremonies.save(
                Ceremonies.REGISTER, userId, null, options.getChallenge(), Ceremonies.json(options::toJson), now);
        return Ceremonies.json(options::toCredentialsCreateJson);
    }

    /** Verifies the authenticator's response to {@link #beginRegistration} and stores the new credential. */
    @SuppressWarnings("deprecation") // the backup flags are marked EXPERIMENTAL (deprecated) by the library
    public CredentialView finishRegistration(UUID userId, String credentialJson, String name, RequestInfo info) {
        PublicKeyCredential<AuthenticatorAttestationResponse, ClientRegistrationExtensionOutputs> credential;
        try {
            credential = PublicKeyCredential.parseRegistrationResponseJson(credentialJson);
        } catch (IOException | RuntimeException e) {
            throw Ceremonies.malformed("registration");
        }
        Instant now = clock.instant();
        PendingCeremony ceremony = ceremonies.take(
                credential.getResponse().getClientData().getChallenge(),
                Ceremonies.REGISTER,
                Optional.of(userId),
                null,
                now);
        RegistrationResult result;
        try {
            result = rp.finishRegistration(FinishRegistrationOptions.builder()
                    .request(PublicKeyCredentialCreationOptions.fromJson(ceremony.request()))
                    .response(credential)
                    .build());
        } catch (RegistrationFailedException | IOException | RuntimeException e) {
            ceremonies.count("registration", "failure", "verification_failed");
            audit.record(AuditEvent.failure("webauthn.registration_failed", userId, Ceremonies.reason(e)), info);
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
                knownTransports(credential.getResponse().getTransports()),
                discoverable,
                result.isBackupEligible(),
                result.isBackedUp(),
                aaguid(result.getAaguid()),
                now,
                null);
        List<String> backupCodes;
        try {
            backupCodes = db.inTransaction(h -> {
                // Checked again here, one registration of the user at a time: ceremonies begun side by side each
                // passed the check at their beginning.
                store.lockUserHandle(h, userId);
                if (store.countForUser(h, userId) >= MAX_CREDENTIALS) throw tooManyCredentials();
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
            ceremonies.count("registration", "failure", "already_registered");
            throw Problem.conflict("credential_exists", "This credential is registered already");
        }
        ceremonies.count("registration", "success", "ok");
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

    /**
     * Deletes one of the user's credentials; another user's credential id is reported as not found. When it was the
     * last second factor, the backup codes go too, as when TOTP or email codes are turned off: they would otherwise
     * work again once a factor is turned on.
     */
    public void delete(UUID userId, UUID id, RequestInfo info) {
        db.useTransaction(h -> {
            if (!store.delete(h, userId, id)) throw Problem.notFound("The credential");
            boolean dropped = factors.dropBackupCodesIfNoFactor(h, userId);
            audit.record(
                    h,
                    AuditEvent.success("webauthn.deleted", userId)
                            .details(Map.of("credential", id.toString(), "backup_codes_dropped", dropped)),
                    info);
        });
    }

    // ---- helpers

    private static Problem tooManyCredentials() {
        return Problem.conflict(
                "too_many_credentials",
                "An account can hold at most " + MAX_CREDENTIALS + " credentials; delete one first");
    }

    /** The reported transports that WebAuthn defines, each once; unknown ones are dropped. */
    static List<String> knownTransports(java.util.Collection<AuthenticatorTransport> reported) {
        return reported.stream()
                .map(AuthenticatorTransport::getId)
                .filter(TRANSPORTS::contains)
                .distinct()
                .toList();
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
}
