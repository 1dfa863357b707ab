package dev.gatehouse;

import com.nimbusds.jose.JWSAlgorithm;
import dev.gatehouse.accounts.AccountService;
import dev.gatehouse.accounts.JdbiUserStore;
import dev.gatehouse.accounts.PasswordPolicy;
import dev.gatehouse.admin.AdminRoutes;
import dev.gatehouse.audit.AuditLog;
import dev.gatehouse.audit.AuditRoutes;
import dev.gatehouse.auth.AuthRoutes;
import dev.gatehouse.auth.AuthService;
import dev.gatehouse.auth.SessionRoutes;
import dev.gatehouse.auth.TokenAuthenticator;
import dev.gatehouse.ops.DocsRoutes;
import dev.gatehouse.ops.HealthRoutes;
import dev.gatehouse.ops.JwksRoutes;
import dev.gatehouse.ops.MetricsRoutes;
import dev.gatehouse.platform.config.Config;
import dev.gatehouse.platform.crypto.CryptoProviders;
import dev.gatehouse.platform.crypto.MasterKey;
import dev.gatehouse.platform.crypto.PasswordHasher;
import dev.gatehouse.platform.crypto.Secrets;
import dev.gatehouse.platform.db.Database;
import dev.gatehouse.platform.http.HttpServer;
import dev.gatehouse.platform.http.Json;
import dev.gatehouse.platform.http.Web;
import dev.gatehouse.platform.keys.JdbiSigningKeyStore;
import dev.gatehouse.platform.keys.KeyRing;
import dev.gatehouse.platform.mail.DevOutboxTransport;
import dev.gatehouse.platform.mail.MailOutbox;
import dev.gatehouse.platform.mail.MailTransport;
import dev.gatehouse.platform.mail.MailWorker;
import dev.gatehouse.platform.mail.SmtpTransport;
import dev.gatehouse.platform.metrics.Metrics;
import dev.gatehouse.platform.ratelimit.RateLimiter;
import dev.gatehouse.rbac.RbacService;
import dev.gatehouse.sessions.JdbiSessionStore;
import dev.gatehouse.sessions.SessionService;
import io.micrometer.core.instrument.binder.db.DatabaseTableMetrics;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The composition root: builds every component with {@code new}, in dependency order, and owns their lifecycle. Tests
 * start this same class with test settings.
 */
public final class App implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(App.class);
    public static final String VERSION = Optional.ofNullable(
                    App.class.getPackage().getImplementationVersion())
            .orElse("dev");

    private final Config config;
    private final Database db;
    private final MailWorker mailWorker;
    private final HttpServer http;
    private final KeyRing keyRing;
    private final AccountService accounts;
    private final dev.gatehouse.oidc.BackChannelLogout backChannelLogout;
    private final dev.gatehouse.ops.Sweeper sweeper;
    private final dev.gatehouse.platform.db.ClusterEvents clusterEvents;
    private final RateLimiter limiter;

    private App(Config config, Clock exactClock, Secrets secrets) {
        this.config = config;
        // Both databases keep microseconds; a clock of the same precision makes stored and in-memory times agree.
        Clock clock = Clock.tick(exactClock, Duration.ofNanos(1_000));
        String provider = CryptoProviders.install(System.getProperty("gatehouse.crypto", "auto"));
        var metrics = Metrics.create();

        String url = config.dbUrl().orElseGet(() -> Database.embeddedUrl(config.dataDir()));
        this.db = Database.open(url, config.dbUser(), config.dbPassword(), url.startsWith("jdbc:postgresql:") ? 16 : 8);
        db.pool().setMetricRegistry(metrics);
        var masterKey = MasterKey.load(config.masterKey(), config.dataDir(), secrets);
        this.keyRing = new KeyRing(
                new JdbiSigningKeyStore(db),
                masterKey,
                clock,
                Duration.ofHours(1),
                config.accessTokenTtl().plus(Duration.ofHours(1)));
        try {
            db.migrate();
            // A key for every algorithm a client may choose, published from the start: one made when a client first
            // asks for its algorithm would sign at once, before the other nodes of a cluster publish it (ADR 0002).
            // Generated on an empty database only; a restart loads them.
            keyRing.init(KeyRing.SUPPORTED);
        } catch (RuntimeException e) {
            db.close(); // a failed start (wrong master key, say) leaves no pool behind
            throw e;
        }

        MailTransport transport =
                config.smtp().configured() ? new SmtpTransport(config.smtp()) : new DevOutboxTransport();
        var outbox = new MailOutbox(db, clock);
        this.mailWorker = new MailWorker(outbox, transport);

        var audit = new AuditLog(db, clock);
        var rbac = new RbacService(db, clock);
        var hasher = new PasswordHasher(config.argon2(), secrets);
        this.clusterEvents = new dev.gatehouse.platform.db.ClusterEvents(db);
        keyRing.shareChanges(clusterEvents);
        var sessions = new SessionService(
                db, new JdbiSessionStore(), audit, secrets, clock, config.refreshTokenTtl(), metrics);
        sessions.shareCacheInvalidations(clusterEvents);
        this.accounts = new AccountService(
                db,
                new JdbiUserStore(),
                secrets,
                hasher,
                new PasswordPolicy(),
                outbox,
                audit,
                sessions,
                rbac,
                clock,
                config.issuer(),
                config.registrationEnabled());
        accounts.shareCacheInvalidations(clusterEvents);
        var mailedLinks = new dev.gatehouse.accounts.MailedLinks(
                db, accounts, secrets, hasher, outbox, audit, sessions, rbac, clock, config.issuer());
        var accessTokens = new dev.gatehouse.tokens.AccessTokenService(
                keyRing, config.issuer(), clock, config.accessTokenTtl(), JWSAlgorithm.ES256, metrics);
        var mfaStore = new dev.gatehouse.mfa.JdbiMfaStore();
        var webauthnStore = new dev.gatehouse.webauthn.JdbiWebAuthnStore();
        List<dev.gatehouse.mfa.ExtraFactor> extraFactors =
                List.of(new dev.gatehouse.webauthn.WebAuthnFactor(webauthnStore));
        var mfaGate =
                new dev.gatehouse.mfa.MfaGate(mfaStore, audit, secrets, clock, config.mfaRequired(), extraFactors);
        var auth = new AuthService(
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
        this.limiter = config.redisUrl()
                .map(redis -> new RateLimiter(config.rateLimits(), clock, redis, masterKey.derive("rate-limit keys")))
                .orElseGet(() -> new RateLimiter(config.rateLimits(), clock));
        limiter.bindTo(metrics);
        var mfaFactors = new dev.gatehouse.mfa.MfaFactors(
                db, mfaStore, mfaGate, accounts, masterKey, secrets, clock, audit, config.issuer(), extraFactors);
        var mfa = new dev.gatehouse.mfa.MfaService(
                db, mfaStore, mfaFactors, auth, accounts, secrets, clock, audit, metrics, outbox, limiter);

        var mapper = Json.newMapper();
        var revocations = new dev.gatehouse.tokens.RevocationList(db, clock, Duration.ofSeconds(1), clusterEvents);
        // Sender-constrained clients: private_key_jwt (RFC 7523) and DPoP (RFC 9449), one-time jti in the database.
        var replays = new dev.gatehouse.platform.db.ReplayCache(db, clock);
        var scopes = new dev.gatehouse.oauth.scopes.ScopeService(
                db, new dev.gatehouse.oauth.scopes.JdbiScopeStore(), audit, clock, Duration.ofSeconds(30));
        var clientStore = new dev.gatehouse.oauth.clients.JdbiClientStore();
        var clients = new dev.gatehouse.oauth.clients.ClientService(
                db,
                clientStore,
                clock,
                new dev.gatehouse.oauth.clients.ClientAssertions(
                        config.issuer(), config.clientAssertionEndpointAudience(), replays, clock));
        scopes.checkRegistrationsWith(clients::registering);
        clients.shareCacheInvalidations(clusterEvents);
        // Every access token is refused once its client is deleted or its tokens revoked, except those of Gatehouse's
        // own sign-in (/v1/auth/login), whose client is no registered OAuth client: they end with their sessions.
        var introspector = new dev.gatehouse.tokens.TokenIntrospector(
                accessTokens,
                revocations,
                sessions,
                config.issuer(),
                (clientId, issuedAt) -> AuthService.FIRST_PARTY_CLIENT.equals(clientId)
                        || clients.acceptsTokenIssuedAt(clientId, issuedAt));
        var web = new Web(mapper, List.of(new TokenAuthenticator(introspector, rbac)), limiter, metrics);
        var dpop = new dev.gatehouse.tokens.DpopProofs(replays, clock);
        var dpopBindings = new dev.gatehouse.oauth.token.DpopSessionBindings(db);
        boolean https = config.issuer().startsWith("https:");
        var sso = new dev.gatehouse.login.SsoService(
                db,
                new dev.gatehouse.login.JdbiSsoStore(),
                accounts,
                mailedLinks,
                audit,
                secrets,
                clock,
                config.refreshTokenTtl(),
                config.ssoIdle(),
                mfaGate,
                config.requireVerifiedEmail());
        var idTokens = new dev.gatehouse.oidc.IdTokenService(keyRing, config.issuer(), clock, config.accessTokenTtl());
        var resourcePolicy = new dev.gatehouse.oauth.clients.ResourcePolicy(config.issuer(), config.apiAudience());
        var codeStore = new dev.gatehouse.oauth.authorize.JdbiCodeStore();
        var parStore = new dev.gatehouse.oauth.authorize.JdbiParStore();
        var requests = new dev.gatehouse.oauth.authorize.AuthorizationRequests(
                db,
                parStore,
                clients,
                audit,
                secrets,
                clock,
                config.issuer(),
                scopes,
                idTokens::verifyHint,
                resourcePolicy);
        var authorize = new dev.gatehouse.oauth.authorize.AuthorizeService(
                db, codeStore, parStore, audit, secrets, clock, config.issuer(), idTokens::issueForCode);
        var codeRedemption = new dev.gatehouse.oauth.authorize.CodeRedemption(db, codeStore, sessions, audit, clock);
        var deviceStore = new dev.gatehouse.oauth.device.JdbiDeviceStore();
        var devices = new dev.gatehouse.oauth.device.DeviceService(
                db, deviceStore, clients, sessions, audit, secrets, clock, scopes, resourcePolicy);
        var releasedClaims = new dev.gatehouse.oidc.ReleasedClaims(accounts, scopes);
        var userTokens = new dev.gatehouse.oauth.token.UserTokens(
                accessTokens, idTokens, releasedClaims, config.apiAudience(), dpopBindings);
        var sessionGrants = new dev.gatehouse.oauth.token.SessionGrants(codeRedemption, devices);
        var tokenEndpoint = new dev.gatehouse.oauth.token.TokenEndpoint(clients, resourcePolicy)
                .register(new dev.gatehouse.oauth.token.AuthorizationCodeGrantHandler(codeRedemption, userTokens))
                .register(new dev.gatehouse.oauth.token.RefreshTokenGrantHandler(
                        sessions, sessionGrants, userTokens, dpopBindings))
                .register(new dev.gatehouse.oauth.token.ClientCredentialsGrantHandler(
                        accessTokens, config.apiAudience(), scopes))
                .register(new dev.gatehouse.oauth.token.DeviceCodeGrantHandler(devices, userTokens))
                .register(new dev.gatehouse.oauth.token.TokenExchangeGrantHandler(
                        introspector, accessTokens, audit, config.apiAudience(), resourcePolicy));

        var groups = new ArrayList<dev.gatehouse.platform.http.RouteGroup>();
        HttpServer[] self = new HttpServer[1];
        Map<String, Object> components = new LinkedHashMap<>();
        components.put("crypto_provider", provider);
        components.put("mail", mailWorker.describe());
        groups.add(new HealthRoutes(
                db,
                web,
                VERSION,
                () -> self[0] != null && self[0].draining(),
                () -> {
                    var now = new java.util.LinkedHashMap<>(components);
                    now.put("rate_limits", limiter.describe());
                    return now;
                },
                clock));
        groups.add(new MetricsRoutes(metrics));
        groups.add(new JwksRoutes(keyRing));
        groups.add(new AuthRoutes(auth, accounts, mailedLinks, web, https));
        groups.add(new SessionRoutes(sessions, auth, web));
        var recentSignIn = new dev.gatehouse.auth.RecentSignIn(sessions, clock);
        groups.add(new dev.gatehouse.mfa.MfaRoutes(mfa, mfaFactors, web, https, recentSignIn));
        var mfaDevices = new dev.gatehouse.mfa.DeviceService(
                db, mfaStore, sessions, audit, clock, Duration.ofDays(config.mfaTrustDays()));
        groups.add(new dev.gatehouse.mfa.DeviceRoutes(mfaDevices, web));
        groups.add(new AuditRoutes(audit, web));
        groups.add(new dev.gatehouse.oauth.TokenRoutes(
                tokenEndpoint, clients, introspector, sessions, sessionGrants, web, dpop, config.issuer()));
        var consent = new dev.gatehouse.oauth.authorize.ConsentService(
                db, new dev.gatehouse.oauth.authorize.JdbiConsentStore(), audit, clock, sessions);
        // A deleted client's grants end with it (RFC 7592 §2.3): its users' sessions, so their refresh tokens and the
        // access tokens bound to those sessions, and the consents given to it.
        var clientRegistrations = new dev.gatehouse.oauth.clients.ClientRegistrations(
                db, clientStore, clients, secrets, audit, clock, scopes::lockKnown, (h, clientId) -> {
                    sessions.endAllOfClient(h, clientId);
                    consent.forgetClient(h, clientId);
                });
        // Revoking a client's tokens ends its users' sessions the same way, and keeps the client.
        var clientRevocation = new dev.gatehouse.oauth.clients.ClientRevocation(
                db,
                clientStore,
                clients,
                secrets,
                audit,
                clock,
                (h, clientId) -> sessions.endAllOfClient(h, clientId, "client_tokens_revoked")
                        .size());
        groups.add(new dev.gatehouse.oauth.clients.ClientRoutes(clients, clientRegistrations, clientRevocation, web));
        var initialAccessTokens = new dev.gatehouse.oauth.clients.InitialAccessTokens(
                db,
                new dev.gatehouse.oauth.clients.JdbiInitialAccessTokenStore(),
                scopes::lockKnown,
                secrets,
                audit,
                clock);
        groups.add(new dev.gatehouse.oauth.clients.InitialAccessTokenRoutes(initialAccessTokens, web));
        groups.add(new dev.gatehouse.oauth.clients.RegistrationRoutes(
                clients,
                clientRegistrations,
                initialAccessTokens,
                web,
                config.issuer(),
                config.openClientRegistration()));
        this.backChannelLogout = new dev.gatehouse.oidc.BackChannelLogout(config.webhookAllowPrivate());
        var logout = new dev.gatehouse.oidc.LogoutService(
                db,
                sso,
                codeRedemption,
                sessions,
                clients,
                idTokens,
                backChannelLogout,
                audit,
                secrets,
                config.issuer());
        // The browser's sign-in, and the CSRF protection of the hosted sign-in's forms (ADR 0023).
        var ssoCookie = dev.gatehouse.login.LoginRoutes.ssoCookie(https);
        var loginCsrf = dev.gatehouse.login.LoginRoutes.csrf(https);
        var authorizeRoutes = new dev.gatehouse.oauth.authorize.AuthorizeRoutes(
                requests, authorize, consent, sso, ssoCookie, accounts, web);
        groups.add(authorizeRoutes);
        // Every hosted sign-in step answers the authorization request it was for in place (ADR 0021).
        var signedIn = new dev.gatehouse.login.LoginRoutes.SignedInAnswer(
                sso,
                web,
                ssoCookie,
                loginCsrf,
                authorizeRoutes::resume,
                (previous, info) -> logout.logout(previous, Optional.empty(), info));
        var loginRoutes = new dev.gatehouse.login.LoginRoutes(
                sso,
                web,
                secrets,
                loginCsrf,
                ssoCookie,
                requests::redirectTarget,
                signedIn,
                accounts.registrationEnabled());
        groups.add(loginRoutes);
        groups.add(new dev.gatehouse.login.AccountLinkRoutes(
                accounts, mailedLinks, sso, web, secrets, https, loginCsrf, ssoCookie, signedIn));
        groups.add(new dev.gatehouse.login.LoginMfaRoutes(
                sso, mfa, web, secrets, loginCsrf, ssoCookie, requests::redirectTarget, signedIn));
        groups.add(new dev.gatehouse.oauth.authorize.ParRoutes(requests, clients, web, dpop, config.issuer()));
        groups.add(new dev.gatehouse.oauth.authorize.ConsentRoutes(
                requests, authorize, authorizeRoutes, consent, scopes, sso, accounts, web, secrets, ssoCookie, https));
        groups.add(new dev.gatehouse.oauth.device.DeviceRoutes(
                devices, clients, scopes, sso, web, secrets, config.issuer(), ssoCookie, https));
        groups.add(new dev.gatehouse.oidc.UserinfoRoutes(
                introspector,
                accounts,
                clients,
                scopes,
                releasedClaims,
                web,
                dpop,
                config.issuer(),
                config.apiAudience()));
        // When every session of an account ends, so do its browser sign-ins, the sign-ins waiting for a second factor
        // and the device approvals not yet redeemed.
        sessions.whenEndedEverywhere((h, user, ended) -> {
            logout.endedEverywhere(h, user, ended);
            mfa.abandonPendingSignIns(h, user);
            devices.withdrawApproved(h, user);
        });
        // When the owner of an address proves it for the first time, the ways in that the account's registrant (maybe
        // not the owner: account pre-hijacking) set up before go too; the password and sessions go in MailedLinks.
        mailedLinks.whenAddressProven((h, user) -> {
            mfaFactors.removeAll(h, user);
            consent.forgetAll(h, user);
        });
        groups.add(new dev.gatehouse.oidc.LogoutRoutes(logout, sso, web, ssoCookie, https));
        groups.add(new dev.gatehouse.oidc.SessionManagementRoutes(clients, sso, ssoCookie, web));
        groups.add(new dev.gatehouse.oidc.BrowserSessionRoutes(sso, ssoCookie, accounts, web));
        groups.add(new dev.gatehouse.oauth.DiscoveryRoutes(
                config.issuer(), tokenEndpoint, web, scopes, config.registrationEnabled()));
        groups.add(new dev.gatehouse.oauth.scopes.ScopeRoutes(scopes, web));
        groups.add(new dev.gatehouse.oauth.authorize.ConsentApiRoutes(consent, web));
        var codes = new dev.gatehouse.oauth.authorize.ExpiredCodes(
                db,
                new dev.gatehouse.oauth.authorize.JdbiCodeStore(),
                new dev.gatehouse.oauth.authorize.JdbiParStore());
        this.sweeper = new dev.gatehouse.ops.Sweeper(
                clock,
                config.cleanupInterval(),
                Duration.ofSeconds(1),
                List.of(
                        new dev.gatehouse.ops.Sweeper.Task("authorization_codes", codes::deleteExpired),
                        new dev.gatehouse.ops.Sweeper.Task("pushed_authorization_requests", codes::deleteExpiredPushed),
                        new dev.gatehouse.ops.Sweeper.Task("refresh_tokens", sessions::deleteExpiredRefreshTokens),
                        new dev.gatehouse.ops.Sweeper.Task("sso_sessions", sso::deleteExpired),
                        new dev.gatehouse.ops.Sweeper.Task("initial_access_tokens", initialAccessTokens::deleteExpired),
                        new dev.gatehouse.ops.Sweeper.Task("one_time_tokens", mailedLinks::deleteExpiredTokens),
                        new dev.gatehouse.ops.Sweeper.Task("revoked_access_tokens", revocations::deleteExpired),
                        // Pending sign-ins and ceremonies: kept an hour past expiry, so a late answer still finds
                        // its row and is refused as expired rather than unknown; device codes a day.
                        new dev.gatehouse.ops.Sweeper.Task(
                                "mfa_challenges",
                                now -> db.inTransaction(
                                        h -> mfaStore.deleteExpiredChallenges(h, now.minus(Duration.ofHours(1))))),
                        new dev.gatehouse.ops.Sweeper.Task(
                                "webauthn_challenges",
                                now -> db.inTransaction(h -> webauthnStore.purgeExpired(h, now))),
                        new dev.gatehouse.ops.Sweeper.Task(
                                "device_codes",
                                now -> db.inTransaction(
                                        h -> deviceStore.purgeExpired(h, now.minus(Duration.ofDays(1)))))));
        var webauthn = new dev.gatehouse.webauthn.WebAuthnService(
                db, webauthnStore, accounts, auth, mfa, mfaFactors, audit, secrets, clock, metrics, config.issuer());
        groups.add(new dev.gatehouse.account.AccountSecurityRoutes(
                sso,
                accounts,
                mfaFactors,
                mfaDevices,
                webauthn,
                consent,
                scopes,
                web,
                secrets,
                clock,
                ssoCookie,
                (session, info) -> logout.logout(session, Optional.empty(), info),
                https));
        groups.add(new dev.gatehouse.webauthn.WebAuthnRoutes(webauthn, web, https, recentSignIn));
        groups.add(new dev.gatehouse.login.PasskeyLoginRoutes(
                loginRoutes, sso, webauthn.passkeys(), web, signedIn, loginCsrf, ssoCookie));
        groups.add(new dev.gatehouse.login.LoginWebAuthnRoutes(
                sso, webauthn.passkeys(), web, signedIn, requests::redirectTarget, loginCsrf, ssoCookie));
        groups.add(new AdminRoutes(keyRing, outbox, accounts, audit, web, clock));
        groups.add(new DocsRoutes(config.issuer(), VERSION, mapper, () -> self[0].operations()));
        this.http = new HttpServer(
                config.httpHost(),
                config.httpPort(),
                config.issuer(),
                mapper,
                metrics,
                groups,
                dev.gatehouse.platform.http.ClientAddress.trusting(config.trustedProxies()));
        self[0] = http;
        new DatabaseTableMetrics(db.dataSource(), "gatehouse", "users", List.of()).bindTo(metrics);
        log.info("Crypto provider: {}; mail: {}", provider, mailWorker.describe());
        if (!config.rateLimits()) log.warn("GATEHOUSE_RATE_LIMITS=off: every rate limit is disabled");
        else if (config.redisUrl().isEmpty())
            log.info(
                    "Rate limits: buckets in memory on this node (set GATEHOUSE_REDIS_URL to share them in a cluster)");
    }

    public static App start(Config config) {
        return start(config, Clock.systemUTC(), Secrets.system());
    }

    public static App start(Config config, Clock clock, Secrets secrets) {
        var app = new App(config, clock, secrets);
        try {
            app.bootstrapAdmin(secrets);
            app.mailWorker.start();
            app.sweeper.start();
            app.clusterEvents.start();
            app.http.start();
        } catch (RuntimeException e) {
            app.close(); // e.g. the port is taken: stop the background work and the pool started so far
            throw e;
        }
        return app;
    }

    private void bootstrapAdmin(Secrets secrets) {
        String email = config.adminEmail().orElse("admin@gatehouse.local");
        boolean generated = config.adminPassword().isEmpty();
        String password =
                config.adminPassword().orElseGet(() -> secrets.token("").substring(0, 24));
        if (accounts.createFirstAdmin(email, password)) {
            if (generated) {
                // Printed once to the console, never logged: it is the only copy. In JSON mode as a JSON line too,
                // so a log shipper reading stdout still parses every line.
                String text = "First administrator created: " + email + " / " + password
                        + "  (shown once; change it after signing in)";
                System.out.println(
                        "json".equals(config.logFormat())
                                ? Json.write(
                                        Json.newMapper(),
                                        Map.of(
                                                "timestamp",
                                                System.currentTimeMillis(),
                                                "level",
                                                "WARN",
                                                "loggerName",
                                                App.class.getName(),
                                                "formattedMessage",
                                                text))
                                : text);
            } else {
                log.info("First administrator created: {}", email);
            }
        }
    }

    public int port() {
        return http.port();
    }

    public String issuer() {
        return config.issuer();
    }

    public KeyRing keyRing() {
        return keyRing;
    }

    /** The routes the server serves ("METHOD /path"), for checking the API description against them. */
    public List<String> routes() {
        return http.routes();
    }

    /** Drains in-flight requests, stops background work and closes the pool. */
    @Override
    public void close() {
        http.stop(10_000);
        sweeper.close();
        clusterEvents.close();
        mailWorker.close();
        backChannelLogout.close();
        limiter.close();
        db.close();
    }
}
