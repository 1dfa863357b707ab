package dev.gatehouse;

import dev.gatehouse.accounts.AccountService;
import dev.gatehouse.accounts.JdbiUserStore;
import dev.gatehouse.accounts.MailedLinks;
import dev.gatehouse.accounts.PasswordPolicy;
import dev.gatehouse.audit.AuditLog;
import dev.gatehouse.audit.AuditRoutes;
import dev.gatehouse.auth.AuthRoutes;
import dev.gatehouse.auth.AuthService;
import dev.gatehouse.auth.RecentSignIn;
import dev.gatehouse.auth.SessionRoutes;
import dev.gatehouse.login.JdbiSsoStore;
import dev.gatehouse.login.SsoService;
import dev.gatehouse.login.SsoSignIn;
import dev.gatehouse.mfa.ExtraFactor;
import dev.gatehouse.mfa.JdbiMfaStore;
import dev.gatehouse.mfa.MfaFactors;
import dev.gatehouse.mfa.MfaGate;
import dev.gatehouse.mfa.MfaRoutes;
import dev.gatehouse.mfa.MfaService;
import dev.gatehouse.platform.config.Config;
import dev.gatehouse.platform.crypto.Secrets;
import dev.gatehouse.platform.http.RouteGroup;
import dev.gatehouse.platform.http.Web;
import dev.gatehouse.sessions.JdbiSessionStore;
import dev.gatehouse.sessions.SessionService;
import dev.gatehouse.tokens.AccessTokenService;
import dev.gatehouse.webauthn.JdbiWebAuthnStore;
import dev.gatehouse.webauthn.WebAuthnFactor;
import dev.gatehouse.webauthn.WebAuthnService;
import java.time.Duration;
import java.util.List;

/**
 * The second part of {@link App}'s wiring: who signs in and how. It builds the accounts and their sessions, the
 * {@code /v1/auth} API and its access tokens, second factors (MFA, trusted devices, passkeys), and the hosted sign-in's
 * SSO session with the steps that sign in to it; and registers the API routes of accounts, sessions, MFA and audit.
 * The stores it keeps in fields are there for {@link App}'s cleanup job.
 */
final class IdentityWiring {
    final SessionService sessions;
    final AccountService accounts;
    final MailedLinks mailedLinks;
    final AccessTokenService accessTokens;
    final JdbiMfaStore mfaStore;
    final JdbiWebAuthnStore webauthnStore;
    final AuthService auth;
    final MfaFactors mfaFactors;
    final MfaService mfa;
    final RecentSignIn recentSignIn;
    final dev.gatehouse.mfa.DeviceService mfaDevices;
    final SsoService sso;
    final SsoSignIn signIn;
    final WebAuthnService webauthn;
    private final AuditLog audit;

    IdentityWiring(Config config, Secrets secrets, PlatformWiring platform) {
        var db = platform.db();
        var clock = platform.clock();
        var metrics = platform.metrics();
        var clusterEvents = platform.clusterEvents();
        this.audit = platform.audit();
        this.sessions = new SessionService(
                db, new JdbiSessionStore(), audit, secrets, clock, config.refreshTokenTtl(), metrics);
        sessions.shareCacheInvalidations(clusterEvents);
        this.accounts = new AccountService(
                db,
                new JdbiUserStore(),
                secrets,
                platform.hasher(),
                new PasswordPolicy(),
                platform.outbox(),
                audit,
                sessions,
                platform.rbac(),
                clock,
                config.issuer(),
                config.registrationEnabled());
        accounts.shareCacheInvalidations(clusterEvents);
        this.mailedLinks = new MailedLinks(
                db,
                accounts,
                secrets,
                platform.hasher(),
                platform.outbox(),
                audit,
                sessions,
                platform.rbac(),
                clock,
                config.issuer());
        this.accessTokens = new AccessTokenService(
                platform.keyRing(),
                config.issuer(),
                clock,
                config.accessTokenTtl(),
                com.nimbusds.jose.JWSAlgorithm.ES256,
                metrics);
        this.mfaStore = new JdbiMfaStore();
        this.webauthnStore = new JdbiWebAuthnStore();
        List<ExtraFactor> extraFactors = List.of(new WebAuthnFactor(webauthnStore));
        var mfaGate = new MfaGate(mfaStore, audit, secrets, clock, config.mfaRequired(), extraFactors);
        this.auth = new AuthService(
                db,
                accounts,
                mailedLinks,
                sessions,
                accessTokens,
                audit,
                secrets,
                metrics,
                config.apiAudience(),
                config.requireVerifiedEmail(),
                mfaGate);
        this.mfaFactors = new MfaFactors(
                db,
                mfaStore,
                mfaGate,
                accounts,
                platform.masterKey(),
                secrets,
                clock,
                audit,
                config.issuer(),
                extraFactors,
                platform.limiter());
        this.mfa = new MfaService(
                db,
                mfaStore,
                mfaFactors,
                auth,
                accounts,
                secrets,
                clock,
                audit,
                metrics,
                platform.outbox(),
                platform.limiter());
        this.recentSignIn = new RecentSignIn(sessions, clock);
        this.mfaDevices = new dev.gatehouse.mfa.DeviceService(
                db, mfaStore, sessions, audit, secrets, clock, Duration.ofDays(config.mfaTrustDays()));
        this.sso = new SsoService(
                db, new JdbiSsoStore(), accounts, audit, secrets, clock, config.refreshTokenTtl(), config.ssoIdle());
        this.signIn =
                new SsoSignIn(db, sso, accounts, mailedLinks, audit, secrets, mfaGate, config.requireVerifiedEmail());
        this.webauthn = new WebAuthnService(
                db, webauthnStore, accounts, auth, mfa, mfaFactors, audit, secrets, clock, metrics, config.issuer());
    }

    /** The API of accounts, API sessions, second factors and trusted devices, and the audit log, in this order. */
    void addRoutes(List<RouteGroup> groups, Web web, boolean https) {
        groups.add(new AuthRoutes(auth, accounts, mailedLinks, web, https));
        groups.add(new SessionRoutes(sessions, auth, web));
        groups.add(new MfaRoutes(mfa, mfaFactors, web, https, recentSignIn));
        groups.add(new dev.gatehouse.mfa.DeviceRoutes(mfaDevices, web, https, recentSignIn));
        groups.add(new AuditRoutes(audit, web));
    }
}
