package dev.gatehouse.accounts;

import dev.gatehouse.audit.AuditEvent;
import dev.gatehouse.audit.AuditLog;
import dev.gatehouse.platform.crypto.PasswordHasher;
import dev.gatehouse.platform.crypto.Secrets;
import dev.gatehouse.platform.db.AlreadyExists;
import dev.gatehouse.platform.db.Database;
import dev.gatehouse.platform.db.RecentReads;
import dev.gatehouse.platform.http.Problem;
import dev.gatehouse.platform.http.RequestInfo;
import dev.gatehouse.platform.mail.MailOutbox;
import dev.gatehouse.rbac.RbacService;
import dev.gatehouse.sessions.SessionService;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/**
 * Accounts: registration, credentials, password change, profile claims. Answers that could reveal whether an address
 * has an account (register, and the sign-in with a password) are the same either way, and cost the same time. The links
 * mailed to an address (verification, password reset, sign-in) are {@link MailedLinks}.
 */
public final class AccountService {
    public sealed interface Authentication {
        record Authenticated(User user) implements Authentication {}

        record Denied(String reason, UUID userId) implements Authentication {}
    }

    /** How long {@link #findRecent} may reuse a user read: the bound on seeing another node's change. */
    public static final Duration RECENT = Duration.ofSeconds(5);

    private final Database db;
    private final RecentReads<UUID, User> recent;
    private final UserStore users;
    private final OneTimeTokens tokens;
    private final PasswordHasher hasher;
    private final PasswordPolicy policy;
    private final MailOutbox outbox;
    private final AuditLog audit;
    private final SessionService sessions;
    private final RbacService rbac;
    private final Clock clock;
    private final AccountMails mails;
    private final boolean registrationEnabled;

    public AccountService(
            Database db,
            UserStore users,
            Secrets secrets,
            PasswordHasher hasher,
            PasswordPolicy policy,
            MailOutbox outbox,
            AuditLog audit,
            SessionService sessions,
            RbacService rbac,
            Clock clock,
            String issuer,
            boolean registrationEnabled) {
        this.db = db;
        this.recent = new RecentReads<>(clock, RECENT, 10_000);
        this.users = new InvalidatingUserStore(users, recent);
        this.tokens = new OneTimeTokens(secrets);
        this.hasher = hasher;
        this.policy = policy;
        this.outbox = outbox;
        this.audit = audit;
        this.sessions = sessions;
        this.rbac = rbac;
        this.clock = clock;
        this.mails = new AccountMails(issuer);
        this.registrationEnabled = registrationEnabled;
    }

    public boolean registrationEnabled() {
        return registrationEnabled;
    }

    /** The users store as this feature writes it: every write also drops the user from {@link #findRecent}'s cache. */
    UserStore users() {
        return users;
    }

    public Optional<User> find(UUID id) {
        return db.withHandle(h -> users.byId(h, id));
    }

    /**
     * The user as {@link #find} would return it, or as read at most {@link #RECENT} ago: for the hot read paths
     * (userinfo). Every change through this service shows on the next call on this node; a change made on another
     * node within {@link #RECENT} (docs/adr/0013).
     */
    public Optional<User> findRecent(UUID id) {
        return recent.get(id, k -> db.withHandle(h -> users.byId(h, k)));
    }

    /**
     * Registers a new account and mails a verification link. An address that already has an account changes nothing and
     * its owner is told by mail instead; the caller sees no difference.
     */
    public void register(String email, String password, String firstName, String lastName, RequestInfo info) {
        if (!registrationEnabled) throw Problem.forbidden("Self-registration is disabled on this server");
        checkPassword("password", password, email, firstName, lastName);
        String hash = hasher.hash(password); // hashed either way, so both paths take the same time
        Instant now = clock.instant();
        db.useTransaction(h -> {
            Optional<User> existing = users.byEmail(h, email);
            if (existing.isPresent()) {
                outbox.enqueue(h, mails.alreadyRegistered(existing.get().email(), languageOf(existing.get(), info)));
                audit.record(
                        h, AuditEvent.failure("user.register", existing.get().id(), "email_taken"), info);
                return;
            }
            var user = User.created(email.trim(), false, hash, blankToNull(firstName), blankToNull(lastName), now);
            try {
                users.insert(h, user);
            } catch (AlreadyExists e) {
                return; // a concurrent registration of the same address won; same answer
            }
            rbac.assign(h, user.id(), RbacService.USER);
            String token = tokens.issue(h, OneTimeTokens.Purpose.VERIFY_EMAIL, user.id(), user.email(), now);
            outbox.enqueue(h, mails.verifyEmail(user.email(), token, info.language()));
            audit.record(h, AuditEvent.success("user.registered", user.id()), info);
        });
    }

    /** Checks a password against the stored hash; unknown accounts spend the same time on a dummy hash. */
    public Authentication authenticate(String email, String password) {
        return authenticate(email, password, true);
    }

    private Authentication authenticate(String email, String password, boolean again) {
        Optional<User> found = db.withHandle(h -> users.byEmail(h, email));
        if (found.isEmpty()) {
            hasher.verifyDummy(password);
            return new Authentication.Denied("unknown_email", null);
        }
        User u = found.get();
        if (u.passwordHash() == null) {
            // Magic-link accounts have no password; spend the hash time anyway, or a fast 401 would reveal them.
            hasher.verifyDummy(password);
            return new Authentication.Denied("no_password", u.id());
        }
        if (!hasher.verify(password, u.passwordHash())) return new Authentication.Denied("wrong_password", u.id());
        if (!u.active()) return new Authentication.Denied("account_" + u.status(), u.id());
        if (hasher.needsRehash(u.passwordHash())) {
            String fresh = hasher.hash(password);
            // Written only over the hash just verified: a password set while this one was hashed (a reset) stays.
            if (db.inTransaction(h -> users.rehash(h, u.id(), u.passwordHash(), fresh))) {
                return new Authentication.Authenticated(u.withRehashedPassword(fresh));
            }
            // A new password, or another sign-in's rehash of this one: check against what is stored now, once.
            return again ? authenticate(email, password, false) : new Authentication.Denied("password_changed", u.id());
        }
        return new Authentication.Authenticated(u);
    }

    /**
     * Thrown by {@link #requireUnchanged} inside a sign-in's transaction, to roll it back: the account's password or
     * status changed after {@link #authenticate} verified them.
     */
    public static final class ChangedSinceVerified extends RuntimeException {
        private ChangedSinceVerified() {
            super(null, null, false, false);
        }
    }

    /**
     * Inside the transaction that opens a password sign-in's session or pending second step: locks the account's row
     * and throws {@link ChangedSinceVerified} unless its password hash and status are still those of {@code verified}
     * ({@link #authenticate}'s). Whatever ends every session of the account (a new password, "sign out everywhere", the
     * first proof of the address) locks the row first, so either that sees the session this opens or this sees its
     * change (docs/adr/0009).
     */
    public void requireUnchanged(Handle h, User verified) {
        var now = users.lock(h, verified.id());
        if (now.isEmpty()
                || !now.get().active()
                || !verified.passwordHash().equals(now.get().passwordHash())) {
            throw new ChangedSinceVerified();
        }
    }

    /** Changes to users reach the other nodes' caches when they commit ({@link RecentReads#shareInvalidations}). */
    public void shareCacheInvalidations(dev.gatehouse.platform.db.ClusterEvents events) {
        recent.shareInvalidations(events, "user_changed", UUID::fromString);
    }

    public void recordLogin(Handle h, UUID userId) {
        users.touchLogin(h, userId, clock.instant());
    }

    /** Changes the password; the calling session stays, every other session ends. */
    public void changePassword(
            UUID userId, Optional<UUID> currentSession, String current, String next, RequestInfo info) {
        User u = find(userId).orElseThrow(() -> Problem.notFound("The user"));
        if (!hasher.verify(current, u.passwordHash())) {
            audit.record(AuditEvent.failure("password.change", u.id(), "wrong_current_password"), info);
            throw Problem.invalidField("current_password", "is not correct");
        }
        checkPassword("new_password", next, u.email(), u.firstName(), u.lastName());
        if (current.equals(next)) throw Problem.invalidField("new_password", "must differ from the current password");
        String hash = hasher.hash(next);
        Instant now = clock.instant();
        db.useTransaction(h -> {
            // The current password was checked against the row before this lock: a reset (or another change) that
            // committed since then wins, and this change is refused as if the current password were wrong.
            users.update(h, u.id(), x -> {
                if (!java.util.Objects.equals(x.passwordHash(), u.passwordHash()))
                    throw Problem.invalidField("current_password", "is not correct");
                return x.withPassword(hash, now);
            });
            sessions.endAll(h, u.id(), currentSession, "password_changed");
            tokens.voidAll(h, OneTimeTokens.Purpose.RESET_PASSWORD, u.id(), now);
            outbox.enqueue(h, mails.passwordChanged(u.email(), languageOf(u, info)));
            audit.record(h, AuditEvent.success("password.changed", u.id()).session(currentSession.orElse(null)), info);
        });
    }

    public void requirePasswordChange(UUID userId, UUID actorId, RequestInfo info) {
        Instant now = clock.instant();
        db.useTransaction(h -> {
            var unused = users.update(h, userId, x -> x.withPasswordChangeRequired(now))
                    .orElseThrow(() -> Problem.notFound("The user"));
            audit.record(
                    h, AuditEvent.success("password.change_required", userId).actor(actorId), info);
        });
    }

    /**
     * The language of a mail to {@code user}: the {@code locale} of the profile when it names a language of the hosted
     * pages, else the language the request that sends it asked for.
     */
    public static java.util.Locale languageOf(User user, RequestInfo info) {
        String profileLocale = user.profile().get("locale").map(String::valueOf).orElse(null);
        return dev.gatehouse.platform.http.Messages.resolve(profileLocale, null, info.languages());
    }

    /** Creates the first administrator on an empty database; returns false when accounts already exist. */
    public boolean createFirstAdmin(String email, String password) {
        // The hash below is a full Argon2id on a cold JVM: pay it only on the first start, not on every start.
        if (db.withHandle(h -> rbac.holders(h, RbacService.ADMIN) > 0 || users.count(h) > 0)) return false;
        Instant now = clock.instant();
        String hash = hasher.hash(password);
        return db.inTransaction(h -> {
            if (rbac.holders(h, RbacService.ADMIN) > 0 || users.count(h) > 0) return false;
            var admin = User.created(email, true, hash, null, null, now);
            users.insert(h, admin);
            rbac.assign(h, admin.id(), RbacService.ADMIN);
            rbac.assign(h, admin.id(), RbacService.USER);
            audit.record(h, AuditEvent.success("user.admin_bootstrapped", admin.id()), RequestInfo.internal());
            return true;
        });
    }

    /** Refuses a password the policy does not allow, naming {@code field}; the account's names are not allowed in it. */
    void checkPassword(String field, String password, String email, String first, String last) {
        String local = email == null ? null : email.contains("@") ? email.substring(0, email.indexOf('@')) : email;
        policy.check(password, java.util.Arrays.asList(local, first, last)).ifPresent(reason -> {
            throw Problem.invalidField(field, reason);
        });
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }

    /**
     * Changes the owner-settable OIDC claims of an account ({@link UserClaims#UPDATABLE}), checked by {@link
     * UserClaims#check}: a value sets its claim, an empty one clears it, claims not named stay. The audit event names
     * the claims changed, never their values. Empty when the account is gone.
     */
    public Optional<User> updateProfile(UUID userId, Map<String, Optional<Object>> changes, RequestInfo info) {
        if (!UserClaims.UPDATABLE.containsAll(changes.keySet()))
            throw new IllegalArgumentException("not updatable: " + changes.keySet());
        Instant now = clock.instant();
        var profileChanges = new LinkedHashMap<>(changes);
        var given = profileChanges.remove("given_name");
        var family = profileChanges.remove("family_name");
        return db.inTransaction(h -> {
            var u = users.update(
                    h,
                    userId,
                    x -> x.withClaims(
                            given == null ? x.firstName() : (String) given.orElse(null),
                            family == null ? x.lastName() : (String) family.orElse(null),
                            x.profile().with(profileChanges),
                            now));
            u.ifPresent(x -> audit.record(
                    h,
                    AuditEvent.success("user.profile_updated", x.id())
                            .details(Map.of("claims", List.copyOf(new TreeSet<>(changes.keySet())))),
                    info));
            return u;
        });
    }
}
