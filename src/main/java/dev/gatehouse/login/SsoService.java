package dev.gatehouse.login;

import dev.gatehouse.accounts.AccountService;
import dev.gatehouse.audit.AuditEvent;
import dev.gatehouse.audit.AuditLog;
import dev.gatehouse.platform.crypto.Secrets;
import dev.gatehouse.platform.db.Database;
import dev.gatehouse.platform.http.RequestInfo;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/**
 * The hosted login's browser session. The cookie holds an opaque 256-bit token and the database only its SHA-256: a
 * database leak yields no usable cookie, and ending the row ends the session on every node at once (a signed session
 * id could not be withdrawn before it expires without a lookup anyway). It opens and renews the session the steps of
 * {@link SsoSignIn} sign in to, finds the browser's by its cookie, and lists and ends an account's.
 */
public final class SsoService {
    private final Database db;
    private final JdbiSsoStore store;
    private final AccountService accounts;
    private final AuditLog audit;
    private final Secrets secrets;
    private final Clock clock;
    private final Duration ttl;
    private final Duration idle;

    public SsoService(
            Database db,
            JdbiSsoStore store,
            AccountService accounts,
            AuditLog audit,
            Secrets secrets,
            Clock clock,
            Duration ttl,
            Duration idle) {
        this.idle = idle;
        this.db = db;
        this.store = store;
        this.accounts = accounts;
        this.audit = audit;
        this.secrets = secrets;
        this.clock = clock;
        this.ttl = ttl;
    }

    public Duration ttl() {
        return ttl;
    }

    /**
     * Opens the SSO session of a sign-in whose factors all passed, with its RFC 8176 {@code amr}, inside the caller's
     * transaction ({@code method} such as {@code password+totp} is audited).
     */
    LoginOutcome.SignedIn open(
            org.jdbi.v3.core.Handle h, UUID userId, String method, java.util.List<String> amr, RequestInfo info) {
        Instant now = clock.instant();
        var session = new SsoSession(UUID.randomUUID(), userId, now, now.plus(ttl), amr);
        var signedIn = insert(h, session, info);
        accounts.recordLogin(h, userId);
        audit.record(h, AuditEvent.success("sso.login", userId).details(java.util.Map.of("method", method)), info);
        return signedIn;
    }

    /** Stores a new session under a new cookie token, used now, in the browser of {@code info}. */
    private LoginOutcome.SignedIn insert(org.jdbi.v3.core.Handle h, SsoSession session, RequestInfo info) {
        String token = secrets.token("sso_");
        store.insert(h, session, Secrets.sha256(token), clock.instant(), info.ip(), info.userAgent());
        return new LoginOutcome.SignedIn(session, token);
    }

    /**
     * Finishes a sign-in whose factors all passed, inside the caller's transaction: when the browser already holds an
     * open SSO session of the same user (a step-up for {@code acr_values}, or signing in again), that session is renewed
     * in place with a new cookie token, sign-in time and {@code amr} ({@link JdbiSsoStore#upgrade}), audited with
     * {@code renewed_session}; otherwise a new one opens.
     */
    public LoginOutcome.SignedIn complete(
            org.jdbi.v3.core.Handle h, UUID userId, String method, Optional<SsoSession> current, RequestInfo info) {
        return complete(h, userId, method, SsoSession.amrOf(method), current, info);
    }

    /**
     * As {@link #complete(org.jdbi.v3.core.Handle, UUID, String, Optional, RequestInfo)} with the RFC 8176 {@code amr}
     * given (a WebAuthn factor's values come from the verified assertion: {@link SsoSession#amrOf(String, java.util.List)}).
     */
    public LoginOutcome.SignedIn complete(
            org.jdbi.v3.core.Handle h,
            UUID userId,
            String method,
            java.util.List<String> amr,
            Optional<SsoSession> current,
            RequestInfo info) {
        if (current.isPresent() && current.get().userId().equals(userId)) {
            SsoSession s = current.get();
            Instant now = clock.instant();
            String token = secrets.token("sso_");
            if (store.upgrade(h, s.id(), userId, Secrets.sha256(token), amr, now, now)) {
                accounts.recordLogin(h, userId);
                audit.record(
                        h,
                        AuditEvent.success("sso.login", userId)
                                .details(java.util.Map.of("method", method, "renewed_session", true)),
                        info);
                return new LoginOutcome.SignedIn(new SsoSession(s.id(), userId, now, s.expiresAt(), amr), token);
            }
        }
        return open(h, userId, method, amr, info);
    }

    /**
     * Adds a second factor to the open session {@code session} that a step-up was opened for, inside the caller's
     * transaction: the same session (same {@code sid}) with the new {@code amr} under a new cookie token, but its
     * sign-in time unchanged. A second factor alone is no re-authentication: {@code prompt=login}, {@code max_age}
     * (OIDC Core §3.1.2.1) and the recent-sign-in rules ask for the first factor again. Empty when the session is no
     * longer open (signed out meanwhile): nothing else is opened.
     */
    Optional<LoginOutcome.SignedIn> stepUp(
            org.jdbi.v3.core.Handle h,
            SsoSession session,
            String method,
            java.util.List<String> amr,
            RequestInfo info) {
        String token = secrets.token("sso_");
        Instant now = clock.instant();
        if (!store.upgrade(h, session.id(), session.userId(), Secrets.sha256(token), amr, session.authTime(), now))
            return Optional.empty();
        audit.record(
                h,
                AuditEvent.success("sso.step_up", session.userId()).details(java.util.Map.of("method", method)),
                info);
        return Optional.of(new LoginOutcome.SignedIn(
                new SsoSession(session.id(), session.userId(), session.authTime(), session.expiresAt(), amr), token));
    }

    /**
     * After the user changed the password, which ends every session of the account and so the browser's too: its
     * sign-in goes on in a new session with the same user, sign-in time, {@code amr} and expiry, so that the request it
     * was signing in for continues. The clients signed in under the ended session heard of its end (back-channel
     * logout) and sign in again.
     */
    public LoginOutcome.SignedIn continueAfterPasswordChange(SsoSession ended, RequestInfo info) {
        return db.inTransaction(h -> {
            var session =
                    new SsoSession(UUID.randomUUID(), ended.userId(), ended.authTime(), ended.expiresAt(), ended.amr());
            var signedIn = insert(h, session, info);
            audit.record(
                    h,
                    AuditEvent.success("sso.continued", ended.userId())
                            .details(java.util.Map.of("reason", "password_changed")),
                    info);
            return signedIn;
        });
    }

    /**
     * Whether the session's user must choose a new password before the sign-in is used for anything
     * ({@link dev.gatehouse.accounts.User#mustChangePassword}): the hosted pages send the browser to
     * {@link PasswordChangeRoutes#PASSWORD_CHANGE} first.
     */
    public boolean mustChangePassword(SsoSession session) {
        // Asked on every authorization request a signed-in browser makes: from the users read cache (ADR 0013), which
        // a change on this node (the requirement, the new password) clears at once.
        return accounts.findRecent(session.userId())
                .map(dev.gatehouse.accounts.User::mustChangePassword)
                .orElse(false);
    }

    /** Where a browser whose user {@link #mustChangePassword} goes first, then on to {@code returnTo} (or null). */
    public static String passwordChangeFirst(String returnTo) {
        return LoginRoutes.withReturn(PasswordChangeRoutes.PASSWORD_CHANGE, returnTo);
    }

    /** The browser's signed-in session: open, unexpired, and of an account that is still active. */
    public Optional<SsoSession> find(String cookieValue) {
        if (!wellFormed(cookieValue)) return Optional.empty();
        Instant now = clock.instant();
        return db.withHandle(h -> {
            var found = active(h, cookieValue, now);
            // A session unused for the idle time is over; each use moves that on (written at most once a minute).
            found.ifPresent(s -> store.touch(h, s.id(), now, now.minus(TOUCH_EVERY)));
            return found;
        });
    }

    /** The session of a well-formed cookie, open and used within the idle time. */
    private Optional<SsoSession> active(org.jdbi.v3.core.Handle h, String cookieValue, Instant now) {
        return store.active(h, Secrets.sha256(cookieValue), now, now.minus(idle));
    }

    /**
     * The session {@link #find} would answer, without counting this as a use: for OIDC Session Management's check,
     * which a relying party's iframe polls every few seconds without the user doing anything. Counted, that polling
     * would keep an unattended browser signed in until the absolute expiry, past {@code GATEHOUSE_SSO_IDLE_HOURS}.
     */
    public Optional<SsoSession> peek(String cookieValue) {
        if (!wellFormed(cookieValue)) return Optional.empty();
        return db.withHandle(h -> active(h, cookieValue, clock.instant()));
    }

    /** How stale the recorded last use of a session may get before a use writes it again. */
    private static final Duration TOUCH_EVERY = Duration.ofMinutes(1);

    /**
     * The browser's open session whatever its account's state: logout ends a disabled account's session too (and
     * tells its clients), though {@link #find} no longer signs anything in with it.
     */
    public Optional<SsoSession> findToEnd(String cookieValue) {
        if (!wellFormed(cookieValue)) return Optional.empty();
        return db.withHandle(h -> store.open(h, Secrets.sha256(cookieValue), clock.instant()));
    }

    private static boolean wellFormed(String cookieValue) {
        return cookieValue != null && cookieValue.startsWith("sso_") && cookieValue.length() <= 100;
    }

    /**
     * A browser signed in to the account: when it signed in, with what ({@code amr}), from which address and browser
     * (null for sign-ins from before these were kept), and when it was last used; {@code current} for the asking one.
     */
    public record Browser(
            UUID id,
            Instant authTime,
            Instant lastUsedAt,
            java.util.List<String> amr,
            String ip,
            String userAgent,
            boolean current) {}

    /** The most browsers {@link #browsers} lists. */
    static final int BROWSERS_SHOWN = 50;

    /** The browsers signed in to the account (sessions {@link #find} would still accept), most recently used first. */
    public java.util.List<Browser> browsers(UUID userId, UUID currentSession) {
        Instant now = clock.instant();
        return db.withHandle(h -> store.openOfUser(h, userId, now, now.minus(idle), BROWSERS_SHOWN)).stream()
                .map(r -> new Browser(
                        r.id(),
                        r.authTime(),
                        r.lastUsedAt(),
                        r.amr(),
                        r.ip(),
                        r.userAgent(),
                        r.id().equals(currentSession)))
                .toList();
    }

    /** The account's open session with this id, for signing that browser out ({@code LogoutService.logout}). */
    public Optional<SsoSession> openOf(UUID userId, UUID ssoSessionId) {
        return db.withHandle(h -> store.openById(h, ssoSessionId, userId, clock.instant()));
    }

    /** Ends an SSO session inside the caller's transaction (logout); true when it was still open. */
    public boolean end(org.jdbi.v3.core.Handle h, UUID ssoSessionId) {
        return store.endById(h, ssoSessionId, clock.instant());
    }

    /** Ends every open SSO session of the account inside the caller's transaction; returns their ids. */
    public java.util.List<UUID> endAll(org.jdbi.v3.core.Handle h, UUID userId) {
        return store.endAllOfUser(h, userId, clock.instant());
    }

    /** Deletes expired SSO sessions (the cleanup job); returns how many. */
    public int deleteExpired(Instant now) {
        return db.inTransaction(h -> store.deleteExpired(h, now));
    }
}
