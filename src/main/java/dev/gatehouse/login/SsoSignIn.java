package dev.gatehouse.login;

import dev.gatehouse.accounts.AccountService;
import dev.gatehouse.accounts.AccountService.Authentication;
import dev.gatehouse.accounts.MailedLinks;
import dev.gatehouse.audit.AuditEvent;
import dev.gatehouse.audit.AuditLog;
import dev.gatehouse.auth.SecondFactor;
import dev.gatehouse.platform.crypto.Secrets;
import dev.gatehouse.platform.db.Database;
import dev.gatehouse.platform.http.RequestInfo;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The steps of the hosted sign-in, each ending in a {@link LoginOutcome}: a password, a link mailed to the account's
 * address, a passkey that verified the user, and the second factor or step-up that follows a first factor. It decides
 * what each step asks of the account (active, a verified address under {@code GATEHOUSE_REQUIRE_VERIFIED_EMAIL}, a
 * second factor due) and audits the refusals; the SSO session a step opens or renews is {@link SsoService}'s.
 */
public final class SsoSignIn {
    /** The hosted second step's pseudo-method of an account that must first set up an authenticator app. */
    static final String TOTP_SETUP = "totp_setup";

    /** The second factors the hosted second step offers. */
    static final List<String> HOSTED_METHODS = List.of("totp", "email", "backup_code", "webauthn");

    private final Database db;
    private final SsoService sso;
    private final AccountService accounts;
    private final MailedLinks mailed;
    private final AuditLog audit;
    private final Secrets secrets;
    private final SecondFactor secondFactor;
    private final boolean requireVerifiedEmail;

    public SsoSignIn(
            Database db,
            SsoService sso,
            AccountService accounts,
            MailedLinks mailed,
            AuditLog audit,
            Secrets secrets,
            SecondFactor secondFactor,
            boolean requireVerifiedEmail) {
        this.db = db;
        this.sso = sso;
        this.accounts = accounts;
        this.mailed = mailed;
        this.audit = audit;
        this.secrets = secrets;
        this.secondFactor = secondFactor;
        this.requireVerifiedEmail = requireVerifiedEmail;
    }

    /**
     * The hosted second step of a pending sign-in: its methods, or only {@link #TOTP_SETUP} when policy
     * ({@code GATEHOUSE_MFA_REQUIRED}) holds back an account that has no factor yet, which enrols one there.
     */
    private static LoginOutcome.MfaRequired required(SecondFactor.MfaRequired pending) {
        return new LoginOutcome.MfaRequired(
                pending.mfaToken(), pending.setupRequired() ? List.of(TOTP_SETUP) : pending.methods());
    }

    /**
     * A password sign-in. Every refusal looks the same to the browser, so the page cannot reveal which emails exist.
     * {@code current}: the browser's open SSO session, if any; signing in again as its user (for
     * {@code prompt=login} or {@code max_age}) renews that session in place, so the clients already signed in under it
     * keep their {@code sid} and a logout still reaches them. A sign-in as someone else opens a new session.
     */
    public LoginOutcome login(String email, String password, Optional<SsoSession> current, RequestInfo info) {
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
        // As the API's login: with the policy on, an unverified account does not sign in (nor reach a second factor).
        if (requireVerifiedEmail && !user.emailVerified()) {
            db.useTransaction(h ->
                    audit.record(h, AuditEvent.failure("sso.login_failed", user.id(), "email_not_verified"), info));
            return new LoginOutcome.EmailNotVerified();
        }
        String deviceId = info.deviceId().orElseGet(() -> secrets.token("").substring(0, 32));
        // Asynchronous commit (ADR 0020): a database crash within ~200 ms loses the new session, or the pending second
        // step, whole; the browser then signs in again. Nothing this grants outlives it: whatever later uses the
        // session (a code redeemed, a second factor spent) commits durably, and that makes this commit durable too.
        try {
            return db.inTransaction(Database.Commit.ASYNC, h -> {
                var pending = secondFactor.challenge(h, user, deviceId, "password", info);
                // As the API's login: refused when the password or the account changed since it was verified.
                accounts.requireUnchanged(h, user);
                if (pending.isPresent()) return required(pending.get());
                return sso.complete(h, user.id(), "password", current, info);
            });
        } catch (AccountService.ChangedSinceVerified e) {
            db.useTransaction(h ->
                    audit.record(h, AuditEvent.failure("sso.login_failed", user.id(), "credentials_changed"), info));
            return new LoginOutcome.Refused();
        }
    }

    /**
     * A sign-in with a link mailed to the account's address ({@link MailedLinks#redeemMagicLink}; a link sent to an
     * address without an account creates it while registration is open). The link is spent, and a second factor is
     * due as after a password. Refused, and nothing spent, when the link is unknown, used, expired or for a disabled
     * account: the page says the same for each.
     */
    public LoginOutcome signInWithLink(String token, Optional<SsoSession> current, RequestInfo info) {
        if (token == null || token.isBlank() || token.length() > 200) return new LoginOutcome.Refused();
        String deviceId = info.deviceId().orElseGet(() -> secrets.token("").substring(0, 32));
        try {
            return db.inTransaction(h -> {
                var user = mailed.redeemMagicLink(h, token, accounts.registrationEnabled(), info);
                var pending = secondFactor.challenge(h, user, deviceId, "magic_link", info);
                if (pending.isPresent()) return required(pending.get());
                return sso.complete(h, user.id(), "magic_link", current, info);
            });
        } catch (dev.gatehouse.platform.http.Problem p) {
            if (p.status() >= 500) throw p;
            db.useTransaction(h -> audit.record(h, AuditEvent.failure("sso.login_failed", null, "invalid_link"), info));
            return new LoginOutcome.Refused();
        }
    }

    /**
     * Signs in with a credential that stands for every factor by itself (a passkey whose authenticator verified the
     * user, already checked by the caller): the session is opened, or the browser's session of the same user upgraded,
     * as after a password and a second factor. {@code Refused} or {@code EmailNotVerified} (and audited) when the
     * account cannot sign in.
     */
    public LoginOutcome signInVerified(
            UUID userId, String method, List<String> amr, Optional<SsoSession> current, RequestInfo info) {
        var user = accounts.find(userId).filter(dev.gatehouse.accounts.User::active);
        if (user.isEmpty()) {
            db.useTransaction(
                    h -> audit.record(h, AuditEvent.failure("sso.login_failed", userId, "account_inactive"), info));
            return new LoginOutcome.Refused();
        }
        if (requireVerifiedEmail && !user.get().emailVerified()) {
            db.useTransaction(
                    h -> audit.record(h, AuditEvent.failure("sso.login_failed", userId, "email_not_verified"), info));
            return new LoginOutcome.EmailNotVerified();
        }
        return db.inTransaction(h -> sso.complete(h, userId, method, amr, current, info));
    }

    /**
     * Whether the user has a second factor the hosted step-up could ask of this one-factor session: one the hosted
     * step offers, of another kind than the session's first ({@link dev.gatehouse.auth.FactorKinds}: a mailed code adds
     * nothing to a sign-in link).
     */
    public boolean canStepUp(SsoSession session) {
        return db.withHandle(h -> secondFactor.stepUpMethods(h, session.userId(), session.firstFactor()).stream()
                .anyMatch(HOSTED_METHODS::contains));
    }

    /**
     * Starts a step-up for an open one-factor session: a pending login (mfa_token) for a second factor of another
     * kind than the session's first, which {@link #completeSecondFactor} then records on this session. Empty when the
     * user has no such factor (or is gone).
     */
    public Optional<LoginOutcome.MfaRequired> stepUp(SsoSession session, RequestInfo info) {
        var user = accounts.find(session.userId()).filter(dev.gatehouse.accounts.User::active);
        if (user.isEmpty()) return Optional.empty();
        String deviceId = info.deviceId().orElseGet(() -> secrets.token("").substring(0, 32));
        return db.inTransaction(h -> secondFactor
                .stepUp(h, user.get(), deviceId, session.firstFactor(), session.id(), info)
                .map(p -> new LoginOutcome.MfaRequired(p.mfaToken(), p.methods())));
    }

    /**
     * Finishes, inside the caller's transaction, a sign-in whose second factor {@code factor} passed after {@code
     * firstMethod} (its pending login's). {@code factorKeyAmr} are the values a WebAuthn factor's assertion proves
     * (empty for codes). A step-up of a passkey session keeps the key's values: its own assertion is not repeated.
     *
     * <p>{@code stepUpOf}: the SSO session a step-up was opened for ({@link #stepUp}). It adds the factor to that
     * session only, which must still be the browser's ({@code current}) and open, and keeps its sign-in time
     * ({@link SsoService#stepUp}); otherwise (signed out, or signed in again since) the step-up is refused with 401
     * {@code invalid_mfa_token}, rolling the transaction back, and the browser signs in again.
     */
    public LoginOutcome.SignedIn completeSecondFactor(
            org.jdbi.v3.core.Handle h,
            UUID userId,
            String firstMethod,
            String factor,
            List<String> factorKeyAmr,
            Optional<UUID> stepUpOf,
            Optional<SsoSession> current,
            RequestInfo info) {
        String method = firstMethod + "+" + factor;
        var keyAmr = new java.util.ArrayList<>(factorKeyAmr);
        if (firstMethod.equals("passkey")) {
            current.filter(s -> s.userId().equals(userId)).ifPresent(s -> keyAmr.addAll(s.amr()));
        }
        var amr = SsoSession.amrOf(method, keyAmr);
        if (stepUpOf.isPresent()) {
            return current.filter(
                            s -> s.id().equals(stepUpOf.get()) && s.userId().equals(userId))
                    .flatMap(s -> sso.stepUp(h, s, method, amr, info))
                    .orElseThrow(dev.gatehouse.mfa.MfaService::invalidToken);
        }
        return sso.complete(h, userId, method, amr, current, info);
    }
}
