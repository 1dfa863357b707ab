package dev.gatehouse.mfa;

import dev.gatehouse.accounts.AccountService;
import dev.gatehouse.accounts.User;
import dev.gatehouse.audit.AuditEvent;
import dev.gatehouse.audit.AuditLog;
import dev.gatehouse.platform.crypto.MasterKey;
import dev.gatehouse.platform.crypto.Secrets;
import dev.gatehouse.platform.db.Database;
import dev.gatehouse.platform.http.Problem;
import dev.gatehouse.platform.http.RequestInfo;
import dev.gatehouse.platform.ratelimit.RateLimiter;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/**
 * A user's second factors: enrolling TOTP and email codes, turning them off, backup codes, the preferred method, and
 * an administrator's view and reset. Signing in with them is {@link MfaService}'s.
 */
public final class MfaFactors {
    /** A TOTP secret being enrolled: for typing in, as an {@code otpauth:} URL, and that URL as a QR code. */
    public record Setup(String secret, String url, String qrCode) {}

    public record Status(
            boolean mfaEnabled,
            List<String> methods,
            boolean totpEnabled,
            boolean emailEnabled,
            int backupCodesRemaining,
            String preferredMethod) {}

    private final Database db;
    private final JdbiMfaStore store;
    private final MfaGate gate;
    private final AccountService accounts;
    private final FactorCodes codes;
    private final Secrets secrets;
    private final Clock clock;
    private final AuditLog audit;
    private final String issuerLabel;
    private final List<ExtraFactor> extra;
    private final RateLimiter limiter;

    public MfaFactors(
            Database db,
            JdbiMfaStore store,
            MfaGate gate,
            AccountService accounts,
            MasterKey masterKey,
            Secrets secrets,
            Clock clock,
            AuditLog audit,
            String issuer,
            List<ExtraFactor> extra,
            RateLimiter limiter) {
        this.db = db;
        this.store = store;
        this.gate = gate;
        this.accounts = accounts;
        this.codes = new FactorCodes(store, masterKey, secrets, clock);
        this.secrets = secrets;
        this.clock = clock;
        this.audit = audit;
        String host = URI.create(issuer).getHost();
        this.issuerLabel = host == null ? "Gatehouse" : host;
        this.extra = List.copyOf(extra);
        this.limiter = limiter;
    }

    /** The codes of the factors, for checking them during a sign-in. */
    FactorCodes codes() {
        return codes;
    }

    // ---- TOTP -----------------------------------------------------------------------------------------------------

    public Setup setupTotp(UUID userId, RequestInfo info) {
        User user = accounts.find(userId).orElseThrow(() -> Problem.notFound("The user"));
        byte[] secret = secrets.bytes(20);
        db.useTransaction(h -> {
            var f = store.lockFactors(h, userId, clock.instant());
            if (f.totpEnabled())
                throw Problem.conflict("mfa_already_enabled", "TOTP is already enabled; disable it first");
            store.save(h, f.withPendingTotp(codes.encryptSecret(userId, secret)), clock.instant());
            audit.record(h, AuditEvent.success("mfa.totp_setup", userId), info);
        });
        return setupOf(user, secret);
    }

    /**
     * The TOTP set-up begun by {@link #setupTotp} and not yet confirmed, so a page can show the same secret again (after
     * a wrong code, say); empty when there is none or TOTP is already on.
     */
    public Optional<Setup> pendingTotpSetup(UUID userId) {
        var user = accounts.find(userId);
        if (user.isEmpty()) return Optional.empty();
        var f = db.withHandle(h -> store.factors(h, userId));
        if (f.totpEnabled() || f.totpSecret() == null) return Optional.empty();
        return Optional.of(setupOf(user.get(), codes.decryptSecret(userId, f.totpSecret())));
    }

    private Setup setupOf(User user, byte[] secret) {
        String b32 = Totp.base32(secret);
        String label = enc(issuerLabel) + ":" + enc(user.email());
        String url = "otpauth://totp/" + label + "?secret=" + b32 + "&issuer=" + enc(issuerLabel)
                + "&algorithm=SHA1&digits=6&period=30";
        return new Setup(b32, url, QrCode.svgDataUrl(url));
    }

    /** Turns TOTP on with a code from the app; answers the 10 new backup codes (shown this once). */
    public List<String> enableTotp(UUID userId, String code, RequestInfo info) {
        Optional<List<String>> backup = db.inTransaction(h -> {
            var f = store.lockFactors(h, userId, clock.instant());
            if (f.totpEnabled()) throw Problem.conflict("mfa_already_enabled", "TOTP is already enabled");
            if (f.totpSecret() == null) throw Problem.conflict("mfa_setup_required", "Call /v1/auth/mfa/setup first");
            countAttempt(userId);
            if (!codes.totpMatches(h, userId, code, false)) {
                audit.record(
                        h,
                        AuditEvent.failure("mfa.enable_failed", userId, "wrong_code")
                                .details(Map.of("method", "totp")),
                        info);
                return Optional.<List<String>>empty();
            }
            store.save(h, store.factors(h, userId).withTotpOn(), clock.instant()); // the step just spent, read back
            List<String> fresh = codes.replaceBackupCodes(h, userId);
            audit.record(h, AuditEvent.success("mfa.enabled", userId).details(Map.of("method", "totp")), info);
            return Optional.of(fresh);
        });
        return backup.orElseThrow(MfaFactors::invalidCode);
    }

    /**
     * Inside a sign-in's transaction, for a sign-in that policy holds back for a first factor ({@link
     * MfaService#setupDuringLogin}): turns the TOTP being set up on when {@code code} is one of its codes.
     */
    boolean enableTotpDuringSignIn(Handle h, UUID userId, String code, RequestInfo info) {
        var f = store.lockFactors(h, userId, clock.instant());
        if (f.totpEnabled() || f.totpSecret() == null) return false;
        if (!codes.totpMatches(h, userId, code, false)) return false;
        store.save(h, store.factors(h, userId).withTotpOn().withPreferred("totp"), clock.instant());
        audit.record(
                h,
                AuditEvent.success("mfa.enabled", userId).details(Map.of("method", "totp", "during_login", true)),
                info);
        return true;
    }

    /** Turns TOTP off, given a current TOTP or backup code. */
    public void disableTotp(UUID userId, String code, RequestInfo info) {
        boolean ok = db.inTransaction(h -> {
            var f = store.lockFactors(h, userId, clock.instant());
            if (!f.totpEnabled()) throw Problem.conflict("mfa_not_enabled", "TOTP is not enabled");
            countAttempt(userId);
            if (!codes.totpMatches(h, userId, code, true) && !codes.backupMatches(h, userId, code)) {
                audit.record(
                        h,
                        AuditEvent.failure("mfa.disable_failed", userId, "wrong_code")
                                .details(Map.of("method", "totp")),
                        info);
                return false;
            }
            store.save(h, f.withTotpOff(), clock.instant());
            dropBackupCodesIfNoFactor(h, userId);
            audit.record(h, AuditEvent.success("mfa.disabled", userId).details(Map.of("method", "totp")), info);
            return true;
        });
        if (!ok) throw invalidCode();
    }

    // ---- email codes ----------------------------------------------------------------------------------------------

    /** Turns email codes on (the address must be verified); answers new backup codes when the user had none. */
    public List<String> enableEmail(UUID userId, RequestInfo info) {
        User user = accounts.find(userId).orElseThrow(() -> Problem.notFound("The user"));
        if (!user.emailVerified())
            throw Problem.conflict("email_not_verified", "Verify your email address before using it as a factor");
        return db.inTransaction(h -> {
            var f = store.lockFactors(h, userId, clock.instant());
            if (f.emailEnabled()) throw Problem.conflict("mfa_already_enabled", "Email codes are already enabled");
            store.save(h, f.withEmail(true), clock.instant());
            List<String> fresh =
                    store.backupCodesLeft(h, userId) == 0 ? codes.replaceBackupCodes(h, userId) : List.of();
            audit.record(h, AuditEvent.success("mfa.enabled", userId).details(Map.of("method", "email")), info);
            return fresh;
        });
    }

    public void disableEmail(UUID userId, RequestInfo info) {
        db.useTransaction(h -> {
            var f = store.lockFactors(h, userId, clock.instant());
            if (!f.emailEnabled()) throw Problem.conflict("mfa_not_enabled", "Email codes are not enabled");
            store.save(h, f.withEmail(false), clock.instant());
            dropBackupCodesIfNoFactor(h, userId);
            audit.record(h, AuditEvent.success("mfa.disabled", userId).details(Map.of("method", "email")), info);
        });
    }

    // ---- backup codes, status, preference -------------------------------------------------------------------------

    /** A new set of 10 backup codes; the old set stops working. Needs an enabled factor. */
    public List<String> regenerateBackupCodes(UUID userId, RequestInfo info) {
        return db.inTransaction(h -> {
            store.lockFactors(h, userId, clock.instant());
            if (factorMethods(h, userId).isEmpty())
                throw Problem.conflict("mfa_not_enabled", "Enable a second factor before creating backup codes");
            List<String> fresh = codes.replaceBackupCodes(h, userId);
            audit.record(h, AuditEvent.success("mfa.backup_codes_generated", userId), info);
            return fresh;
        });
    }

    /**
     * For a factor enrolled outside this service (a passkey), inside the caller's transaction: new backup codes when
     * the user has none left, as enabling TOTP or email codes gives them, so that losing that one key does not lock the
     * account; empty otherwise. The codes are returned to be shown once.
     */
    public List<String> backupCodesIfNone(Handle h, UUID userId, RequestInfo info) {
        store.lockFactors(h, userId, clock.instant());
        if (store.backupCodesLeft(h, userId) > 0) return List.of();
        List<String> fresh = codes.replaceBackupCodes(h, userId);
        audit.record(h, AuditEvent.success("mfa.backup_codes_generated", userId), info);
        return fresh;
    }

    public int backupCodesLeft(UUID userId) {
        return db.withHandle(h -> store.backupCodesLeft(h, userId));
    }

    public Status status(UUID userId) {
        return db.withHandle(h -> {
            var f = store.factors(h, userId);
            List<String> methods = gate.methods(h, userId);
            return new Status(
                    !methods.isEmpty(),
                    methods,
                    f.totpEnabled(),
                    f.emailEnabled(),
                    store.backupCodesLeft(h, userId),
                    methods.isEmpty() ? null : f.preferred());
        });
    }

    public void setPreferred(UUID userId, String method, RequestInfo info) {
        db.useTransaction(h -> {
            var f = store.lockFactors(h, userId, clock.instant());
            if (!factorMethods(h, userId).contains(method))
                throw Problem.invalidField("method", "must be one of the enabled methods");
            store.save(h, f.withPreferred(method), clock.instant());
            audit.record(
                    h, AuditEvent.success("mfa.preferred_changed", userId).details(Map.of("method", method)), info);
        });
    }

    /** What an administrator sees of a user's factors. */
    public Status statusFor(UUID userId) {
        if (accounts.find(userId).isEmpty()) throw Problem.notFound("The user");
        return status(userId);
    }

    /** An administrator removes every second factor of a user, trusted devices included. */
    public void reset(UUID actorId, UUID userId, RequestInfo info) {
        if (accounts.find(userId).isEmpty()) throw Problem.notFound("The user");
        db.useTransaction(h -> {
            removeAll(h, userId);
            audit.record(h, AuditEvent.success("mfa.reset", userId).actor(actorId), info);
        });
    }

    /**
     * Inside the caller's transaction, removes every second factor of the user (TOTP, email codes, backup codes,
     * passkeys) and every trusted device: an administrator's reset, or the owner of the address proving it after
     * someone else may have set them up.
     */
    public void removeAll(Handle h, UUID userId) {
        store.lockFactors(h, userId, clock.instant());
        store.save(h, JdbiMfaStore.Factors.none(userId), clock.instant());
        store.deleteBackupCodes(h, userId);
        store.untrustAll(h, userId);
        for (ExtraFactor x : extra) x.reset(h, userId);
    }

    /**
     * Counts a check of a second-factor code outside a sign-in (confirming or turning off TOTP) against the account's
     * {@link MfaService#ACCOUNT_ATTEMPTS}, which sign-ins spend too: otherwise a kept access token or account-page
     * session could guess TOTP or backup codes beside the sign-in's budget. 429 when it is spent, as a sign-in is
     * refused.
     */
    private void countAttempt(UUID userId) {
        var allowed = limiter.consume(MfaService.ACCOUNT_ATTEMPTS, MfaService.accountKey(userId));
        if (!allowed.allowed()) throw Problem.tooManyRequests(allowed.retryAfterSeconds());
    }

    private List<String> factorMethods(Handle h, UUID userId) {
        var m = new ArrayList<>(gate.methods(h, userId));
        m.remove("backup_code");
        return m;
    }

    /**
     * Inside the caller's transaction, after a second factor went (TOTP or email codes off here, a passkey deleted
     * elsewhere): drops the backup codes when no factor is left, so they cannot come back to life with the next factor.
     * Answers whether there were codes to drop.
     */
    public boolean dropBackupCodesIfNoFactor(Handle h, UUID userId) {
        store.lockFactors(h, userId, clock.instant());
        if (!factorMethods(h, userId).isEmpty() || store.backupCodesLeft(h, userId) == 0) return false;
        store.deleteBackupCodes(h, userId);
        return true;
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static Problem invalidCode() {
        return Problem.badRequest("invalid_code", "The code is incorrect");
    }
}
