package dev.gatehouse.auth;

import dev.gatehouse.accounts.AccountService;
import dev.gatehouse.accounts.AccountService.Authentication;
import dev.gatehouse.accounts.MailedLinks;
import dev.gatehouse.accounts.User;
import dev.gatehouse.audit.AuditEvent;
import dev.gatehouse.audit.AuditLog;
import dev.gatehouse.platform.crypto.Secrets;
import dev.gatehouse.platform.db.AlreadyExists;
import dev.gatehouse.platform.db.Database;
import dev.gatehouse.platform.http.Problem;
import dev.gatehouse.platform.http.RequestInfo;
import dev.gatehouse.sessions.Session;
import dev.gatehouse.sessions.SessionService;
import dev.gatehouse.sessions.SessionService.RefreshOutcome;
import dev.gatehouse.tokens.AccessTokenService;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/**
 * Sign-in for the /v1 API: checks credentials, opens a session (one refresh-token family), mints an access token for
 * the built-in first-party client. Every outcome is audited with its reason and counted.
 */
public final class AuthService {
    public static final String FIRST_PARTY_CLIENT = "gatehouse";

    public record Tokens(String accessToken, String refreshToken, String tokenType, long expiresIn) {}

    /** What a first-factor sign-in answers: a session, or a pending login that still needs its second factor. */
    public sealed interface LoginResult {}

    public record SignedIn(User user, Tokens tokens, String deviceId, UUID sessionId) implements LoginResult {}

    public record MfaPending(SecondFactor.MfaRequired required, String deviceId) implements LoginResult {}

    private final Database db;
    private final AccountService accounts;
    private final MailedLinks mailed;
    private final SessionService sessions;
    private final AccessTokenService accessTokens;
    private final AuditLog audit;
    private final Secrets secrets;
    private final MeterRegistry metrics;
    private final String audience;
    private final boolean requireVerifiedEmail;
    private final SecondFactor secondFactor;

    public AuthService(
            Database db,
            AccountService accounts,
            MailedLinks mailed,
            SessionService sessions,
            AccessTokenService accessTokens,
            AuditLog audit,
            Secrets secrets,
            MeterRegistry metrics,
            String audience,
            boolean requireVerifiedEmail,
            SecondFactor secondFactor) {
        this.db = db;
        this.accounts = accounts;
        this.mailed = mailed;
        this.sessions = sessions;
        this.accessTokens = accessTokens;
        this.audit = audit;
        this.secrets = secrets;
        this.metrics = metrics;
        this.audience = audience;
        this.requireVerifiedEmail = requireVerifiedEmail;
        this.secondFactor = secondFactor;
        // The common outcomes exist from the start, at zero, so dashboards and alerts see them before the first login.
        for (String method : new String[] {"password", "magic_link"}) counter("success", method);
        counter("failure", "invalid_credentials");
    }

    public boolean requireVerifiedEmail() {
        return requireVerifiedEmail;
    }

    /** Password sign-in. Wrong password and unknown email are indistinguishable to the caller. */
    public LoginResult login(String email, String password, RequestInfo info) {
        Authentication result = accounts.authenticate(email, password);
        switch (result) {
            case Authentication.Denied d -> throw refused(d.reason(), d.userId(), info);
            case Authentication.Authenticated a -> {
                if (requireVerifiedEmail && !a.user().emailVerified()) {
                    count("failure", "email_not_verified");
                    audit.record(AuditEvent.failure("login.failure", a.user().id(), "email_not_verified"), info);
                    throw Problem.forbidden("Verify your email address before signing in")
                            .withHeader("X-Gatehouse-Reason", "email_not_verified");
                }
                return open(a.user(), "password", info);
            }
        }
    }

    /** Signs in with a magic link; may create the account when the caller allows it. */
    public LoginResult loginWithMagicLink(String token, boolean allowRegistration, RequestInfo info) {
        LoginResult signedIn;
        try {
            signedIn = redeemMagicLink(token, allowRegistration, info);
        } catch (AlreadyExists e) {
            // Another link to the same new address created the account a moment ago. Our transaction rolled back, token
            // included, so redeeming again signs into that account instead of failing.
            signedIn = redeemMagicLink(token, allowRegistration, info);
        }
        if (signedIn instanceof SignedIn) count("success", "magic_link");
        return signedIn;
    }

    private LoginResult redeemMagicLink(String token, boolean allowRegistration, RequestInfo info) {
        String deviceId = info.deviceId().orElseGet(this::newDeviceId);
        return db.inTransaction(h -> {
            User user = mailed.redeemMagicLink(h, token, allowRegistration, info);
            var pending = secondFactor.challenge(h, user, deviceId, "magic_link", info);
            if (pending.isPresent()) return new MfaPending(pending.get(), deviceId);
            return signIn(h, user, deviceId, "magic_link", info);
        });
    }

    /**
     * Signs in an account whose authentication another feature has verified (a passkey): the same checks on the
     * account, session, audit and metrics as a password sign-in. {@code details} joins the audit record.
     */
    public SignedIn loginVerified(UUID userId, String method, Map<String, Object> details, RequestInfo info) {
        User user = accounts.find(userId).filter(User::active).orElse(null);
        if (user == null) {
            count("failure", method + "_account_inactive");
            audit.record(AuditEvent.failure("login.failure", userId, "account_inactive"), info);
            throw new Problem(401, "invalid_credentials", "Unauthorized", "This credential cannot sign in", null);
        }
        if (requireVerifiedEmail && !user.emailVerified()) {
            count("failure", "email_not_verified");
            audit.record(AuditEvent.failure("login.failure", user.id(), "email_not_verified"), info);
            throw Problem.forbidden("Verify your email address before signing in")
                    .withHeader("X-Gatehouse-Reason", "email_not_verified");
        }
        // The verified credential stands for every factor (a passkey with user verification): no second factor
        // is asked for.
        String deviceId = info.deviceId().orElseGet(this::newDeviceId);
        SignedIn signedIn = db.inTransaction(h -> signIn(h, user, deviceId, method, details, info));
        count("success", method);
        return signedIn;
    }

    /** Counts and audits a refused password sign-in; the 401 to throw, the same whatever the reason. */
    private Problem refused(String reason, UUID userId, RequestInfo info) {
        // /metrics is public: one reason for every refusal the caller cannot tell apart (an unknown address among
        // them, DESIGN.md §6); the audit record keeps which it was.
        count("failure", "invalid_credentials");
        audit.record(AuditEvent.failure("login.failure", userId, reason), info);
        return new Problem(401, "invalid_credentials", "Unauthorized", "The email or password is incorrect", null);
    }

    private LoginResult open(User user, String method, RequestInfo info) {
        String deviceId = info.deviceId().orElseGet(this::newDeviceId);
        LoginResult result;
        try {
            result = db.inTransaction(h -> {
                var pending = secondFactor.challenge(h, user, deviceId, method, info);
                // The password was verified before this transaction: a reset or "sign out everywhere" that committed
                // since would not have seen the session opened here. After the factors' lock, in the order a second
                // factor's completion takes the two (docs/adr/0009).
                accounts.requireUnchanged(h, user);
                if (pending.isPresent()) return new MfaPending(pending.get(), deviceId);
                return signIn(h, user, deviceId, method, info);
            });
        } catch (AccountService.ChangedSinceVerified e) {
            throw refused("credentials_changed", user.id(), info);
        }
        if (result instanceof SignedIn) count("success", method);
        return result;
    }

    /**
     * Opens a first-party session for a user whose sign-in is complete (all factors passed), inside the caller's
     * transaction: the same answer as a password login. {@code method} is what the session records, such as
     * {@code password+totp}.
     */
    public SignedIn signIn(Handle h, User user, String deviceId, String method, RequestInfo info) {
        return signIn(h, user, deviceId, method, Map.of(), info);
    }

    /** As {@link #signIn(Handle, User, String, String, RequestInfo)}, with {@code details} joining the audit record. */
    public SignedIn signIn(
            Handle h, User user, String deviceId, String method, Map<String, Object> details, RequestInfo info) {
        var auditDetails = new java.util.LinkedHashMap<String, Object>(details);
        auditDetails.put("method", method);
        var started = sessions.start(h, user.id(), deviceId, FIRST_PARTY_CLIENT, method, info);
        accounts.recordLogin(h, user.id());
        audit.record(
                h,
                AuditEvent.success("login.success", user.id())
                        .session(started.session().id())
                        .details(auditDetails),
                info);
        return new SignedIn(
                user,
                tokens(started.session(), started.refreshToken()),
                deviceId,
                started.session().id());
    }

    public Tokens refresh(String refreshToken, RequestInfo info) {
        // Refresh tokens of OAuth clients' sessions are redeemed at /oauth2/token by their client, never here;
        // presenting one here does not spend it (the rotation rolls back).
        RefreshOutcome outcome = sessions.refresh(refreshToken, FIRST_PARTY_CLIENT, info);
        return switch (outcome) {
            case RefreshOutcome.Refreshed r -> tokens(r.session(), r.refreshToken());
            case RefreshOutcome.Rejected r -> {
                metrics.counter("gatehouse.refresh.rejected", "reason", r.reason())
                        .increment();
                throw new Problem(
                        401,
                        "invalid_refresh_token",
                        "Unauthorized",
                        "The refresh token is invalid, expired or already used",
                        null);
            }
        };
    }

    public void logout(UUID userId, Optional<UUID> sessionId, RequestInfo info) {
        db.useTransaction(h -> {
            if (sessionId.isPresent() && sessions.end(h, sessionId.get(), "logout")) {
                audit.record(h, AuditEvent.success("logout", userId).session(sessionId.get()), info);
            }
        });
    }

    public int revokeAll(UUID userId, RequestInfo info) {
        return db.inTransaction(h -> {
            var ended = sessions.endAll(h, userId, Optional.empty(), "revoke_all");
            audit.record(
                    h, AuditEvent.success("session.revoked_all", userId).details(Map.of("count", ended.size())), info);
            return ended.size();
        });
    }

    /** Ends one of the user's own sessions; another user's session id is reported as not found. */
    public void revokeSession(UUID userId, UUID sessionId, RequestInfo info) {
        Session s = sessions.find(sessionId)
                .filter(x -> x.userId().equals(userId))
                .orElseThrow(() -> Problem.notFound("The session"));
        db.useTransaction(h -> {
            if (sessions.end(h, s.id(), "revoked")) {
                audit.record(h, AuditEvent.success("session.revoked", userId).session(s.id()), info);
            }
        });
    }

    private Tokens tokens(Session session, String refreshToken) {
        var access = accessTokens.issue(new AccessTokenService.Request(
                session.userId().toString(),
                Optional.of(session.id()),
                session.clientId(),
                List.of(audience),
                Set.of()));
        return new Tokens(access.token(), refreshToken, "Bearer", access.expiresIn());
    }

    private String newDeviceId() {
        return secrets.token("").substring(0, 32);
    }

    private void count(String outcome, String reason) {
        counter(outcome, reason).increment();
    }

    private io.micrometer.core.instrument.Counter counter(String outcome, String reason) {
        return io.micrometer.core.instrument.Counter.builder("gatehouse.logins")
                .description("Sign-in attempts by outcome and reason")
                .tags("outcome", outcome, "reason", reason)
                .register(metrics);
    }
}
