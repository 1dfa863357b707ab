package dev.gatehouse.mfa;

import dev.gatehouse.accounts.AccountService;
import dev.gatehouse.accounts.User;
import dev.gatehouse.audit.AuditEvent;
import dev.gatehouse.audit.AuditLog;
import dev.gatehouse.auth.AuthService;
import dev.gatehouse.platform.crypto.MasterKey;
import dev.gatehouse.platform.crypto.Secrets;
import dev.gatehouse.platform.db.Database;
import dev.gatehouse.platform.http.Problem;
import dev.gatehouse.platform.http.RequestInfo;
import dev.gatehouse.platform.mail.MailMessage;
import dev.gatehouse.platform.mail.MailOutbox;
import dev.gatehouse.platform.ratelimit.RateLimiter;
import dev.gatehouse.platform.ratelimit.RateLimiter.Rule;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/**
 * Second factors: completing a pending login (the {@code mfa_token} of {@link MfaGate}) with TOTP, a backup code or an
 * email code, and enrolling, listing and removing those factors. Other factors (WebAuthn) complete a pending login
 * through {@link #pending} and {@link #complete}.
 */
public final class MfaService {
    /** A sign-in waiting for its second factor. */
    public record PendingLogin(
            UUID userId, String deviceId, String firstMethod, boolean setupRequired, Instant expiresAt) {}

    /** Checks the second factor inside the completing transaction, with the pending login locked. */
    @FunctionalInterface
    public interface FactorCheck {
        boolean verify(Handle h, PendingLogin login);
    }

    public record Setup(String secret, String url, String qrCode) {}

    public record Status(
            boolean mfaEnabled,
            List<String> methods,
            boolean totpEnabled,
            boolean emailEnabled,
            int backupCodesRemaining,
            String preferredMethod) {}

    static final int BACKUP_CODES = 10;
    static final int MAX_EMAIL_SENDS = 3;
    private static final String CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz";

    private final Database db;
    private final JdbiMfaStore store;
    private final MfaGate gate;
    private final AuthService auth;
    private final AccountService accounts;
    private final MasterKey masterKey;
    private final Secrets secrets;
    private final Clock clock;
    private final AuditLog audit;
    private final MeterRegistry metrics;
    private final MailOutbox outbox;
    private final String issuerLabel;
    private final List<ExtraFactor> extra;
    private final RateLimiter limiter;

    /**
     * Second-factor attempts per account, whatever the pending sign-in, address or route: each password sign-in or
     * step-up gives a fresh mfa_token with {@link MfaGate#MAX_ATTEMPTS} tries, so without this an attacker who has the
     * password could guess codes at the pace of the password limit times five, from any number of addresses.
     */
    public static final Rule ACCOUNT_ATTEMPTS = new Rule("mfa-account", 20, Duration.ofMinutes(15));

    public MfaService(
            Database db,
            JdbiMfaStore store,
            MfaGate gate,
            AuthService auth,
            AccountService accounts,
            MasterKey masterKey,
            Secrets secrets,
            Clock clock,
            AuditLog audit,
            MeterRegistry metrics,
            MailOutbox outbox,
            String issuer,
            List<ExtraFactor> extra,
            RateLimiter limiter) {
        this.limiter = limiter;
        this.db = db;
        this.store = store;
        this.gate = gate;
        this.auth = auth;
        this.accounts = accounts;
        this.masterKey = masterKey;
        this.secrets = secrets;
        this.clock = clock;
        this.audit = audit;
        this.metrics = metrics;
        this.outbox = outbox;
        String host = URI.create(issuer).getHost();
        this.issuerLabel = host == null ? "Gatehouse" : host;
        this.extra = List.copyOf(extra);
        for (String method : new String[] {"totp", "backup_code", "email"})
            for (String outcome : new String[] {"success", "failure"}) counter(method, outcome);
    }

    // ---- completing a pending login -------------------------------------------------------------------------------

    /** The live pending login behind {@code mfaToken}; empty when unknown, expired, used or locked. */
    public Optional<PendingLogin> pending(String mfaToken) {
        if (!wellFormed(mfaToken)) return Optional.empty();
        return db.withHandle(
                h -> store.liveChallenge(h, Secrets.sha256(mfaToken), clock.instant(), MfaGate.MAX_ATTEMPTS, false)
                        .map(MfaService::pendingOf));
    }

    private sealed interface Outcome<T> {
        record Done<T>(T result) implements Outcome<T> {}

        record Wrong<T>() implements Outcome<T> {}

        record Invalid<T>() implements Outcome<T> {}

        record Limited<T>(long retryAfterSeconds) implements Outcome<T> {}
    }

    /** Opens whatever the completed sign-in yields (an API session, a hosted-login SSO session), in its transaction. */
    @FunctionalInterface
    public interface Finisher<T> {
        T finish(Handle h, User user, PendingLogin login, String method);
    }

    /**
     * Completes a pending login when {@code check} passes: the mfa_token is spent and a session opens, with the same
     * answer as a password login. A failing check counts against the token (it dies after 5); an unknown, expired,
     * used or locked token is 401 {@code invalid_mfa_token}, a wrong code 401 {@code invalid_mfa_code}.
     */
    public AuthService.SignedIn complete(String mfaToken, String method, FactorCheck check, RequestInfo info) {
        return complete(
                mfaToken,
                method,
                check,
                (h, user, login, m) -> auth.signIn(h, user, login.deviceId(), login.firstMethod() + "+" + m, info),
                info);
    }

    /** {@link #complete(String, String, FactorCheck, RequestInfo)} with another kind of session at the end. */
    public <T> T complete(String mfaToken, String method, FactorCheck check, Finisher<T> finisher, RequestInfo info) {
        if (!wellFormed(mfaToken)) {
            counter(method, "failure").increment();
            throw invalidToken();
        }
        String hash = Secrets.sha256(mfaToken);
        Outcome<T> outcome = db.inTransaction(h -> {
            Instant now = clock.instant();
            var found = store.liveChallenge(h, hash, now, MfaGate.MAX_ATTEMPTS, true);
            if (found.isEmpty()) return new Outcome.Invalid<T>();
            var c = found.get();
            var login = pendingOf(c);
            // Read before the check: the check may queue writes (the spent TOTP step), which a later read would send
            // in a round trip of their own instead of with the commit (Writes).
            Optional<User> user = accounts.find(c.userId()).filter(User::active);
            if (user.isEmpty()) {
                store.useChallenge(h, hash, now); // the account was disabled or deleted meanwhile: the token dies
                return new Outcome.Invalid<T>();
            }
            var allowed = limiter.consume(ACCOUNT_ATTEMPTS, "acct:" + c.userId());
            if (!allowed.allowed()) return new Outcome.Limited<T>(allowed.retryAfterSeconds());
            if (!check.verify(h, login)) {
                store.failChallenge(h, hash);
                audit.record(
                        h,
                        AuditEvent.failure("mfa.failure", c.userId(), "wrong_code")
                                .details(Map.of(
                                        "method",
                                        method,
                                        "attempts_left",
                                        MfaGate.MAX_ATTEMPTS - c.failedAttempts() - 1)),
                        info);
                return new Outcome.Wrong<T>();
            }
            store.useChallenge(h, hash, now);
            T result = finisher.finish(h, user.get(), login, method);
            audit.record(h, AuditEvent.success("mfa.success", c.userId()).details(Map.of("method", method)), info);
            return new Outcome.Done<T>(result);
        });
        return switch (outcome) {
            case Outcome.Done<T> d -> {
                counter(method, "success").increment();
                yield d.result();
            }
            case Outcome.Wrong<T> w -> {
                counter(method, "failure").increment();
                throw wrongCode();
            }
            case Outcome.Invalid<T> i -> {
                counter(method, "failure").increment();
                throw invalidToken();
            }
            case Outcome.Limited<T> l -> {
                counter(method, "failure").increment();
                throw Problem.tooManyRequests(l.retryAfterSeconds());
            }
        };
    }

    /** The check of a code-based method ({@code totp}, {@code backup_code}, {@code email}) for a hosted page. */
    public FactorCheck codeCheck(String method, String mfaToken, String code) {
        return switch (method) {
            case "totp" -> (h, login) -> !login.setupRequired() && totpMatches(h, login.userId(), code, true);
            case "backup_code" -> (h, login) -> backupMatches(h, login.userId(), code);
            case "email" -> emailCheck(mfaToken, code);
            default -> (h, login) -> false;
        };
    }

    public AuthService.SignedIn completeWithTotp(String mfaToken, String code, RequestInfo info) {
        return complete(mfaToken, "totp", totpCheck(code, info), info);
    }

    /**
     * The check of a TOTP code, which for a sign-in that policy holds back for a first factor ({@link
     * #setupDuringLogin}) also turns the new TOTP on.
     */
    public FactorCheck totpCheck(String code, RequestInfo info) {
        return (h, login) -> {
            if (!login.setupRequired()) return totpMatches(h, login.userId(), code, true);
            var f = store.lockFactors(h, login.userId(), clock.instant());
            if (f.totpEnabled() || f.totpSecret() == null) return false;
            if (!totpMatches(h, login.userId(), code, false)) return false;
            var spent = store.factors(h, login.userId());
            store.save(
                    h,
                    new JdbiMfaStore.Factors(
                            login.userId(),
                            spent.totpSecret(),
                            true,
                            spent.totpLastStep(),
                            spent.emailEnabled(),
                            "totp"),
                    clock.instant());
            audit.record(
                    h,
                    AuditEvent.success("mfa.enabled", login.userId())
                            .details(Map.of("method", "totp", "during_login", true)),
                    info);
            return true;
        };
    }

    /** The TOTP set-up of a pending sign-in that enrols its first factor, once started; empty otherwise. */
    public Optional<Setup> setupOfPending(String mfaToken) {
        return pending(mfaToken).filter(PendingLogin::setupRequired).flatMap(l -> pendingTotpSetup(l.userId()));
    }

    /**
     * Starts TOTP enrolment for a pending login that policy ({@code GATEHOUSE_MFA_REQUIRED}) holds back because the
     * user has no factor yet; {@code login/mfa} with a code then enables it and completes the sign-in.
     */
    public Setup setupDuringLogin(String mfaToken, RequestInfo info) {
        var login = pending(mfaToken).orElseThrow(MfaService::invalidToken);
        if (!login.setupRequired())
            throw Problem.conflict("setup_not_required", "This sign-in needs one of the user's existing factors");
        return setupTotp(login.userId(), info);
    }

    public AuthService.SignedIn completeWithBackupCode(String mfaToken, String code, RequestInfo info) {
        return complete(mfaToken, "backup_code", (h, login) -> backupMatches(h, login.userId(), code), info);
    }

    public AuthService.SignedIn completeWithEmail(String mfaToken, String code, RequestInfo info) {
        return complete(mfaToken, "email", emailCheck(mfaToken, code), info);
    }

    /** The last code mailed for this pending login ({@link #sendEmailCode}), while email codes are enabled. */
    private FactorCheck emailCheck(String mfaToken, String code) {
        String hash = wellFormed(mfaToken) ? Secrets.sha256(mfaToken) : "";
        return (h, login) -> {
            var c = store.liveChallenge(h, hash, clock.instant(), MfaGate.MAX_ATTEMPTS, false)
                    .orElseThrow();
            return c.emailCodeHash() != null
                    && store.factors(h, login.userId()).emailEnabled()
                    && code != null
                    && code.matches("\\d{6}")
                    && Secrets.constantTimeEquals(c.emailCodeHash(), emailCodeHash(hash, code));
        };
    }

    /** Mails a 6-digit code for a pending login; at most 3 per mfa_token. */
    public void sendEmailCode(String mfaToken, RequestInfo info) {
        if (!wellFormed(mfaToken)) throw invalidToken();
        String hash = Secrets.sha256(mfaToken);
        String result = db.inTransaction(h -> {
            Instant now = clock.instant();
            var found = store.liveChallenge(h, hash, now, MfaGate.MAX_ATTEMPTS, true);
            if (found.isEmpty()) return "invalid";
            var c = found.get();
            if (!store.factors(h, c.userId()).emailEnabled()) return "not_enabled";
            if (c.emailSends() >= MAX_EMAIL_SENDS) return "limited";
            Optional<User> user = accounts.find(c.userId());
            if (user.isEmpty()) return "invalid";
            String code = secrets.digits(6);
            store.setEmailCode(h, hash, emailCodeHash(hash, code));
            outbox.enqueue(h, emailCodeMail(user.get().email(), code, AccountService.languageOf(user.get(), info)));
            audit.record(h, AuditEvent.success("mfa.email_code_sent", c.userId()), info);
            return "sent";
        });
        switch (result) {
            case "invalid" -> throw invalidToken();
            case "not_enabled" ->
                throw Problem.conflict("method_not_enabled", "Email codes are not enabled for this account");
            case "limited" -> throw Problem.tooManyRequests(MfaGate.TTL.toSeconds());
            default -> {} // sent: the outbox hands it to the worker after the commit
        }
    }

    // ---- TOTP enrolment -------------------------------------------------------------------------------------------

    public Setup setupTotp(UUID userId, RequestInfo info) {
        User user = accounts.find(userId).orElseThrow(() -> Problem.notFound("The user"));
        byte[] secret = secrets.bytes(20);
        db.useTransaction(h -> {
            var f = store.lockFactors(h, userId, clock.instant());
            if (f.totpEnabled())
                throw Problem.conflict("mfa_already_enabled", "TOTP is already enabled; disable it first");
            store.save(
                    h,
                    new JdbiMfaStore.Factors(
                            userId,
                            masterKey.encrypt(secret, context(userId)),
                            false,
                            null,
                            f.emailEnabled(),
                            f.preferred()),
                    clock.instant());
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
        return Optional.of(setupOf(user.get(), masterKey.decrypt(f.totpSecret(), context(userId))));
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
        List<String> codes = newBackupCodes();
        boolean ok = db.inTransaction(h -> {
            var f = store.lockFactors(h, userId, clock.instant());
            if (f.totpEnabled()) throw Problem.conflict("mfa_already_enabled", "TOTP is already enabled");
            if (f.totpSecret() == null) throw Problem.conflict("mfa_setup_required", "Call /v1/auth/mfa/setup first");
            if (!totpMatches(h, userId, code, false)) {
                audit.record(
                        h,
                        AuditEvent.failure("mfa.enable_failed", userId, "wrong_code")
                                .details(Map.of("method", "totp")),
                        info);
                return false;
            }
            var now = store.factors(h, userId);
            store.save(
                    h,
                    new JdbiMfaStore.Factors(
                            userId,
                            now.totpSecret(),
                            true,
                            now.totpLastStep(),
                            now.emailEnabled(),
                            now.preferred() == null ? "totp" : now.preferred()),
                    clock.instant());
            store.replaceBackupCodes(h, userId, hashes(userId, codes), clock.instant());
            audit.record(h, AuditEvent.success("mfa.enabled", userId).details(Map.of("method", "totp")), info);
            return true;
        });
        if (!ok) throw invalidCode();
        return codes;
    }

    /** Turns TOTP off, given a current TOTP or backup code. */
    public void disableTotp(UUID userId, String code, RequestInfo info) {
        boolean ok = db.inTransaction(h -> {
            var f = store.lockFactors(h, userId, clock.instant());
            if (!f.totpEnabled()) throw Problem.conflict("mfa_not_enabled", "TOTP is not enabled");
            if (!totpMatches(h, userId, code, true) && !backupMatches(h, userId, code)) {
                audit.record(
                        h,
                        AuditEvent.failure("mfa.disable_failed", userId, "wrong_code")
                                .details(Map.of("method", "totp")),
                        info);
                return false;
            }
            store.save(
                    h,
                    new JdbiMfaStore.Factors(
                            userId,
                            null,
                            false,
                            null,
                            f.emailEnabled(),
                            "totp".equals(f.preferred()) ? null : f.preferred()),
                    clock.instant());
            dropBackupCodesIfNoFactor(h, userId);
            audit.record(h, AuditEvent.success("mfa.disabled", userId).details(Map.of("method", "totp")), info);
            return true;
        });
        if (!ok) throw invalidCode();
    }

    // ---- email factor ---------------------------------------------------------------------------------------------

    /** Turns email codes on (the address must be verified); answers new backup codes when the user had none. */
    public List<String> enableEmail(UUID userId, RequestInfo info) {
        User user = accounts.find(userId).orElseThrow(() -> Problem.notFound("The user"));
        if (!user.emailVerified())
            throw Problem.conflict("email_not_verified", "Verify your email address before using it as a factor");
        List<String> codes = newBackupCodes();
        return db.inTransaction(h -> {
            var f = store.lockFactors(h, userId, clock.instant());
            if (f.emailEnabled()) throw Problem.conflict("mfa_already_enabled", "Email codes are already enabled");
            store.save(
                    h,
                    new JdbiMfaStore.Factors(
                            userId,
                            f.totpSecret(),
                            f.totpEnabled(),
                            f.totpLastStep(),
                            true,
                            f.preferred() == null ? "email" : f.preferred()),
                    clock.instant());
            boolean fresh = store.backupCodesLeft(h, userId) == 0;
            if (fresh) store.replaceBackupCodes(h, userId, hashes(userId, codes), clock.instant());
            audit.record(h, AuditEvent.success("mfa.enabled", userId).details(Map.of("method", "email")), info);
            return fresh ? codes : List.<String>of();
        });
    }

    public void disableEmail(UUID userId, RequestInfo info) {
        db.useTransaction(h -> {
            var f = store.lockFactors(h, userId, clock.instant());
            if (!f.emailEnabled()) throw Problem.conflict("mfa_not_enabled", "Email codes are not enabled");
            store.save(
                    h,
                    new JdbiMfaStore.Factors(
                            userId,
                            f.totpSecret(),
                            f.totpEnabled(),
                            f.totpLastStep(),
                            false,
                            "email".equals(f.preferred()) ? null : f.preferred()),
                    clock.instant());
            dropBackupCodesIfNoFactor(h, userId);
            audit.record(h, AuditEvent.success("mfa.disabled", userId).details(Map.of("method", "email")), info);
        });
    }

    // ---- backup codes, status, preference -------------------------------------------------------------------------

    /** A new set of 10 backup codes; the old set stops working. Needs an enabled factor. */
    public List<String> regenerateBackupCodes(UUID userId, RequestInfo info) {
        List<String> codes = newBackupCodes();
        db.useTransaction(h -> {
            store.lockFactors(h, userId, clock.instant());
            if (factorMethods(h, userId).isEmpty())
                throw Problem.conflict("mfa_not_enabled", "Enable a second factor before creating backup codes");
            store.replaceBackupCodes(h, userId, hashes(userId, codes), clock.instant());
            audit.record(h, AuditEvent.success("mfa.backup_codes_generated", userId), info);
        });
        return codes;
    }

    /**
     * For a factor enrolled outside this service (a passkey), inside the caller's transaction: new backup codes when
     * the user has none left, as enabling TOTP or email codes gives them, so that losing that one key does not lock the
     * account; empty otherwise. The codes are returned to be shown once.
     */
    public List<String> backupCodesIfNone(Handle h, UUID userId, RequestInfo info) {
        store.lockFactors(h, userId, clock.instant());
        if (store.backupCodesLeft(h, userId) > 0) return List.of();
        List<String> codes = newBackupCodes();
        store.replaceBackupCodes(h, userId, hashes(userId, codes), clock.instant());
        audit.record(h, AuditEvent.success("mfa.backup_codes_generated", userId), info);
        return codes;
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
            store.save(
                    h,
                    new JdbiMfaStore.Factors(
                            userId, f.totpSecret(), f.totpEnabled(), f.totpLastStep(), f.emailEnabled(), method),
                    clock.instant());
            audit.record(
                    h, AuditEvent.success("mfa.preferred_changed", userId).details(Map.of("method", method)), info);
        });
    }

    /** What an administrator sees of a user's factors. */
    public Status statusFor(UUID userId) {
        if (accounts.find(userId).isEmpty()) throw Problem.notFound("The user");
        return status(userId);
    }

    /**
     * Inside the caller's transaction, abandons the account's sign-ins that are waiting for their second factor: when
     * every session of the account ends (a password reset, say), a sign-in begun before with the old password cannot
     * be completed afterwards.
     */
    public int abandonPendingSignIns(Handle h, UUID userId) {
        return store.spendPendingChallenges(h, userId, clock.instant());
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

    // ---- helpers --------------------------------------------------------------------------------------------------

    private List<String> factorMethods(Handle h, UUID userId) {
        var m = new ArrayList<>(gate.methods(h, userId));
        m.remove("backup_code");
        return m;
    }

    private void dropBackupCodesIfNoFactor(Handle h, UUID userId) {
        if (factorMethods(h, userId).isEmpty()) store.deleteBackupCodes(h, userId);
    }

    /** A TOTP code of the current step or one step either side, never one of an already used step. */
    private boolean totpMatches(Handle h, UUID userId, String code, boolean requireEnabled) {
        if (code == null || !code.matches("\\d{6}")) return false;
        // Locked until the transaction ends: no concurrent check can pass with the same step before this one commits.
        var f = store.lockedFactors(h, userId);
        if (f.totpSecret() == null || (requireEnabled && !f.totpEnabled())) return false;
        byte[] secret = masterKey.decrypt(f.totpSecret(), context(userId));
        Instant now = clock.instant();
        long current = Totp.step(now.getEpochSecond());
        for (long step = current - 1; step <= current + 1; step++) {
            if (f.totpLastStep() != null && step <= f.totpLastStep()) continue;
            if (Secrets.constantTimeEquals(Totp.code(secret, step), code)) {
                store.spendStepLater(h, userId, step, now);
                return true;
            }
        }
        return false;
    }

    private boolean backupMatches(Handle h, UUID userId, String code) {
        return normalizeBackupCode(code)
                .map(c -> store.spendBackupCode(h, userId, backupHash(userId, c), clock.instant()))
                .orElse(false);
    }

    private List<String> newBackupCodes() {
        var codes = new ArrayList<String>(BACKUP_CODES);
        for (int i = 0; i < BACKUP_CODES; i++) {
            byte[] b = secrets.bytes(16);
            var sb = new StringBuilder(19);
            for (int j = 0; j < 16; j++) {
                if (j > 0 && j % 4 == 0) sb.append('-');
                sb.append(CROCKFORD.charAt(b[j] & 31));
            }
            codes.add(sb.toString());
        }
        return codes;
    }

    private static List<String> hashes(UUID userId, List<String> codes) {
        return codes.stream()
                .map(c -> backupHash(userId, normalizeBackupCode(c).orElseThrow()))
                .toList();
    }

    /** 16 Crockford base32 characters, dashes and spaces ignored, case-insensitive; i/l read as 1 and o as 0. */
    static Optional<String> normalizeBackupCode(String code) {
        if (code == null || code.length() > 40) return Optional.empty();
        String c = code.toLowerCase(Locale.ROOT)
                .replace("-", "")
                .replace(" ", "")
                .replace('i', '1')
                .replace('l', '1')
                .replace('o', '0');
        if (c.length() != 16) return Optional.empty();
        for (char ch : c.toCharArray()) if (CROCKFORD.indexOf(ch) < 0) return Optional.empty();
        return Optional.of(c);
    }

    private static String backupHash(UUID userId, String normalized) {
        return Secrets.sha256(userId + ":" + normalized);
    }

    private static String emailCodeHash(String challengeHash, String code) {
        return Secrets.sha256(challengeHash + ":" + code);
    }

    private static String context(UUID userId) {
        return "totp:" + userId;
    }

    private static PendingLogin pendingOf(JdbiMfaStore.Challenge c) {
        return new PendingLogin(c.userId(), c.deviceId(), c.firstMethod(), c.setupRequired(), c.expiresAt());
    }

    private static boolean wellFormed(String mfaToken) {
        return mfaToken != null && mfaToken.startsWith("mfa_") && mfaToken.length() <= 100;
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** The mail with a sign-in code, in {@code language} when the hosted pages speak it. */
    private static MailMessage emailCodeMail(String to, String code, java.util.Locale language) {
        var t = dev.gatehouse.platform.http.Messages.of(language);
        String text = t.get("mail.code.text", code) + "\n\n" + t.get("mail.code.warning");
        String html = "<p>" + t.markup("mail.code.text", "<strong>" + code + "</strong>") + "</p><p>"
                + t.html("mail.code.warning") + "</p>";
        return new MailMessage(to, t.get("mail.code.subject"), text, html);
    }

    static Problem invalidToken() {
        return new Problem(
                401,
                "invalid_mfa_token",
                "Unauthorized",
                "The MFA token is invalid, expired or used up; sign in again",
                null);
    }

    private static Problem wrongCode() {
        return new Problem(401, "invalid_mfa_code", "Unauthorized", "The code is incorrect", null);
    }

    private static Problem invalidCode() {
        return Problem.badRequest("invalid_code", "The code is incorrect");
    }

    private Counter counter(String method, String outcome) {
        return Counter.builder("gatehouse.mfa")
                .description("Second-factor checks by method and outcome")
                .tags("method", method, "outcome", outcome)
                .register(metrics);
    }
}
