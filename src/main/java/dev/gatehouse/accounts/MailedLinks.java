package dev.gatehouse.accounts;

import dev.gatehouse.audit.AuditEvent;
import dev.gatehouse.audit.AuditLog;
import dev.gatehouse.platform.crypto.PasswordHasher;
import dev.gatehouse.platform.crypto.Secrets;
import dev.gatehouse.platform.db.Database;
import dev.gatehouse.platform.http.Problem;
import dev.gatehouse.platform.http.RequestInfo;
import dev.gatehouse.platform.mail.MailOutbox;
import dev.gatehouse.rbac.RbacService;
import dev.gatehouse.sessions.SessionService;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/**
 * The links mailed to an account's address: email verification, password reset and sign-in (magic) links, each a
 * one-time token ({@link OneTimeTokens}). Answers that could reveal whether an address has an account (forgot-password,
 * magic link, resending a verification) are the same either way. A reset or sign-in link that reaches an address
 * nobody had proven yet proves it, and takes away what whoever registered the address may have set up before (account
 * pre-hijacking): the unproven password, the sessions and, through {@link AddressProven}, the other ways in.
 */
public final class MailedLinks {
    /**
     * What else an account loses when the owner of its address proves it for the first time (a sign-in link, or a
     * reset link, mailed to an address nobody had proven yet): the ways in that whoever registered the address set up
     * before, such as second factors and passkeys. Called inside the proving transaction.
     */
    public interface AddressProven {
        void proven(Handle h, UUID userId);
    }

    private final Database db;
    private final AccountService accounts;
    private final UserStore users;
    private final OneTimeTokens tokens;
    private final PasswordHasher hasher;
    private final MailOutbox outbox;
    private final AuditLog audit;
    private final SessionService sessions;
    private final RbacService rbac;
    private final Clock clock;
    private final AccountMails mails;
    private volatile AddressProven addressProven = (h, userId) -> {};

    public MailedLinks(
            Database db,
            AccountService accounts,
            Secrets secrets,
            PasswordHasher hasher,
            MailOutbox outbox,
            AuditLog audit,
            SessionService sessions,
            RbacService rbac,
            Clock clock,
            String issuer) {
        this.db = db;
        this.accounts = accounts;
        this.users = accounts.users();
        this.tokens = new OneTimeTokens(secrets);
        this.hasher = hasher;
        this.outbox = outbox;
        this.audit = audit;
        this.sessions = sessions;
        this.rbac = rbac;
        this.clock = clock;
        this.mails = new AccountMails(issuer);
    }

    /**
     * Sets {@link AddressProven}: App wires the second factors, passkeys and consents here, which live in features that
     * build on this one. Set once, while the application is assembled.
     */
    public void whenAddressProven(AddressProven listener) {
        this.addressProven = Objects.requireNonNull(listener);
    }

    public void sendVerification(UUID userId, RequestInfo info) {
        Instant now = clock.instant();
        boolean sent = db.inTransaction(h -> {
            User u = users.byId(h, userId).orElseThrow(() -> Problem.notFound("The user"));
            if (u.emailVerified()) return false;
            String token = tokens.issue(h, OneTimeTokens.Purpose.VERIFY_EMAIL, u.id(), u.email(), now);
            outbox.enqueue(h, mails.verifyEmail(u.email(), token, AccountService.languageOf(u, info)));
            audit.record(h, AuditEvent.success("user.verification_sent", u.id()), info);
            return true;
        });
        if (!sent) throw Problem.conflict("already_verified", "The email address is already verified");
    }

    /**
     * Mails a new verification link to an active account whose address is not verified yet, for someone who cannot sign
     * in to ask for it ({@code GATEHOUSE_REQUIRE_VERIFIED_EMAIL}); does nothing for any other address. The caller answers
     * the same either way, so nothing tells whether the address has an account.
     */
    public void resendVerification(String email, RequestInfo info) {
        Instant now = clock.instant();
        db.useTransaction(h -> {
            Optional<User> u = users.byEmail(h, email).filter(User::active).filter(x -> !x.emailVerified());
            if (u.isEmpty()) {
                audit.record(h, AuditEvent.failure("user.verification_sent", null, "no_unverified_account"), info);
                return;
            }
            String token = tokens.issue(
                    h, OneTimeTokens.Purpose.VERIFY_EMAIL, u.get().id(), u.get().email(), now);
            outbox.enqueue(h, mails.verifyEmail(u.get().email(), token, AccountService.languageOf(u.get(), info)));
            audit.record(h, AuditEvent.success("user.verification_sent", u.get().id()), info);
        });
    }

    /** {@code POST /v1/auth/verify-email}: the token alone confirms the address (seed 004). */
    public User verifyEmail(String token, RequestInfo info) {
        return verifyEmail(token, Optional.empty(), info);
    }

    /**
     * The account a verification link would confirm, while the link is live and the account's address not yet proven:
     * its page asks for that account's password.
     */
    public Optional<User> verificationAccount(String token) {
        Instant now = clock.instant();
        return db.withHandle(h -> tokens.live(h, OneTimeTokens.Purpose.VERIFY_EMAIL, token, now)
                .flatMap(r -> users.byId(h, r.userId()).filter(u -> provesFirst(u, r.email()))));
    }

    /**
     * The hosted page's verification: the registrant confirms, with the account's password when it has one. The
     * registration mail reaches the owner of the address, who may not be the registrant (account pre-hijacking); a
     * click on "confirm" would hand the registrant a proven account, which later sign-in links and resets no longer
     * clean up. The owner takes such an account over with a password reset instead (README, account pre-hijacking).
     * {@code wrong_password} (400) leaves the link unspent.
     */
    public User verifyEmailAsRegistrant(String token, String password, RequestInfo info) {
        User u = verificationAccount(token).orElseThrow(MailedLinks::invalidVerification);
        String hash = u.passwordHash();
        if (hash != null && (password == null || password.length() > 1024 || !hasher.verify(password, hash))) {
            db.useTransaction(
                    h -> audit.record(h, AuditEvent.failure("user.email_verified", u.id(), "wrong_password"), info));
            throw Problem.badRequest("wrong_password", "The password is not the account's");
        }
        return verifyEmail(token, Optional.of(u), info);
    }

    /** Redeems a verification link; with {@code checked}, only while the account's password is the one checked. */
    private User verifyEmail(String token, Optional<User> checked, RequestInfo info) {
        Instant now = clock.instant();
        return db.inTransaction(h -> {
            var redeemed = tokens.redeem(h, OneTimeTokens.Purpose.VERIFY_EMAIL, token, now)
                    .orElseThrow(MailedLinks::invalidVerification);
            if (checked.isPresent()
                    && !users.byId(h, redeemed.userId())
                            .map(x -> Objects.equals(
                                    x.passwordHash(), checked.get().passwordHash()))
                            .orElse(false)) throw invalidVerification();
            User u = users.update(
                            h,
                            redeemed.userId(),
                            x -> User.normalize(x.email()).equals(redeemed.email()) ? x.withEmailVerified(now) : x)
                    .orElseThrow(MailedLinks::invalidVerification);
            audit.record(h, AuditEvent.success("user.email_verified", u.id()), info);
            return u;
        });
    }

    private static Problem invalidVerification() {
        return Problem.badRequest("invalid_token", "The verification token is invalid, used or expired");
    }

    /** Mails a reset link when the address has an account; answers the same either way. */
    public void forgotPassword(String email, RequestInfo info) {
        Instant now = clock.instant();
        db.useTransaction(h -> {
            Optional<User> u = users.byEmail(h, email).filter(User::active);
            if (u.isEmpty()) {
                audit.record(h, AuditEvent.failure("password.reset_requested", null, "unknown_email"), info);
                return;
            }
            String token = tokens.issue(
                    h,
                    OneTimeTokens.Purpose.RESET_PASSWORD,
                    u.get().id(),
                    u.get().email(),
                    now);
            outbox.enqueue(h, mails.resetPassword(u.get().email(), token, AccountService.languageOf(u.get(), info)));
            audit.record(
                    h, AuditEvent.success("password.reset_requested", u.get().id()), info);
        });
    }

    /** Sets a new password from a reset token and ends every session of the account. */
    public void resetPassword(String token, String newPassword, RequestInfo info) {
        Instant now = clock.instant();
        // Validate the token's account first so the policy can look at its email; redeem in the write transaction.
        db.useTransaction(h -> {
            var redeemed = tokens.redeem(h, OneTimeTokens.Purpose.RESET_PASSWORD, token, now)
                    .orElseThrow(
                            () -> Problem.badRequest("invalid_token", "The reset token is invalid, used or expired"));
            User u = users.byId(h, redeemed.userId())
                    .orElseThrow(
                            () -> Problem.badRequest("invalid_token", "The reset token is invalid, used or expired"));
            accounts.checkPassword("new_password", newPassword, u.email(), u.firstName(), u.lastName());
            String hash = hasher.hash(newPassword);
            boolean firstProof = provesFirst(u, redeemed.email());
            users.update(h, u.id(), x -> verifiedBy(x.withPassword(hash, now), redeemed.email(), now));
            sessions.endAll(h, u.id(), Optional.empty(), "password_reset");
            if (firstProof) addressProven.proven(h, u.id());
            tokens.voidAll(h, OneTimeTokens.Purpose.RESET_PASSWORD, u.id(), now);
            outbox.enqueue(h, mails.passwordChanged(u.email(), AccountService.languageOf(u, info)));
            var event = AuditEvent.success("password.reset", u.id());
            audit.record(h, firstProof ? event.details(Map.of("address_proven", true)) : event, info);
        });
    }

    /** Mails a sign-in link. Unknown addresses get one too when registration is open (it can create the account). */
    public void sendMagicLink(String email, RequestInfo info) {
        Instant now = clock.instant();
        db.useTransaction(h -> {
            Optional<User> u = users.byEmail(h, email);
            if (u.isPresent() && !u.get().active()) return;
            if (u.isEmpty() && !accounts.registrationEnabled()) {
                audit.record(h, AuditEvent.failure("magic_link.requested", null, "unknown_email"), info);
                return;
            }
            String to = u.map(User::email).orElse(email.trim());
            String token = tokens.issue(
                    h, OneTimeTokens.Purpose.MAGIC_LINK, u.map(User::id).orElse(null), to, now);
            outbox.enqueue(
                    h,
                    mails.magicLink(
                            to,
                            token,
                            u.map(x -> AccountService.languageOf(x, info)).orElseGet(info::language)));
            audit.record(
                    h,
                    AuditEvent.success("magic_link.requested", u.map(User::id).orElse(null)),
                    info);
        });
    }

    /** Whether a reset link can still be used (unused, unexpired), without spending it: its page shows no form else. */
    public boolean resetLinkLive(String token) {
        return db.withHandle(h -> tokens.peek(h, OneTimeTokens.Purpose.RESET_PASSWORD, token, clock.instant()))
                .isPresent();
    }

    /**
     * The address a live sign-in link signs in to, without spending the link, so its page can name the account: a link
     * someone else mailed to themselves and sent on would otherwise sign the visitor's browser in to their account
     * with one click (login CSRF). Empty for a link that is unknown, used or expired.
     */
    public Optional<String> magicLinkAddress(String token) {
        return db.withHandle(h -> tokens.peek(h, OneTimeTokens.Purpose.MAGIC_LINK, token, clock.instant()));
    }

    /**
     * Redeems a magic link inside the caller's transaction (which also opens the session). A link sent to an address
     * without an account creates it, verified, only when {@code allowRegistration} is set.
     */
    public User redeemMagicLink(Handle h, String token, boolean allowRegistration, RequestInfo info) {
        Instant now = clock.instant();
        var redeemed = tokens.redeem(h, OneTimeTokens.Purpose.MAGIC_LINK, token, now)
                .orElseThrow(() -> Problem.badRequest("invalid_token", "The sign-in link is invalid, used or expired"));
        Optional<User> existing = users.byEmail(h, redeemed.email());
        if (existing.isPresent()) {
            if (!existing.get().active()) throw Problem.forbidden("The account is disabled");
            if (!provesFirst(existing.get(), redeemed.email())) return existing.get();
            // The owner of the address proves it for the first time. Whoever registered it before may not have been
            // the owner (account pre-hijacking): drop the unproven password, end every earlier session, and remove
            // every other way in set up before the proof (second factors, passkeys, consents).
            User u = users.update(
                            h,
                            existing.get().id(),
                            x -> verifiedBy(x, redeemed.email(), now).withPassword(null, now))
                    .orElseThrow();
            sessions.endAll(h, u.id(), Optional.empty(), "address_proven");
            addressProven.proven(h, u.id());
            audit.record(
                    h, AuditEvent.success("user.email_verified", u.id()).details(Map.of("method", "magic_link")), info);
            return u;
        }
        if (!allowRegistration || !accounts.registrationEnabled()) {
            throw Problem.badRequest(
                    "registration_required", "No account uses this address; set allow_registration to create one");
        }
        var user = User.created(redeemed.email(), true, null, null, null, now);
        users.insert(h, user);
        rbac.assign(h, user.id(), RbacService.USER);
        audit.record(h, AuditEvent.success("user.registered", user.id()).details(Map.of("method", "magic_link")), info);
        return user;
    }

    /** Whether a link mailed to {@code mailedTo} proves the account's address for the first time. */
    private static boolean provesFirst(User x, String mailedTo) {
        return !x.emailVerified() && User.normalize(x.email()).equals(mailedTo);
    }

    /** A link mailed to the account's current address proves the address. */
    private static User verifiedBy(User x, String mailedTo, Instant now) {
        return provesFirst(x, mailedTo) ? x.withEmailVerified(now) : x;
    }

    /** Deletes expired verification, reset and magic-link tokens (the cleanup job); returns how many. */
    public int deleteExpiredTokens(Instant now) {
        return db.inTransaction(h -> tokens.deleteExpired(h, now));
    }
}
