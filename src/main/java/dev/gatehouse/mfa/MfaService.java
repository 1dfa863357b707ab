package dev.gatehouse.mfa;

import dev.gatehouse.accounts.AccountService;
import dev.gatehouse.accounts.User;
import dev.gatehouse.audit.AuditEvent;
import dev.gatehouse.audit.AuditLog;
import dev.gatehouse.auth.AuthService;
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
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/**
 * Signing in with a second factor: completing a pending login (the {@code mfa_token} of {@link MfaGate}) with TOTP, a
 * backup code or an email code. Other factors (WebAuthn) complete a pending login through {@link #pending} and {@link
 * #complete}. Enrolling and managing the factors is {@link MfaFactors}'.
 */
public final class MfaService {
    /**
     * A sign-in waiting for its second factor; {@code stepUpOf} is the SSO session a hosted step-up adds the factor to
     * (empty for a sign-in), which nothing else may complete it for.
     */
    public record PendingLogin(
            UUID userId,
            String deviceId,
            String firstMethod,
            boolean setupRequired,
            Instant expiresAt,
            Optional<UUID> stepUpOf) {}

    /** Checks the second factor inside the completing transaction, with the pending login locked. */
    @FunctionalInterface
    public interface FactorCheck {
        boolean verify(Handle h, PendingLogin login);
    }

    static final int MAX_EMAIL_SENDS = 3;

    private final Database db;
    private final JdbiMfaStore store;
    private final MfaFactors factors;
    private final FactorCodes codes;
    private final AuthService auth;
    private final AccountService accounts;
    private final Secrets secrets;
    private final Clock clock;
    private final AuditLog audit;
    private final MeterRegistry metrics;
    private final MailOutbox outbox;
    private final RateLimiter limiter;

    /**
     * Second-factor attempts per account, whatever the pending sign-in, address or route (turning TOTP on or off with
     * a code counts too, {@link MfaFactors}): each password sign-in or step-up gives a fresh mfa_token with {@link
     * MfaGate#MAX_ATTEMPTS} tries, so without this an attacker who has the password could guess codes at the pace of
     * the password limit times five, from any number of addresses.
     */
    public static final Rule ACCOUNT_ATTEMPTS = new Rule("mfa-account", 20, Duration.ofMinutes(15));

    /** The account's bucket of {@link #ACCOUNT_ATTEMPTS}, which every check of its codes spends ({@link MfaFactors}). */
    static String accountKey(UUID userId) {
        return "acct:" + userId;
    }

    public MfaService(
            Database db,
            JdbiMfaStore store,
            MfaFactors factors,
            AuthService auth,
            AccountService accounts,
            Secrets secrets,
            Clock clock,
            AuditLog audit,
            MeterRegistry metrics,
            MailOutbox outbox,
            RateLimiter limiter) {
        this.db = db;
        this.store = store;
        this.factors = factors;
        this.codes = factors.codes();
        this.auth = auth;
        this.accounts = accounts;
        this.secrets = secrets;
        this.clock = clock;
        this.audit = audit;
        this.metrics = metrics;
        this.outbox = outbox;
        this.limiter = limiter;
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
                false,
                info);
    }

    /**
     * {@link #complete(String, String, FactorCheck, RequestInfo)} with another kind of session at the end: the hosted
     * login's, which also completes a step-up ({@link PendingLogin#stepUpOf}); {@code finisher} must add the factor to
     * that session only.
     */
    public <T> T complete(String mfaToken, String method, FactorCheck check, Finisher<T> finisher, RequestInfo info) {
        return complete(mfaToken, method, check, finisher, true, info);
    }

    /**
     * {@code stepUps}: whether a step-up's pending login may complete here. One was opened for a browser's SSO session
     * and must not yield anything else, an API session least of all (ADR 0004): elsewhere it is answered as an unknown
     * token.
     */
    private <T> T complete(
            String mfaToken,
            String method,
            FactorCheck check,
            Finisher<T> finisher,
            boolean stepUps,
            RequestInfo info) {
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
            if (!stepUps && c.stepUpOf().isPresent()) return new Outcome.Invalid<T>();
            var login = pendingOf(c);
            // Read before the check: the check may queue writes (the spent TOTP step), which a later read would send
            // in a round trip of their own instead of with the commit (Writes).
            Optional<User> user = accounts.find(c.userId()).filter(User::active);
            if (user.isEmpty()) {
                store.useChallenge(h, hash, now); // the account was disabled or deleted meanwhile: the token dies
                return new Outcome.Invalid<T>();
            }
            var allowed = limiter.consume(ACCOUNT_ATTEMPTS, accountKey(c.userId()));
            if (!allowed.allowed()) return new Outcome.Limited<T>(allowed.retryAfterSeconds());
            // A method the second step did not offer (a mailed code after a sign-in link, ADR 0032) fails like a wrong
            // code, and counts as one.
            boolean offered = c.offers(method);
            if (!offered || !check.verify(h, login)) {
                store.failChallenge(h, hash);
                audit.record(
                        h,
                        AuditEvent.failure("mfa.failure", c.userId(), offered ? "wrong_code" : "method_not_offered")
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
            case "totp" -> (h, login) -> !login.setupRequired() && codes.totpMatches(h, login.userId(), code, true);
            case "backup_code" -> (h, login) -> codes.backupMatches(h, login.userId(), code);
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
        return (h, login) -> login.setupRequired()
                ? factors.enableTotpDuringSignIn(h, login.userId(), code, info)
                : codes.totpMatches(h, login.userId(), code, true);
    }

    /** The TOTP set-up of a pending sign-in that enrols its first factor, once started; empty otherwise. */
    public Optional<MfaFactors.Setup> setupOfPending(String mfaToken) {
        return pending(mfaToken).filter(PendingLogin::setupRequired).flatMap(l -> factors.pendingTotpSetup(l.userId()));
    }

    /**
     * Starts TOTP enrolment for a pending login that policy ({@code GATEHOUSE_MFA_REQUIRED}) holds back because the
     * user has no factor yet; {@code login/mfa} with a code then enables it and completes the sign-in.
     */
    public MfaFactors.Setup setupDuringLogin(String mfaToken, RequestInfo info) {
        var login = pending(mfaToken).filter(l -> l.stepUpOf().isEmpty()).orElseThrow(MfaService::invalidToken);
        if (!login.setupRequired())
            throw Problem.conflict("setup_not_required", "This sign-in needs one of the user's existing factors");
        return factors.setupTotp(login.userId(), info);
    }

    public AuthService.SignedIn completeWithBackupCode(String mfaToken, String code, RequestInfo info) {
        return complete(mfaToken, "backup_code", (h, login) -> codes.backupMatches(h, login.userId(), code), info);
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

    /**
     * Mails a 6-digit code for a pending login; at most 3 per mfa_token, and only when its second step offered the
     * mailed code (409 {@code method_not_enabled} otherwise). A step-up's pending login is the hosted page's only
     * ({@link #sendEmailCodeForPage}): here it is an unknown token.
     */
    public void sendEmailCode(String mfaToken, RequestInfo info) {
        sendEmailCode(mfaToken, false, info);
    }

    /** {@link #sendEmailCode(String, RequestInfo)} for the hosted second step, which also serves step-ups. */
    public void sendEmailCodeForPage(String mfaToken, RequestInfo info) {
        sendEmailCode(mfaToken, true, info);
    }

    private void sendEmailCode(String mfaToken, boolean stepUps, RequestInfo info) {
        if (!wellFormed(mfaToken)) throw invalidToken();
        String hash = Secrets.sha256(mfaToken);
        String result = db.inTransaction(h -> {
            Instant now = clock.instant();
            var found = store.liveChallenge(h, hash, now, MfaGate.MAX_ATTEMPTS, true);
            if (found.isEmpty()) return "invalid";
            var c = found.get();
            if (!stepUps && c.stepUpOf().isPresent()) return "invalid";
            if (!c.offers("email") || !store.factors(h, c.userId()).emailEnabled()) return "not_enabled";
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

    /**
     * Inside the caller's transaction, abandons the account's sign-ins that are waiting for their second factor: when
     * every session of the account ends (a password reset, say), a sign-in begun before with the old password cannot
     * be completed afterwards.
     */
    public int abandonPendingSignIns(Handle h, UUID userId) {
        return store.spendPendingChallenges(h, userId, clock.instant());
    }

    // ---- helpers --------------------------------------------------------------------------------------------------

    private static String emailCodeHash(String challengeHash, String code) {
        return Secrets.sha256(challengeHash + ":" + code);
    }

    private static PendingLogin pendingOf(JdbiMfaStore.Challenge c) {
        return new PendingLogin(
                c.userId(), c.deviceId(), c.firstMethod(), c.setupRequired(), c.expiresAt(), c.stepUpOf());
    }

    private static boolean wellFormed(String mfaToken) {
        return mfaToken != null && mfaToken.startsWith("mfa_") && mfaToken.length() <= 100;
    }

    /** The mail with a sign-in code, in {@code language} when the hosted pages speak it. */
    private static MailMessage emailCodeMail(String to, String code, java.util.Locale language) {
        var t = dev.gatehouse.platform.http.Messages.of(language);
        String text = t.get("mail.code.text", code) + "\n\n" + t.get("mail.code.warning");
        String html = "<p>" + t.markup("mail.code.text", "<strong>" + code + "</strong>") + "</p><p>"
                + t.html("mail.code.warning") + "</p>";
        return new MailMessage(to, t.get("mail.code.subject"), text, html);
    }

    /** 401 {@code invalid_mfa_token}: the pending sign-in is unknown, expired, used or locked. */
    public static Problem invalidToken() {
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

    private Counter counter(String method, String outcome) {
        return Counter.builder("gatehouse.mfa")
                .description("Second-factor checks by method and outcome")
                .tags("method", method, "outcome", outcome)
                .register(metrics);
    }
}
