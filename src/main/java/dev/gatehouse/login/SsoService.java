package dev.gatehouse.login;

import dev.gatehouse.accounts.AccountService;
import dev.gatehouse.accounts.AccountService.Authentication;
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
 * id could not be withdrawn before it expires without a lookup anyway).
 */
public final class SsoService {
    public sealed interface LoginOutcome {
        record SignedIn(SsoSession session, String cookieValue) implements LoginOutcome {}

        record Refused() implements LoginOutcome {}
    }

    private final Database db;
    private final JdbiSsoStore store;
    private final AccountService accounts;
    private final AuditLog audit;
    private final Secrets secrets;
    private final Clock clock;
    private final Duration ttl;

    public SsoService(
            Database db,
            JdbiSsoStore store,
            AccountService accounts,
            AuditLog audit,
            Secrets secrets,
            Clock clock,
            Duration ttl) {
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

    /** Password sign-in. Every refusal looks the same to the browser, so the page cannot reveal which emails exist. */
    public LoginOutcome login(String email, String password, RequestInfo info) {
        if (email == null || password == null || email.isBlank() || password.isEmpty() || password.length() > 1024) {
            return new LoginOutcome.Refused();
        }
        Authentication result = accounts.authenticate(email.trim(), password);
        if (result instanceof Authentication.Denied d) {
            db.useTransaction(
                    h -> audit.record(h, AuditEvent.failure("sso.login_failed", d.userId(), d.reason()), info));
            return new LoginOutcome.Refused();
        }
        var user = ((Authentication.Authenticated) result).user();
        Instant now = clock.instant();
        var session = new SsoSession(UUID.randomUUID(), user.id(), now, now.plus(ttl));
        String token = secrets.token("sso_");
        db.useTransaction(h -> {
            store.insert(h, session, Secrets.sha256(token));
            accounts.recordLogin(h, user.id());
            audit.record(h, AuditEvent.success("sso.login", user.id()), info);
        });
        return new LoginOutcome.SignedIn(session, token);
    }

    public Optional<SsoSession> find(String cookieValue) {
        if (cookieValue == null || !cookieValue.startsWith("sso_") || cookieValue.length() > 100)
            return Optional.empty();
        return db.withHandle(h -> store.active(h, Secrets.sha256(cookieValue), clock.instant()));
    }

    /** Ends an SSO session inside the caller's transaction (logout); true when it was still open. */
    public boolean end(org.jdbi.v3.core.Handle h, UUID ssoSessionId) {
        return store.endById(h, ssoSessionId, clock.instant());
    }
}
